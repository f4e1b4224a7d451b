"""A local cloud started exactly as `make dev` starts it (`python -m infra.local`), on free ports with a
fresh dev key, and helpers to drive it over HTTP. Used by the end-to-end tests and the benchmarks."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx

ROOT = Path(__file__).resolve().parents[1]
TERMINAL = frozenset({"succeeded", "failed", "cancelled"})
READY_LINE = "export RP_DEV_API_KEY="
QUEUE = "researcher-pro-local-TasksQueue"
DEAD_LETTER_QUEUE = "researcher-pro-local-TasksDeadLetterQueue"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def venv_bin(name: str) -> Path:
    return ROOT / ".venv" / "bin" / name


def wait_for(
    http: httpx.Client,
    path: str,
    timeout: float = 60,
    statuses: frozenset[str] | set[str] = TERMINAL,
    poll_seconds: float = 0.2,
) -> dict[str, Any]:
    """Poll a task resource (research, analysis, report) until its status is one of `statuses`."""
    deadline = time.monotonic() + timeout
    while True:
        resource = dict(http.get(path).json())
        if resource.get("status") in statuses:
            return resource
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} stuck: {resource}")
        time.sleep(poll_seconds)


class Cloud:
    def __init__(self, env: dict[str, str], start_timeout: float = 180, own_process_group: bool = False) -> None:
        self.http_port, self.aws_port, self.ws_port = free_port(), free_port(), free_port()
        # A developer's shell, not this process: fixtures in the same test process may have set AWS_*
        # and RP_* variables for other stacks, and the local cloud passes RP_* on to every function.
        shell = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("AWS_", "RP_", "POWERTOOLS_", "OPENAI_", "PERPLEXITY_"))
        }
        self.env = {
            **shell,
            "RP_LOCAL_HTTP_PORT": str(self.http_port),
            "RP_LOCAL_AWS_PORT": str(self.aws_port),
            "RP_LOCAL_WS_PORT": str(self.ws_port),
            # Scheduled functions (the sweepers, the watch scheduler) every 2 s: soon enough for any test, and
            # each tick is three invocations for every cloud the tests keep running.
            "RP_LOCAL_TICK_SECONDS": "2",
            "RP_DEV_API_KEY": "rp_" + secrets.token_urlsafe(32),
            **env,
        }
        self.url = f"http://127.0.0.1:{self.http_port}"
        self.aws_endpoint = f"http://127.0.0.1:{self.aws_port}"
        # The WebSocket API's stage is the path, as in AWS (the template's Stage parameter).
        self.ws_url = f"ws://127.0.0.1:{self.ws_port}/dev"
        self.key = self.env["RP_DEV_API_KEY"]
        self.output: list[str] = []
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "infra.local"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            # As `make dev` runs in a terminal: a process group of its own, which Ctrl-C signals as a whole.
            start_new_session=own_process_group,
        )
        self._ready, self._ended = threading.Event(), threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.monotonic() + start_timeout
        while not self._ready.wait(0.1):
            if self._ended.is_set() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the local cloud did not start:\n" + "".join(self.output[-80:]))
        self.startup_s = time.perf_counter() - started
        self.http = self.client(self.key)

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

    def interrupt_like_a_terminal(self, timeout: float = 30) -> int:
        """Ctrl-C as a terminal sends it, to every process of the cloud's group; returns the exit status."""
        os.killpg(self.process.pid, signal.SIGINT)
        status = self.process.wait(timeout)
        self._ended.wait(5)
        return status

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def client(self, key: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def create_key(self, tenant: str) -> str:
        """A new tenant's key, issued by `rp-admin create-key --local` as a user would."""
        out = subprocess.run(
            [str(venv_bin("rp-admin")), "create-key", "--local", "--tenant", tenant],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip().splitlines()[-1]

    def start(self, body: dict[str, Any], http: httpx.Client | None = None, **headers: str) -> dict[str, Any]:
        response = (http or self.http).post("/v1/research", json=body, headers=headers)
        if response.status_code != 202:
            raise AssertionError(f"POST /v1/research answered {response.status_code}: {response.text[:300]}")
        return dict(response.json())

    def wait(
        self,
        research_id: str,
        timeout: float = 60,
        statuses: frozenset[str] | set[str] = TERMINAL,
        http: httpx.Client | None = None,
        poll_seconds: float = 0.2,
    ) -> dict[str, Any]:
        return wait_for(http or self.http, f"/v1/research/{research_id}", timeout, statuses, poll_seconds)

    def events(self, research_id: str, after: int = 0) -> list[dict[str, Any]]:
        response = self.http.get(f"/v1/research/{research_id}/events", params={"after": after})
        response.raise_for_status()
        return list(response.json()["items"])

    def worker_pids(self) -> list[int]:
        """The processes of this cloud's task worker containers."""
        return [pid for pid, (function, _) in self.containers().items() if function == "task_worker"]

    def containers(self) -> dict[int, tuple[str, bytes]]:
        """This cloud's function containers: pid -> (the function's folder name, its environment as /proc has it)."""
        found = {}
        marker = f"AWS_ENDPOINT_URL={self.aws_endpoint}\0".encode()
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                cmdline = (proc / "cmdline").read_bytes().split(b"\0")
                environ = (proc / "environ").read_bytes()
            except OSError:
                continue
            folders = [part for part in cmdline if b"/functions/" in part]
            if folders and marker in environ:
                found[int(proc.name)] = (folders[0].rstrip(b"/").rsplit(b"/", 1)[-1].decode(), environ)
        return found

    def aws(self, service: str) -> Any:
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.aws_endpoint,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
