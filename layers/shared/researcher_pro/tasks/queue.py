"""The tasks queue."""

from __future__ import annotations

from typing import Protocol

from researcher_pro.core.aws import client
from researcher_pro.tasks.messages import TaskMessage


class Queue(Protocol):
    def send(self, message: TaskMessage) -> None: ...


class TaskQueue:
    def __init__(self, queue_url: str) -> None:
        self._url = queue_url
        self._sqs = client("sqs")

    def send(self, message: TaskMessage) -> None:
        self._sqs.send_message(QueueUrl=self._url, MessageBody=message.to_json())
