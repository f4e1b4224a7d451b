"""Webhooks in the local cloud: a research's completion reaches a receiver on loopback, signed per Standard
Webhooks, after the receiver refused the first two attempts; every attempt carries the same webhook-id."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from researcher_pro_client import Client, UnprocessableEntityError, verify

from tests.fakes.webhook_receiver import WebhookReceiver
from tests.harness import Cloud

pytestmark = pytest.mark.e2e

PRIMER = (
    "Heat pumps move heat rather than generating it.\n\n"
    "Modern cold-climate heat pumps keep working down to minus 25 degrees Celsius."
)


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver()
    yield server
    server.close()


def test_a_completed_research_reaches_the_receiver_signed_after_two_refusals(
    offline_cloud: Cloud, receiver: WebhookReceiver
) -> None:
    # The retry schedule of this cloud is 1 s, 2 s, 5 s (RP_WEBHOOK_RETRY_SECONDS in tests/conftest.py).
    key = offline_cloud.create_key(f"hooks-{uuid.uuid4().hex[:6]}")
    with Client(offline_cloud.url, key) as rp, offline_cloud.client(key) as http:
        with pytest.raises(UnprocessableEntityError, match="private"):  # loopback is allowed here; private never
            rp.webhooks.create("http://192.168.0.10/hook", ["research.completed"])
        hook = rp.webhooks.create(receiver.url, ["research.completed", "research.failed"], description="CI")
        assert hook.secret.startswith("whsec_") and rp.webhooks.list().items[0].id == hook.id
        receiver.answer(503, 500)
        rp.documents.create("Heat pump primer", PRIMER)
        research = rp.research.create("How do heat pumps cope with the cold?", depth="quick", sources=["documents"])
        assert rp.research.wait(research.id, timeout=60).status == "succeeded"

        sent = receiver.verified(hook.secret, lambda p: p["data"].get("task_id") == research.id, count=3)
        assert len({headers["webhook-id"] for headers, _ in sent}) == 1  # one delivery, three attempts
        headers, raw = receiver.requests(lambda p: p["data"].get("task_id") == research.id)[2]
        event = verify(raw, headers, hook.secret)  # the SDK's helper, as a receiver would use it
        assert event["type"] == "research.completed" and event == sent[2][1]
        # `data` is the research's terminal event exactly as its log holds it, with the task's id and type.
        logged = http.get(f"/v1/research/{research.id}/events").json()["items"][-1]
        assert event["data"] == {**logged, "task_id": research.id, "task_type": "research"}

        (delivery,) = rp.webhooks.deliveries(hook.id).items
        assert delivery.id == headers["webhook-id"] and delivery.status == "succeeded"
        assert [a.status_code for a in delivery.attempts] == [503, 500, 204] and delivery.last_status == 204
        rp.webhooks.delete(hook.id)
