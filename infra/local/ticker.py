"""Invokes the template's scheduled functions every RP_LOCAL_TICK_SECONDS (moto never fires schedules)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from infra.local.functions import InvocationError
from infra.local.template import ACCOUNT, REGION, Schedule


def scheduled_event(rule: str, now_iso: str, event_id: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": event_id,
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": now_iso,
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{rule}"],
        "detail": {},
    }


class Ticker:
    def __init__(self, schedules: list[Schedule], invoke: Callable[[str, dict[str, Any]], Any], seconds: float) -> None:
        self._schedules = schedules
        self._invoke = invoke
        self._seconds = seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ticker", daemon=True)

    def start(self) -> None:
        if self._schedules:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self._seconds):
            for schedule in self._schedules:
                now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                try:
                    self._invoke(schedule.function, scheduled_event(schedule.rule, now, str(uuid.uuid4())))
                except InvocationError:
                    continue
