"""Moving a dead-letter queue's messages back to the queue they came from (`rp-admin redrive`).

SQS's own StartMessageMoveTask does this in AWS, but it runs on its own after it is started, cannot say
what it would move, and the local cloud (moto) has no such call; so messages are moved here in batches of
ten: each batch received, sent to the source queue, then deleted from the dead-letter queue. A batch that
is not deleted (the command died between the two) is received again later and sent twice, which the
worker tolerates: a duplicate delivery of a step finds it taken or done.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from researcher_pro.core.aws import client

BATCH = 10  # SQS's limit per receive, send and delete
LOOK_SECONDS = 30  # how long a listed message stays hidden from other readers while it is being listed


@dataclass(frozen=True)
class DeadLetter:
    message_id: str
    body: str
    receive_count: int
    sent_at_ms: int


class DeadLetters:
    def __init__(self, dead_letter_queue_url: str) -> None:
        self._dlq = dead_letter_queue_url
        self._sqs = client("sqs")

    def source(self) -> str:
        """The queue whose redrive policy sends its failed messages here: where a redrive moves them."""
        sources = self._sqs.list_dead_letter_source_queues(QueueUrl=self._dlq).get("queueUrls", [])
        if len(sources) != 1:
            raise RuntimeError(f"{self._dlq} is the dead-letter queue of {len(sources)} queues, not of one")
        return str(sources[0])

    def peek(self, limit: int = 1000) -> list[DeadLetter]:
        """What a redrive would move, at most `limit`, leaving every message where it is."""
        seen: dict[str, DeadLetter] = {}
        handles: list[str] = []
        try:
            while len(seen) < limit:
                batch = self._receive(LOOK_SECONDS)
                if not batch:
                    break
                for message in batch:
                    seen.setdefault(message["MessageId"], _letter(message))
                    handles.append(message["ReceiptHandle"])
        finally:
            # Visible again at once: listing must not delay a redrive, or the worker's own retries.
            for start in range(0, len(handles), BATCH):
                entries = [
                    {"Id": str(i), "ReceiptHandle": handle, "VisibilityTimeout": 0}
                    for i, handle in enumerate(handles[start : start + BATCH])
                ]
                self._sqs.change_message_visibility_batch(QueueUrl=self._dlq, Entries=entries)
        return list(seen.values())[:limit]

    def redrive(self, limit: int | None = None) -> list[DeadLetter]:
        """Move the messages back to their source queue, at most `limit`; what was moved."""
        source = self.source()
        moved: list[DeadLetter] = []
        while limit is None or len(moved) < limit:
            batch = self._receive(LOOK_SECONDS)[: None if limit is None else limit - len(moved)]
            if not batch:
                break
            entries = [
                {"Id": str(i), "MessageBody": message["Body"], **_trace_of(message)} for i, message in enumerate(batch)
            ]
            sent = self._sqs.send_message_batch(QueueUrl=source, Entries=entries)
            if sent.get("Failed"):
                raise RuntimeError(f"the source queue refused messages: {sent['Failed']}")
            self._sqs.delete_message_batch(
                QueueUrl=self._dlq,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)],
            )
            moved.extend(_letter(message) for message in batch)
        return moved

    def _receive(self, hide_seconds: int) -> list[dict[str, Any]]:
        reply = self._sqs.receive_message(
            QueueUrl=self._dlq,
            MaxNumberOfMessages=BATCH,
            VisibilityTimeout=hide_seconds,
            WaitTimeSeconds=0,
            MessageSystemAttributeNames=["ApproximateReceiveCount", "SentTimestamp", "AWSTraceHeader"],
        )
        return list(reply.get("Messages", []))


def _letter(message: dict[str, Any]) -> DeadLetter:
    attributes = message.get("Attributes", {})
    return DeadLetter(
        message_id=message["MessageId"],
        body=message["Body"],
        receive_count=int(attributes.get("ApproximateReceiveCount", 0)),
        sent_at_ms=int(attributes.get("SentTimestamp", 0)),
    )


def _trace_of(message: dict[str, Any]) -> dict[str, Any]:
    """The message's X-Ray trace header, kept, so the redriven step joins the trace it started in."""
    header = message.get("Attributes", {}).get("AWSTraceHeader")
    return (
        {"MessageSystemAttributes": {"AWSTraceHeader": {"StringValue": header, "DataType": "String"}}} if header else {}
    )
