"""The deliveries queue: one message is one attempt of one delivery, perhaps delayed (SQS delays a message
at most 15 minutes; a longer wait is kept by the sweeper's index instead)."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from typing import Any

from researcher_pro.core.aws import client
from researcher_pro.core.ids import DELIVERY, WEBHOOK

MAX_DELAY_SECONDS = 900


@dataclass(frozen=True)
class DeliveryMessage:
    tenant: str
    webhook_id: str
    delivery_id: str

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))


def read_message(body: str) -> DeliveryMessage:
    """A message as the delivery function receives it; ValueError when it is not one of ours."""
    fields: Any = json.loads(body)
    if not isinstance(fields, dict) or set(fields) != {"tenant", "webhook_id", "delivery_id"}:
        raise ValueError("not a delivery message")
    tenant = fields["tenant"]
    if not (isinstance(tenant, str) and 0 < len(tenant) <= 64):
        raise ValueError("not a delivery message: tenant")
    if not WEBHOOK.issued(fields["webhook_id"]) or not DELIVERY.issued(fields["delivery_id"]):
        raise ValueError("not a delivery message: ids")
    return DeliveryMessage(tenant, fields["webhook_id"], fields["delivery_id"])


class DeliveryQueue:
    def __init__(self, queue_url: str) -> None:
        self._url = queue_url
        self._sqs = client("sqs")

    def send(self, message: DeliveryMessage, delay_seconds: float = 0) -> None:
        # Whole seconds, rounded up: a message that came before its attempt's time would find it not due.
        delay = max(0, min(MAX_DELAY_SECONDS, math.ceil(delay_seconds)))
        self._sqs.send_message(QueueUrl=self._url, MessageBody=message.to_json(), DelaySeconds=delay)
