"""An SQS event source mapping: long-polls a queue, invokes the function with a batch, and deletes
what succeeded. Failed records stay until their visibility timeout ends and come back; moto's
redrive policy moves a message to the dead-letter queue after maxReceiveCount receives."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from typing import Any

from infra.local.faults import Dice, announce
from infra.local.functions import InvocationError
from infra.local.template import REGION, QueueMapping

Invoke = Callable[[str, dict[str, Any]], Any]
LONG_POLL_SECONDS = 10


class SqsPoller:
    def __init__(
        self,
        mapping: QueueMapping,
        queue_url: str,
        queue_arn: str,
        sqs: Any,
        invoke: Invoke,
        pollers: int = 2,
        duplicates: float = 0.0,
        dice: Dice | None = None,
    ) -> None:
        self._duplicates = duplicates  # a share of batches delivered twice at once, as SQS may
        self._dice = dice or Dice(None)
        self._mapping = mapping
        self._url = queue_url
        self._arn = queue_arn
        self._sqs = sqs
        self._invoke = invoke
        self._stop = threading.Event()
        self._idle = threading.Condition()
        self._handling = 0  # batches being handed to the function
        self._threads = [
            threading.Thread(target=self._run, name=f"sqs-{mapping.function}-{i}", daemon=True) for i in range(pollers)
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Poll no more. A poller inside a long poll leaves it when it ends, without handling what it got."""
        self._stop.set()

    def join(self, deadline: float) -> None:
        """Wait until `deadline` (a `time.monotonic()` instant) for the batches being handled to be done. The
        pollers still inside a long poll are not waited for: they are daemon threads and die with the process."""
        with self._idle:
            self._idle.wait_for(lambda: self._handling == 0, timeout=max(0.0, deadline - time.monotonic()))

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._poll_once()
            except Exception:  # the poller keeps going, as Lambda's does
                if self._stop.wait(1):
                    return

    def _poll_once(self) -> None:
        reply = self._sqs.receive_message(
            QueueUrl=self._url,
            MaxNumberOfMessages=min(10, self._mapping.batch_size),
            # Long polling, as Lambda's event source mapping does it: an idle queue costs a request per
            # LONG_POLL_SECONDS, and a message sent meanwhile is answered at once.
            WaitTimeSeconds=LONG_POLL_SECONDS,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = reply.get("Messages") or []
        if not messages:
            return
        with self._idle:
            if self._stop.is_set():
                return  # received as the cloud stops: it comes back after its visibility timeout
            self._handling += 1
        try:
            self._handle(messages)
        finally:
            with self._idle:
                self._handling -= 1
                self._idle.notify_all()

    def _handle(self, messages: list[dict[str, Any]]) -> None:
        event = {"Records": [self._record(m) for m in messages]}
        if self._dice.roll(self._duplicates):
            announce("sqs duplicate delivery")
            threading.Thread(target=self._deliver_again, args=(event,), daemon=True).start()
        try:
            result = self._invoke(self._mapping.function, event)
        except InvocationError:
            return  # the whole batch comes back after its visibility timeout
        failed: set[str] = set()
        if self._mapping.report_failures and isinstance(result, dict):
            failed = {f.get("itemIdentifier") for f in result.get("batchItemFailures") or []}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self._sqs.delete_message_batch(
                QueueUrl=self._url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )

    def _deliver_again(self, event: dict[str, Any]) -> None:
        # The first delivery's outcome decides what is deleted.
        with contextlib.suppress(InvocationError):
            self._invoke(self._mapping.function, event)

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes") or {},
            "messageAttributes": {
                name: {
                    "stringValue": value.get("StringValue"),
                    "binaryValue": value.get("BinaryValue"),
                    "stringListValues": [],
                    "binaryListValues": [],
                    "dataType": value.get("DataType"),
                }
                for name, value in (message.get("MessageAttributes") or {}).items()
            },
            "md5OfBody": message.get("MD5OfBody"),
            "eventSource": "aws:sqs",
            "eventSourceARN": self._arn,
            "awsRegion": REGION,
        }
