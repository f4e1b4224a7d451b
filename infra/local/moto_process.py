"""The local cloud's moto, in a process of its own."""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import socket
import time

from infra.local.faults import Dice, Faults


class MotoProcess:
    """moto in a process of its own. In the local cloud's process it shared one interpreter lock with both
    gateways, the queue pollers and the ticker, so a fan-out's posts to the WebSocket gateway took turns with
    the DynamoDB requests of the subscriptions being made instead of running on another core."""

    def __init__(self, port: int, faults: Faults, ready_within_s: float = 60.0) -> None:
        # spawn, not fork: the parent has threads running, and a forked child would inherit their locks.
        self._process = multiprocessing.get_context("spawn").Process(
            target=_serve_moto, args=(port, faults, os.getpid()), name="moto", daemon=True
        )
        self._process.start()
        deadline = time.monotonic() + ready_within_s
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                if not self._process.is_alive() or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"moto did not start on port {port}") from None
                time.sleep(0.05)

    def stop(self) -> None:
        self._process.terminate()
        self._process.join(10)


def _serve_moto(port: int, faults: Faults, parent: int, freeze_every_s: float = 2.0) -> None:
    """moto's process: the server, until the local cloud's process ends (stopped or killed). Ctrl-C is the
    local cloud's to handle: it stops moto when it has stopped what uses it.

    Meanwhile the collector is kept short. moto keeps every item of every table as Python objects, and a full
    garbage collection walks all of them: pauses of 100-300 ms that stall every request. Those objects are
    long-lived and freed by reference counting, not by the collector, so they are moved out of its reach
    (`gc.freeze`) as they age; collections then only walk what is new."""
    from infra.local.moto_server import start_moto  # moto is imported here, in its own process only

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    start_moto(port, faults, Dice(faults.seed))
    while os.getppid() == parent:
        time.sleep(freeze_every_s)
        gc.freeze()
