"""The whole local cloud: moto, the template's resources, its functions, their triggers."""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from researcher_pro.core.config import LOCAL_STACK_NAME

from infra.local.faults import Dice
from infra.local.functions import LocalFunction
from infra.local.http_gateway import HttpGateway
from infra.local.provision import aws_client, provision, start_moto
from infra.local.settings import LocalSettings
from infra.local.sqs_poller import SqsPoller
from infra.local.template import REGION, Stack, load_stack
from infra.local.ticker import Ticker
from infra.local.ws_gateway import WebSocketGateway

DATA_TABLE = "DataTable"


class LocalCloud:
    def __init__(self, settings: LocalSettings) -> None:
        self.settings = settings
        self.aws_endpoint = f"http://127.0.0.1:{settings.aws_port}"
        self.ws_endpoint = f"ws://127.0.0.1:{settings.ws_port}"
        self.stack: Stack = load_stack(
            settings.root, LOCAL_STACK_NAME, settings.parameters, self.aws_endpoint, self.ws_endpoint
        )
        self.functions: dict[str, LocalFunction] = {}
        self._moto: Any = None
        self._gateway: HttpGateway | None = None
        self._pollers: list[SqsPoller] = []
        self._ticker: Ticker | None = None
        self._ws_gateway: WebSocketGateway | None = None
        self.dev_api_key = settings.dev_api_key

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self._gateway.port if self._gateway else self.settings.http_port}"

    @property
    def ws_url(self) -> str:
        """What clients connect to (the stage is the path, as in AWS); empty without a WebSocket API."""
        return f"{self.ws_endpoint}/{self.stack.websocket.stage}" if self.stack.websocket else ""

    def start(self) -> None:
        faults = self.settings.faults
        dice = Dice(faults.seed)
        if faults.any:
            print(f"Fault injection on: {faults}", flush=True)
        self._moto = start_moto(self.settings.aws_port, faults, dice)
        provision(self.stack, self.aws_endpoint)
        self.dev_api_key = self._register_dev_key()
        layer = self.settings.root / "layers" / "shared"
        for name, function in self.stack.functions.items():
            environment = self._environment(function.logical_id, function.memory, function.environment)
            # A step's worker may be killed mid-step: the functions fed by a queue.
            kills = faults.worker_kills if any(m.function == name for m in self.stack.queue_mappings) else 0.0
            self.functions[name] = LocalFunction(
                function, layer, environment, self.settings.max_containers, kill_rate=kills, dice=dice
            )
        # Warm every function once, in parallel: import errors surface now, not on the first request.
        with ThreadPoolExecutor(max_workers=len(self.functions) or 1) as pool:
            list(pool.map(lambda f: f.warm_up(), self.functions.values()))
        sqs = aws_client("sqs", self.aws_endpoint)
        for mapping in self.stack.queue_mappings:
            url = self.stack.queue_url(mapping.queue, self.aws_endpoint)
            arn = self.stack.resolve({"Fn::GetAtt": [mapping.queue, "Arn"]}, self.aws_endpoint)
            # As many pollers as batches may run at once: the mapping's limit, within this machine's containers.
            pollers = max(1, min(mapping.max_concurrency, self.settings.max_containers))
            self._pollers.append(
                SqsPoller(mapping, url, arn, sqs, self.invoke, pollers, duplicates=faults.sqs_duplicates, dice=dice)
            )
        self._gateway = HttpGateway(self.stack.routes, self.invoke, self.settings.http_port)
        self._ticker = Ticker(self.stack.schedules, self.invoke, self.settings.tick_seconds)
        if self.stack.websocket:
            self._ws_gateway = WebSocketGateway(self.stack.websocket, self.invoke, self.settings.ws_port)
            self._ws_gateway.start()
        for poller in self._pollers:
            poller.start()
        self._gateway.start()
        self._ticker.start()
        threading.Thread(target=_keep_collections_short, name="gc-freeze", daemon=True).start()

    def invoke(self, function: str, event: dict[str, Any]) -> Any:
        return self.functions[function].invoke(event)

    def stop(self) -> None:
        if self._gateway:
            self._gateway.stop()
        if self._ws_gateway:
            self._ws_gateway.stop()
        if self._ticker:
            self._ticker.stop()
        for poller in self._pollers:
            poller.stop()
        handed_over_by = time.monotonic() + 2  # one short wait for every batch being handled, not one each
        for poller in self._pollers:
            poller.join(handed_over_by)
        for function in self.functions.values():
            function.close()
        if self._moto:
            self._moto.stop()

    def _environment(self, name: str, memory: int, variables: dict[str, str]) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR")}
        return {
            **base,
            **self.settings.passthrough_env,
            **variables,
            "AWS_ENDPOINT_URL": self.aws_endpoint,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_LAMBDA_FUNCTION_NAME": name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
        }

    def _register_dev_key(self) -> str:
        os.environ.setdefault("AWS_ENDPOINT_URL", self.aws_endpoint)
        from researcher_pro.access.api_key_repository import ApiKeyRepository
        from researcher_pro.access.api_keys import ApiKeyService

        keys = ApiKeyService(ApiKeyRepository(self.stack.physical_name(DATA_TABLE)))
        key, _ = keys.issue("dev", self.settings.dev_api_key or None)
        return key


def project_root() -> Path:
    return Path(__file__).resolve().parents[2]


def ensure_importable() -> None:
    layer = str(project_root() / "layers" / "shared")
    if layer not in sys.path:
        sys.path.insert(0, layer)


def _keep_collections_short(every_seconds: float = 2.0) -> None:
    """moto keeps every item of every table as Python objects in this process, and a full garbage
    collection walks all of them: pauses of 100-300 ms that stall moto, both gateways and the poller
    at once. Those objects are long-lived and freed by reference counting, not by the collector, so
    they are moved out of its reach (`gc.freeze`) as they age; collections then only walk what is new."""
    while True:
        time.sleep(every_seconds)
        gc.freeze()
