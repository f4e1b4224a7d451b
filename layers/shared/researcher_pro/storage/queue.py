"""The tasks queue."""

from __future__ import annotations

from typing import Protocol

from researcher_pro.models.tasks import TaskMessage
from researcher_pro.storage.aws import client


class Queue(Protocol):
    def send(self, message: TaskMessage) -> None: ...


class TaskQueue:
    def __init__(self, queue_url: str) -> None:
        self._url = queue_url
        self._sqs = client("sqs")

    def send(self, message: TaskMessage) -> None:
        self._sqs.send_message(QueueUrl=self._url, MessageBody=message.model_dump_json())
