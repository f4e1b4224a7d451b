"""The tasks queue."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from researcher_pro.core.aws import client
from researcher_pro.core.config import invocation_trace_header
from researcher_pro.core.observability import logger
from researcher_pro.tasks.messages import TaskMessage

MAX_DELAY_SECONDS = 900  # SQS's longest delivery delay


class Queue(Protocol):
    def send(self, message: TaskMessage, delay_seconds: float = 0) -> None: ...
    def backlog(self) -> int: ...


class TaskQueue:
    def __init__(self, queue_url: str) -> None:
        self._url = queue_url
        self._sqs = client("sqs")

    def send(self, message: TaskMessage, delay_seconds: float = 0) -> None:
        """The message carries the sender's X-Ray trace header (SQS's AWSTraceHeader), so the step's trace links
        to the request or step that queued it. It is set here rather than left to the X-Ray SDK's patching of
        botocore: the API functions do without the SDK (see core/observability.py). A delay is in whole seconds,
        rounded up (a message must not come before its time), at most SQS's 15 minutes."""
        trace: dict[str, Any] = {}
        if header := invocation_trace_header():
            trace = {"MessageSystemAttributes": {"AWSTraceHeader": {"DataType": "String", "StringValue": header}}}
        if delay_seconds > 0:
            trace["DelaySeconds"] = min(MAX_DELAY_SECONDS, math.ceil(delay_seconds))
        self._sqs.send_message(QueueUrl=self._url, MessageBody=message.to_json(), **trace)

    def backlog(self) -> int:
        """About how many messages wait to be received (SQS counts this approximately)."""
        reply = self._sqs.get_queue_attributes(QueueUrl=self._url, AttributeNames=["ApproximateNumberOfMessages"])
        return int(reply["Attributes"]["ApproximateNumberOfMessages"])


def send_or_defer(queue: Queue, message: TaskMessage, defer: Callable[[], None]) -> bool:
    """Send the first message of a task already recorded. When the queue cannot be reached the task is not
    lost: the sweeper finds the record and sends it, sooner for `defer` (which makes it due now). So the
    start is still accepted, and a client's retry never starts a second run."""
    try:
        queue.send(message)
    except (BotoCoreError, ClientError):
        logger.exception("the tasks queue could not be reached; the sweeper will queue the task")
        try:
            defer()
        except (BotoCoreError, ClientError):
            logger.exception("the task could not be made due now either; it is due at its usual time")
        return False
    return True
