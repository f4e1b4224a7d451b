"""What the benchmarks share: paths, statistics, and a local cloud started as tests/conftest.py starts it."""

from __future__ import annotations

import math
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx

ROOT = Path(__file__).resolve().parents[1]
TERMINAL = frozenset({"succeeded", "failed", "cancelled"})
READY_LINE = "export RP_DEV_API_KEY="


def venv_python() -> Path:
    """The project's interpreter: .venv/bin/python, or the running one if there is no .venv."""
    candidate = ROOT / ".venv" / "bin" / "python"
    return candidate if candidate.exists() else Path(sys.executable)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: Iterable[float], pct: float) -> float:
    """Nearest-rank percentile: the smallest value with at least `pct` percent of values at or below it."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: Iterable[float]) -> float:
    return float(statistics.median(list(values)))


def rounded(value: float, digits: int = 1) -> float:
    return round(value, digits)


class LocalCloud:
    """`python -m infra.local` on free ports with a fresh dev key; stopped with SIGINT, as `make dev` is."""

    def __init__(self, env: dict[str, str], start_timeout: float = 90) -> None:
        key = "rp_" + secrets.token_urlsafe(32)
        self.env = {
            **os.environ,
            "RP_LOCAL_HTTP_PORT": str(free_port()),
            "RP_LOCAL_AWS_PORT": str(free_port()),
            "RP_DEV_API_KEY": key,
            **env,
        }
        for name in ("OPENAI_API_KEY", "PERPLEXITY_API_KEY"):
            if name not in env:
                self.env.pop(name, None)
        self.url = f"http://127.0.0.1:{self.env['RP_LOCAL_HTTP_PORT']}"
        self.key = key
        self.output: list[str] = []
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [str(venv_python()), "-m", "infra.local"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._ready, self._ended = threading.Event(), threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.monotonic() + start_timeout
        while not self._ready.wait(0.1):
            if self._ended.is_set() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the local cloud did not start:\n" + "".join(self.output[-80:]))
        self.startup_s = time.perf_counter() - started
        self.http = httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {key}"}, timeout=30)

    def _read(self) -> None:
        # Drains stdout for the cloud's whole life, so a full pipe never blocks it.
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            if line.startswith(READY_LINE):
                self._ready.set()
        self._ended.set()

    def stop(self) -> None:
        if hasattr(self, "http"):
            self.http.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def start_research(self, body: dict[str, Any]) -> dict[str, Any]:
        response = self.http.post("/v1/research", json=body)
        if response.status_code != 202:
            raise RuntimeError(f"POST /v1/research answered {response.status_code}: {response.text[:300]}")
        return dict(response.json())

    def wait(self, research_id: str, poll_seconds: float, timeout: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            research = dict(self.http.get(f"/v1/research/{research_id}").json())
            if research["status"] in TERMINAL:
                return research
            if time.monotonic() > deadline:
                raise RuntimeError(f"research {research_id} stuck in {research['status']}")
            time.sleep(poll_seconds)

    def events(self, research_id: str) -> list[dict[str, Any]]:
        response = self.http.get(f"/v1/research/{research_id}/events", params={"after": 0})
        response.raise_for_status()
        return list(response.json()["items"])
