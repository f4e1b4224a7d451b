"""Local Lambda functions: a pool of warm processes per function, each one container.

Like Lambda, a container serves one invocation at a time, is reused while warm, and is replaced
when it times out or dies.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from multiprocessing.connection import Connection, Listener
from pathlib import Path
from typing import Any

from infra.local.faults import Dice, announce
from infra.local.template import Function

RUNTIME = Path(__file__).with_name("runtime.py")


class InvocationError(Exception):
    def __init__(self, kind: str, detail: dict[str, Any]) -> None:
        super().__init__(f"{kind}: {detail.get('errorType')}: {detail.get('errorMessage')}")
        self.kind = kind
        self.detail = detail


class _Container:
    def __init__(
        self, function: Function, layer: Path, environment: dict[str, str], listener: Listener, authkey: bytes
    ) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [
                sys.executable,
                str(RUNTIME),
                str(function.code_uri),
                str(layer),
                function.handler,
                str(listener.address),
                authkey.hex(),
            ],
            env=environment,
        )
        self.connection: Connection = listener.accept()
        kind, detail = self.connection.recv()
        if kind != "ready":
            self.stop()
            raise InvocationError("init_error", detail)

    def invoke(self, event: dict[str, Any], timeout: float) -> Any:
        request_id = str(uuid.uuid4())
        self.connection.send((request_id, event, time.time() + timeout))
        if not self.connection.poll(timeout):
            self.stop()
            raise InvocationError(
                "timeout", {"errorType": "TimeoutError", "errorMessage": f"Task timed out after {timeout:.2f} seconds"}
            )
        try:
            kind, payload = self.connection.recv()
        except (EOFError, ConnectionResetError) as error:
            self.stop()
            raise InvocationError(
                "crashed", {"errorType": "Runtime.ExitError", "errorMessage": "the runtime process exited"}
            ) from error
        if kind == "error":
            raise InvocationError("error", payload)
        return payload

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.connection.close()


class LocalFunction:
    def __init__(
        self,
        function: Function,
        layer: Path,
        environment: dict[str, str],
        max_containers: int,
        kill_rate: float = 0.0,
        dice: Dice | None = None,
    ) -> None:
        self._kill_rate = kill_rate  # a share of invocations whose container is killed partway through
        self._dice = dice or Dice(None)
        self.function = function
        self.name = function.logical_id
        self._layer = layer
        self._environment = environment  # exactly what the function gets, as the template says
        self._max = max_containers
        self._authkey = secrets.token_bytes(16)
        # A Unix socket: no TCP stack (and no Nagle) between the gateway and its containers.
        self._socket_dir = tempfile.mkdtemp(prefix="rp-fn-")
        self._listener = Listener(os.path.join(self._socket_dir, "invoke.sock"), "AF_UNIX", authkey=self._authkey)
        self._idle: list[_Container] = []
        self._all: list[_Container] = []
        self._lock = threading.Condition()
        self._spawn_lock = threading.Lock()
        self._closed = False
        self._starting = 0

    def warm_up(self) -> None:
        self._release(self._acquire())

    def invoke(self, event: dict[str, Any]) -> Any:
        container = self._acquire()
        killer = None
        if self._dice.roll(self._kill_rate):
            # Partway through the step, at a moment nobody chose: mid-call, mid-write or just after.
            killer = threading.Timer(self._dice.uniform(0.05, 1.5), self._kill, args=(container, event, time.time()))
            killer.start()
        try:
            return container.invoke(event, float(self.function.timeout))
        except InvocationError as error:
            if error.kind in ("timeout", "crashed"):
                # As Lambda's own log line: what the function printed stops short, and this says why.
                print(f"{self.name}: {error.detail.get('errorMessage')}", flush=True)
            raise
        finally:
            if killer is not None:
                killer.cancel()
            self._release(container)

    def _kill(self, container: _Container, event: dict[str, Any], invoked_at: float) -> None:
        if container.alive():
            container.process.kill()
            # What was cut and when (epoch seconds), so whatever the invocation had in flight can be told apart:
            # for a queue's batch, its messages.
            messages = [record.get("body") for record in event.get("Records") or [] if isinstance(record, dict)]
            announce(
                f"{self.name} container killed",
                {"invoked_at": invoked_at, "killed_at": time.time(), "messages": messages},
            )

    def pids(self) -> list[int]:
        with self._lock:
            return [c.process.pid for c in self._all if c.alive()]

    def close(self) -> None:
        with self._lock:
            self._closed = True
            containers, self._all, self._idle = self._all, [], []
        for container in containers:
            container.stop()
        self._listener.close()
        shutil.rmtree(self._socket_dir, ignore_errors=True)

    def _acquire(self) -> _Container:
        with self._lock:
            while True:
                while self._idle:
                    container = self._idle.pop()
                    if container.alive():
                        return container
                    self._all.remove(container)
                if len(self._all) + self._starting < self._max:
                    self._starting += 1
                    break
                self._lock.wait()
        try:
            with self._spawn_lock:  # one accept() at a time on the shared listener
                container = _Container(self.function, self._layer, self._environment, self._listener, self._authkey)
        finally:
            with self._lock:
                self._starting -= 1
                self._lock.notify()
        with self._lock:
            self._all.append(container)
        return container

    def _release(self, container: _Container) -> None:
        with self._lock:
            if self._closed:
                container.stop()
            elif container.alive():
                self._idle.append(container)
            elif container in self._all:
                self._all.remove(container)
            self._lock.notify()
