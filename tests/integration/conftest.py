"""Integration fixtures: a moto server provisioned from template.yaml, and the functions' environment."""

from __future__ import annotations

import importlib.util
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from researcher_pro.core.config import LOCAL_STACK_NAME
from researcher_pro.core.pagination import Cursors

from infra.local.provision import provision, start_moto
from infra.local.template import Stack, load_stack
from tests.harness import ROOT, free_port

# Repositories built by a test itself sign their cursors with this key.
TEST_CURSORS = Cursors(lambda: b"integration tests")


@dataclass
class Context:
    """The Lambda context object, as the Python runtime passes it to a handler."""

    function_name: str = "test-function"
    timeout_seconds: float = 30.0
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:test-function"
    function_version: str = "$LATEST"
    log_group_name: str = "/aws/lambda/test-function"
    log_stream_name: str = "test"
    _started: float = field(default_factory=time.time)

    def get_remaining_time_in_millis(self) -> int:
        return int((self._started + self.timeout_seconds - time.time()) * 1000)


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    """moto in server mode with the template's resources; this process gets a function's environment."""
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    server = start_moto(port)
    loaded = load_stack(ROOT, LOCAL_STACK_NAME, {}, endpoint)
    provision(loaded, endpoint)
    saved = dict(os.environ)
    os.environ.update(loaded.functions["TaskWorkerFunction"].environment)
    # And what the API functions that list are told: where the cursor key is.
    os.environ["RP_CURSOR_SECRET_ARN"] = loaded.functions["ResearchApiFunction"].environment["RP_CURSOR_SECRET_ARN"]
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "OPENAI_API_KEY": "",
            "PERPLEXITY_API_KEY": "",
        }
    )
    from researcher_pro.core.config import get_settings

    get_settings.cache_clear()
    yield loaded
    os.environ.clear()
    os.environ.update(saved)
    get_settings.cache_clear()
    server.stop()


def load_function(name: str) -> ModuleType:
    """Import functions/<name>/app.py as Lambda would, under a name of its own, as a fresh container: with
    settings read afresh, so it builds its own services (and their caches) from them."""
    from researcher_pro.core.config import get_settings

    get_settings.cache_clear()
    path = Path(ROOT, "functions", name, "app.py")
    spec = importlib.util.spec_from_file_location(f"function_{name}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def invoke(module: ModuleType, event: dict[str, Any], **context: Any) -> Any:
    return module.handler(event, Context(**context))
