"""Shared fixtures: the fake model servers, and local clouds started exactly as `make dev` starts them."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.perplexity_server import FakePerplexity

ROOT = Path(__file__).resolve().parents[1]
TERMINAL = {"succeeded", "failed", "cancelled"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Cloud:
    """A running local cloud (`python -m infra.local`) and helpers to drive it over HTTP."""

    def __init__(self, env: dict[str, str]) -> None:
        self.http_port, self.aws_port = free_port(), free_port()
        self.env = {
            **os.environ,
            "RP_LOCAL_HTTP_PORT": str(self.http_port),
            "RP_LOCAL_AWS_PORT": str(self.aws_port),
            "RP_LOCAL_TICK_SECONDS": "1",
            "RP_DEV_API_KEY": "rp_" + secrets.token_urlsafe(32),
            **env,
        }
        for name in ("OPENAI_API_KEY", "PERPLEXITY_API_KEY"):
            if name not in env:
                self.env.pop(name, None)
        self.url = f"http://127.0.0.1:{self.http_port}"
        self.aws_endpoint = f"http://127.0.0.1:{self.aws_port}"
        self.key = self.env["RP_DEV_API_KEY"]
        self.output: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "infra.local"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        ready = threading.Event()

        def read() -> None:
            assert self.process.stdout is not None
            for line in self.process.stdout:
                self.output.append(line)
                if line.startswith("export RP_DEV_API_KEY="):
                    ready.set()

        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(90):
            self.stop()
            raise RuntimeError("the local cloud did not start:\n" + "".join(self.output[-50:]))
        self.http = httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.key}"}, timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def client(self, key: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def create_key(self, tenant: str) -> str:
        out = subprocess.run(
            [str(ROOT / ".venv" / "bin" / "rp-admin"), "create-key", "--local", "--tenant", tenant],
            env={**self.env, "RP_LOCAL_AWS_PORT": str(self.aws_port)},
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip().splitlines()[-1]

    def start(self, body: dict[str, Any], http: httpx.Client | None = None, **headers: str) -> dict[str, Any]:
        response = (http or self.http).post("/v1/research", json=body, headers=headers)
        assert response.status_code == 202, response.text
        return dict(response.json())

    def wait(
        self, research_id: str, timeout: float = 60, statuses: set[str] = TERMINAL, http: httpx.Client | None = None
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            research = (http or self.http).get(f"/v1/research/{research_id}").json()
            if research["status"] in statuses:
                return dict(research)
            if time.monotonic() > deadline:
                raise AssertionError(f"research stuck in {research['status']}: {research}")
            time.sleep(0.2)

    def events(self, research_id: str, after: int = 0) -> list[dict[str, Any]]:
        return list(self.http.get(f"/v1/research/{research_id}/events", params={"after": after}).json()["items"])

    def worker_pids(self) -> list[int]:
        pids = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                cmdline = (proc / "cmdline").read_bytes().split(b"\0")
                environ = (proc / "environ").read_bytes()
            except OSError:
                continue
            if (
                any(part.endswith(b"functions/task_worker") for part in cmdline)
                and f"AWS_ENDPOINT_URL={self.aws_endpoint}\0".encode() in environ
            ):
                pids.append(int(proc.name))
        return pids

    def aws(self, service: str) -> Any:
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.aws_endpoint,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )


@pytest.fixture(scope="session")
def fake_openai() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI()
    yield server
    server.close()


@pytest.fixture(scope="session")
def fake_perplexity() -> Iterator[FakePerplexity]:
    server = FakePerplexity()
    yield server
    server.close()


@pytest.fixture
def fakes(fake_openai: FakeOpenAI, fake_perplexity: FakePerplexity) -> Iterator[tuple[FakeOpenAI, FakePerplexity]]:
    fake_openai.reset()
    fake_perplexity.reset()
    fake_perplexity.failed_runs = 0
    yield fake_openai, fake_perplexity
    fake_openai.reset()
    fake_perplexity.reset()


ONLINE_OVERRIDES = (
    "WorkerTimeoutSeconds=10 TaskVisibilityTimeoutSeconds=12 ProviderRetrySeconds=3 "
    "StuckAfterSeconds=30 MaxStepAttempts=3"
)


@pytest.fixture(scope="session")
def online_cloud(fake_openai: FakeOpenAI, fake_perplexity: FakePerplexity) -> Iterator[Cloud]:
    cloud = Cloud(
        {
            "OPENAI_API_KEY": "sk-test",
            "OPENAI_BASE_URL": f"{fake_openai.url}/v1",
            "PERPLEXITY_API_KEY": "pplx-test",
            "PERPLEXITY_BASE_URL": fake_perplexity.url,
            "RP_LOCAL_PARAMETER_OVERRIDES": ONLINE_OVERRIDES,
            "RP_PROVIDER_MAX_ATTEMPTS": "4",
        }
    )
    yield cloud
    cloud.stop()


@pytest.fixture(scope="session")
def offline_cloud() -> Iterator[Cloud]:
    cloud = Cloud({"RP_LOCAL_PARAMETER_OVERRIDES": "WorkerTimeoutSeconds=5 TaskVisibilityTimeoutSeconds=6"})
    yield cloud
    cloud.stop()
