"""Webhooks against moto: a delivery outlives a function killed mid-attempt, a task's end outlives the function
that ended it, 4xx is not retried while 5xx is, an endpoint failing for N days is disabled, and a tenant sees
only its own webhooks."""

from __future__ import annotations

import base64
import json
import os
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from researcher_pro.core.config import Settings
from researcher_pro.core.errors import Conflict

from infra.local.template import Stack
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.integration.conftest import invoke, load_function
from tests.integration.test_sample_events import body, event


class Killed(BaseException):
    """The runtime ending an invocation: no except clause of the function gets to run."""


def tenant() -> str:
    return f"t-{uuid.uuid4().hex[:8]}"


def webhook_settings(**extra: str) -> Settings:
    """The deployment's settings with a loopback receiver allowed and short waits: a fresh container's."""
    given = {"RP_WEBHOOK_ALLOW_LOOPBACK": "true", "RP_WEBHOOK_RETRY_SECONDS": "1,1", "RP_WEBHOOK_TIMEOUT_SECONDS": "2"}
    return Settings.from_environ({**os.environ, **given, **extra})


@pytest.fixture(scope="module")
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver()
    yield server
    server.close()


class Clock:
    """The time, moved on by `skip` (waits a test does not sit through)."""

    def __init__(self) -> None:
        self.skipped = 0.0

    def skip(self, seconds: float) -> None:
        self.skipped += seconds

    def __call__(self) -> float:
        return time.time() + self.skipped


def parts(settings: Settings, clock: Clock) -> tuple[Any, Any]:
    from researcher_pro.webhooks.delivery import DeliveryAttempts
    from researcher_pro.webhooks.wiring import (
        delivery_queue,
        retry_schedule,
        webhook_policy,
        webhook_repository,
        webhook_service,
    )

    attempts = DeliveryAttempts(
        webhook_repository(settings),
        delivery_queue(settings),
        webhook_policy(settings),
        retry_schedule(settings),
        settings.webhook_timeout_seconds,
        settings.webhook_disable_after_days,
        clock=clock,
    )
    return webhook_service(settings), attempts


def subscribe(service: Any, name: str, url: str, events: list[str] | None = None) -> Any:
    from researcher_pro.webhooks.models import WebhookCreate

    return service.create(name, WebhookCreate(url=url, events=events or ["research.completed"]))


def test_a_delivery_outlives_a_function_killed_mid_attempt_with_the_same_webhook_id(
    stack: Stack, receiver: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    from researcher_pro.webhooks.queue import DeliveryMessage
    from researcher_pro.webhooks.repository import WebhookRepository

    clock = Clock()
    service, attempts = parts(webhook_settings(), clock)
    name = tenant()
    created = subscribe(service, name, receiver.url)
    delivery = service.send_test(name, created.id)
    message = DeliveryMessage(name, created.id, delivery.id)

    def killed(*args: Any, **kwargs: Any) -> bool:
        raise Killed

    # The endpoint gets the request; the function dies before it records the answer.
    with monkeypatch.context() as patched:
        patched.setattr(WebhookRepository, "finish_attempt", killed)
        with pytest.raises(Killed):
            attempts.attempt(message, owner="first")
    # The message comes back while the dead attempt's lease holds: nothing is sent twice at once.
    assert attempts.attempt(message, owner="second").startswith("skipped")
    clock.skip(settings_lease(attempts))
    assert attempts.attempt(message, owner="third") == "succeeded"

    sent = receiver.verified(created.secret, lambda p: p["data"].get("webhook_id") == created.id, count=2)
    assert [headers["webhook-id"] for headers, _ in sent] == [delivery.id, delivery.id]
    assert sent[0][1] == sent[1][1] and sent[0][1]["type"] == "webhook.test"
    (listed,) = service.deliveries(name, created.id, 10, None).items
    assert listed.status == "succeeded" and listed.last_status == 204 and listed.next_attempt_at is None
    assert [a.status_code for a in listed.attempts] == [204]  # the killed attempt never recorded its answer


def settings_lease(attempts: Any) -> float:
    from researcher_pro.webhooks.delivery import LEASE_MARGIN_SECONDS

    return float(attempts._timeout) + LEASE_MARGIN_SECONDS + 1


def test_5xx_is_retried_on_schedule_and_4xx_is_not(stack: Stack, receiver: WebhookReceiver) -> None:
    from researcher_pro.webhooks.queue import DeliveryMessage

    clock = Clock()
    service, attempts = parts(webhook_settings(), clock)
    name = tenant()
    created = subscribe(service, name, receiver.url)
    delivery = service.send_test(name, created.id)
    message = DeliveryMessage(name, created.id, delivery.id)
    receiver.answer(503, 404)
    assert attempts.attempt(message, owner="a").startswith("retrying in 1")
    pending = service.deliveries(name, created.id, 10, None).items[0]
    assert pending.status == "pending" and pending.last_status == 503 and pending.next_attempt_at is not None
    assert attempts.attempt(message, owner="b").startswith("skipped")  # not due yet: a duplicate or early message
    clock.skip(1.3)
    assert attempts.attempt(message, owner="c") == "failed: not retried: the endpoint answered 404"
    clock.skip(60)
    assert attempts.attempt(message, owner="d").startswith("skipped")
    failed = service.deliveries(name, created.id, 10, None).items[0]
    assert failed.status == "failed" and [a.status_code for a in failed.attempts] == [503, 404]
    assert failed.next_attempt_at is None and "404" in (failed.detail or "")
    # A manual retry tries it again now, its schedule afresh.
    retried = service.retry(name, created.id, delivery.id)
    assert retried.status == "pending"
    assert attempts.attempt(message, owner="e") == "succeeded"


def test_an_endpoint_failing_for_n_days_is_disabled_and_patch_enables_it(
    stack: Stack, receiver: WebhookReceiver
) -> None:
    from researcher_pro.webhooks.models import WebhookUpdate
    from researcher_pro.webhooks.queue import DeliveryMessage

    clock = Clock()
    # N is a millionth of... 0.00002 days: under two seconds.
    service, attempts = parts(webhook_settings(RP_WEBHOOK_DISABLE_AFTER_DAYS="0.00002"), clock)
    name = tenant()
    created = subscribe(service, name, receiver.url)
    delivery = service.send_test(name, created.id)
    message = DeliveryMessage(name, created.id, delivery.id)
    receiver.answer(500, 500)
    assert attempts.attempt(message, owner="a").startswith("retrying")
    assert service.get(name, created.id).failing_since is not None
    clock.skip(2.5)
    assert attempts.attempt(message, owner="b") == "failed: endpoint disabled"
    webhook = service.get(name, created.id)
    assert webhook.enabled is False and "failed since" in (webhook.disabled_reason or "")
    logged = service.deliveries(name, created.id, 10, None).items[0]
    assert logged.status == "failed" and "disabled" in (logged.detail or "")
    with pytest.raises(Conflict):
        service.send_test(name, created.id)
    enabled = service.update(name, created.id, WebhookUpdate(enabled=True))
    assert enabled.enabled and enabled.failing_since is None and enabled.disabled_reason is None
    assert service.send_test(name, created.id).status == "pending"


def test_a_task_end_is_handed_on_even_if_the_function_dies_right_after_the_commit(
    stack: Stack, receiver: WebhookReceiver
) -> None:
    from researcher_pro.tasks.kinds import RESEARCH
    from researcher_pro.tasks.lifecycle import TaskLifecycle
    from researcher_pro.tasks.wiring import task_repository
    from researcher_pro.webhooks.queue import read_message
    from researcher_pro.webhooks.wiring import delivery_sweeper, webhook_outbox

    settings = webhook_settings()
    clock = Clock()
    service, attempts = parts(settings, clock)
    name = tenant()
    created = subscribe(service, name, receiver.url, ["research.completed", "analysis.failed"])
    repo = task_repository(settings, "research")
    task_id = f"res_{uuid.uuid4().hex}"
    now = "2026-11-30T00:00:00.000Z"
    record = {"id": task_id, "status": "running", "step": "synthesize", "created_at": now, "updated_at": now}
    repo.create(name, {**record, "query": "q", "depth": "quick"}, due_at=time.time() + 600)

    class DiesAfterTheCommit:
        def emitted(self, tenant: str, event: dict[str, Any]) -> None:
            raise Killed

    outbox = webhook_outbox(settings)
    lifecycle = TaskLifecycle(repo, RESEARCH, 3600, (DiesAfterTheCommit(), outbox))
    fresh = repo.get(name, task_id)
    assert fresh is not None
    with pytest.raises(Killed):
        lifecycle.finish(fresh, "succeeded", {"answer": "A"}, "Done", final_stage="synthesize", data={"sources": 3})
    assert repo.get(name, task_id)["status"] == "succeeded"  # type: ignore[index]
    assert service.deliveries(name, created.id, 10, None).items == []  # nothing handed on yet

    # The sweeper finds the task's end once its grace period is over, and hands it on once.
    sweeper = delivery_sweeper(settings, outbox)
    later = time.time() + 120
    assert sweeper.sweep(now=later)["handed_on"] >= 1
    sweeper.sweep(now=later + 120)
    (delivery,) = service.deliveries(name, created.id, 10, None).items
    assert delivery.event_type == "research.completed"
    sqs = stack_sqs()
    messages = sqs.receive_message(QueueUrl=settings.webhook_queue_url, MaxNumberOfMessages=10).get("Messages", [])
    mine = [read_message(m["Body"]) for m in messages if json.loads(m["Body"])["tenant"] == name]
    assert mine and all(m.delivery_id == delivery.id for m in mine)
    assert attempts.attempt(mine[0], owner="w") == "succeeded"
    ((headers, payload),) = receiver.verified(created.secret, lambda p: p["data"].get("task_id") == task_id)
    assert headers["webhook-id"] == delivery.id
    data = payload["data"]
    assert payload["type"] == data["type"] == "research.completed"
    assert (data["task_id"], data["task_type"], data["research_id"]) == (task_id, "research", task_id)
    assert data["data"] == {"sources": 3} and data["seq"] == 1 and data["message"] == "Done"
    assert data == {**repo.events(name, task_id, 0, 10)[-1], "task_id": task_id, "task_type": "research"}


def stack_sqs() -> Any:
    from researcher_pro.core.aws import client

    return client("sqs")


def test_another_tenants_webhook_is_404_through_the_api(stack: Stack, receiver: WebhookReceiver) -> None:
    from researcher_pro.access.api_key_repository import ApiKeyRepository
    from researcher_pro.access.api_keys import ApiKeyService
    from researcher_pro.core.config import get_settings

    keys = ApiKeyService(ApiKeyRepository(get_settings().data_table))
    owner, stranger = (keys.issue(tenant())[0] for _ in range(2))
    api = load_function("webhooks_api")

    def call(key: str, method: str, path: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        request = event("webhooks_api/create_webhook.json")
        request["headers"]["authorization"] = f"Bearer {key}"
        request["rawPath"] = request["requestContext"]["http"]["path"] = path
        request["requestContext"]["http"]["method"] = method
        request["body"] = json.dumps(payload) if payload is not None else None
        response = dict(invoke(api, request))
        if response.get("isBase64Encoded"):  # problem+json is not among Mangum's text types
            response["body"] = base64.b64decode(response["body"]).decode()
        return response

    created = call(owner, "POST", "/v1/webhooks", {"url": "https://93.184.215.14/hook", "events": ["report.ready"]})
    assert created["statusCode"] == 201, created
    hook = body(created)
    assert hook["secret"].startswith("whsec_") and "secret" not in body(
        call(owner, "GET", f"/v1/webhooks/{hook['id']}")
    )
    for method, path, payload in (
        ("GET", f"/v1/webhooks/{hook['id']}", None),
        ("PATCH", f"/v1/webhooks/{hook['id']}", {"enabled": False}),
        ("DELETE", f"/v1/webhooks/{hook['id']}", None),
        ("POST", f"/v1/webhooks/{hook['id']}/test", None),
        ("POST", f"/v1/webhooks/{hook['id']}/rotate-secret", None),
        ("GET", f"/v1/webhooks/{hook['id']}/deliveries", None),
        ("POST", f"/v1/webhooks/{hook['id']}/deliveries/msg_{'0' * 32}/retry", None),
    ):
        refused = call(stranger, method, path, payload)
        assert refused["statusCode"] == 404, (method, path, refused)
        assert refused["headers"]["content-type"] == "application/problem+json"
    assert body(call(stranger, "GET", "/v1/webhooks"))["items"] == []
    # A private address is 422 even where loopback is allowed, and nothing is stored.
    private = call(owner, "POST", "/v1/webhooks", {"url": "https://10.0.0.7/hook", "events": ["report.ready"]})
    assert private["statusCode"] == 422 and "private" in body(private)["detail"]
    assert [w["id"] for w in body(call(owner, "GET", "/v1/webhooks"))["items"]] == [hook["id"]]
    assert body(call(owner, "GET", f"/v1/webhooks/{hook['id']}"))["enabled"] is True


def test_the_sample_events_of_the_webhook_functions(stack: Stack) -> None:
    from tests.integration.test_sample_events import register_sample_key

    register_sample_key("sample-webhooks")
    api, deliveries, sweeper = (load_function(n) for n in ("webhooks_api", "webhook_delivery", "webhook_sweeper"))
    created = invoke(api, event("webhooks_api/create_webhook.json"))
    assert created["statusCode"] == 201, created
    assert body(created)["events"] == ["research.completed", "research.failed"]
    assert [w["id"] for w in body(invoke(api, event("webhooks_api/list_webhooks.json")))["items"]] == [
        body(created)["id"]
    ]
    assert invoke(api, event("webhooks_api/deliveries_of_a_missing_webhook.json"))["statusCode"] == 404
    # A delivery of a webhook that does not exist is done with; a malformed record fails alone.
    batch = event("webhook_delivery/attempt_and_malformed.json")
    assert invoke(deliveries, batch) == {"batchItemFailures": [{"itemIdentifier": batch["Records"][1]["messageId"]}]}
    assert set(invoke(sweeper, event("webhook_sweeper/scheduled.json"))) == {"handed_on", "sent"}


def test_an_attempt_goes_to_the_checked_address_and_never_to_a_private_one(
    stack: Stack, receiver: WebhookReceiver
) -> None:
    from researcher_pro.webhooks.delivery import DeliveryAttempts
    from researcher_pro.webhooks.models import WebhookCreate
    from researcher_pro.webhooks.queue import DeliveryMessage
    from researcher_pro.webhooks.service import WebhookService
    from researcher_pro.webhooks.urls import WebhookPolicy
    from researcher_pro.webhooks.wiring import delivery_queue, retry_schedule, webhook_repository

    settings = webhook_settings()
    answers = {"hooks.example.test": ["127.0.0.1"]}  # what the name resolves to, now
    policy = WebhookPolicy(allow_loopback=True, resolver=lambda host, port: answers[host])
    repo, queue = webhook_repository(settings), delivery_queue(settings)
    service = WebhookService(repo, queue, policy, 20, 3600)
    attempts = DeliveryAttempts(repo, queue, policy, retry_schedule(settings), 2, 5)
    name = tenant()
    url = receiver.url.replace("127.0.0.1", "hooks.example.test")
    created = service.create(name, WebhookCreate(url=url, events=["report.ready"]))

    first = service.send_test(name, created.id)
    assert attempts.attempt(DeliveryMessage(name, created.id, first.id), owner="a") == "succeeded"
    ((headers, _),) = receiver.requests(lambda p: p["data"].get("webhook_id") == created.id)
    assert headers["host"] == url.split("/")[2]  # the URL's host, over a connection to the checked address

    # Checked again before every attempt: the name now resolves somewhere internal.
    answers["hooks.example.test"] = ["10.0.0.7"]
    second = service.send_test(name, created.id)
    outcome = attempts.attempt(DeliveryMessage(name, created.id, second.id), owner="b")
    assert outcome.startswith("failed: not retried: refused") and "private" in outcome
    assert len(receiver.requests(lambda p: p["data"].get("webhook_id") == created.id)) == 1
