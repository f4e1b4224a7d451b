"""Webhooks: URLs that could reach inside our network are refused, however the address is spelled; deliveries
are signed per Standard Webhooks (with both secrets while a rotation lasts); the retry schedule."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from researcher_pro.webhooks.delivery import valid_secrets
from researcher_pro.webhooks.events import task_event
from researcher_pro.webhooks.retries import RetrySchedule
from researcher_pro.webhooks.signing import new_secret, signed_headers
from researcher_pro.webhooks.urls import UnsafeWebhook, WebhookPolicy
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://hooks.example.com/x", "must be an https:// URL"),
        ("ftp://hooks.example.com/x", "must be an https:// URL"),
        ("https://user:pw@93.184.215.14/x", "must not carry credentials"),
        ("https://127.0.0.1/hook", "loopback"),
        ("https://127.1.2.3:8443/hook", "loopback"),
        ("https://localhost/hook", "loopback"),  # a name that resolves to loopback
        ("https://2130706433/hook", "loopback"),  # 127.0.0.1 as one decimal number
        ("https://0177.0.0.1/hook", "loopback"),  # octal
        ("https://0x7f.1/hook", "loopback"),  # hex, short form
        ("https://[::1]/hook", "loopback"),
        ("https://[::ffff:127.0.0.1]/hook", "loopback"),  # IPv4-mapped IPv6
        ("https://[::ffff:10.0.0.1]/hook", "private"),
        ("https://10.1.2.3/hook", "private"),
        ("https://172.16.0.9/hook", "private"),
        ("https://192.168.1.1/hook", "private"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),  # the cloud metadata service
        ("https://[fe80::1]/hook", "link-local"),
        ("https://[fd00::1]/hook", "private"),
        ("https://0.0.0.0/hook", "unspecified"),
        ("https://[::]/hook", "unspecified"),
        ("https://224.0.0.1/hook", "multicast"),
        ("https://100.64.0.1/hook", "not publicly routable"),  # carrier-grade NAT
        ("https://240.0.0.1/hook", "reserved"),
        ("https://[2002:7f00:1::]/hook", "loopback"),  # 6to4 wrapping 127.0.0.1
        ("https://no-such-host.invalid/hook", "does not resolve"),
    ],
)
def test_unsafe_webhook_urls_are_refused(url: str, reason: str) -> None:
    with pytest.raises(UnsafeWebhook) as refused:
        WebhookPolicy().check(url)
    assert reason in refused.value.detail and refused.value.detail.startswith("url: ")


def test_every_resolved_address_must_be_public() -> None:
    # A name with one public and one private address is refused: we could be sent to either.
    policy = WebhookPolicy(resolver=lambda host, port: ["93.184.215.14", "10.0.0.5"])
    with pytest.raises(UnsafeWebhook, match="private"):
        policy.check("https://mixed.example.com/hook")
    public = WebhookPolicy(resolver=lambda host, port: ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"])
    assert public.check("https://hooks.example.com:8443/x") == (
        "hooks.example.com",
        8443,
        ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
    )


def test_loopback_and_http_only_when_allowed_and_private_never() -> None:
    local = WebhookPolicy(allow_loopback=True)
    assert local.check("http://127.0.0.1:9000/hook")[2] == ["127.0.0.1"]
    assert local.check("https://[::1]:9000/hook")[2] == ["::1"]
    with pytest.raises(UnsafeWebhook, match="private"):
        local.check("http://10.0.0.1/hook")
    with pytest.raises(UnsafeWebhook, match="link-local"):
        local.check("http://169.254.169.254/")


def test_a_delivery_verifies_with_the_standard_webhooks_library_and_only_unaltered() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_") and new_secret() != secret
    event = task_event("research", "res_1", {"type": "research.completed", "research_id": "res_1", "seq": 4, "ts": "t"})
    body = event.body()
    headers = signed_headers("msg_1", body, [secret], datetime.now(UTC))
    assert headers["webhook-id"] == "msg_1" and headers["webhook-signature"].startswith("v1,")
    payload = Webhook(secret).verify(body, headers)
    assert payload["type"] == "research.completed" and payload["data"]["task_type"] == "research"
    for altered_body, altered_headers in (
        (body.replace("res_1", "res_2"), headers),
        (body, {**headers, "webhook-id": "msg_2"}),
        (body, {**headers, "webhook-timestamp": str(int(headers["webhook-timestamp"]) - 1)}),
    ):
        with pytest.raises(WebhookVerificationError):
            Webhook(secret).verify(altered_body, altered_headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)


def test_a_rotated_secret_signs_beside_the_new_one_for_its_window_only() -> None:
    old, new = new_secret(), new_secret()
    endpoint = {"secret": new, "previous_secret": old, "previous_secret_expires": 1_000.0}
    assert valid_secrets(endpoint, 999.0) == [new, old]
    assert valid_secrets(endpoint, 1_000.5) == [new]
    both = signed_headers("msg_1", "{}", valid_secrets(endpoint, 999.0), datetime.now(UTC))
    assert len(both["webhook-signature"].split(" ")) == 2
    for secret in (old, new):  # a receiver holding either secret verifies it
        Webhook(secret).verify("{}", both)
    after = signed_headers("msg_1", "{}", valid_secrets(endpoint, 1_001.0), datetime.now(UTC))
    Webhook(new).verify("{}", after)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify("{}", after)


def test_the_retry_schedule_is_read_from_its_setting_and_backs_off_with_jitter() -> None:
    schedule = RetrySchedule.parse(" 5, 300,1800 ")
    assert schedule.waits == (5, 300, 1800) and schedule.attempts == 4
    rng = random.Random(7)
    waits = [schedule.wait_after(failures, rng) for failures in (1, 2, 3)]
    assert all(w is not None for w in waits)
    assert [5 <= waits[0] <= 6.25, 300 <= waits[1] <= 375, 1800 <= waits[2] <= 2250] == [True] * 3  # type: ignore[operator]
    assert len({schedule.wait_after(1, rng) for _ in range(20)}) > 1  # jittered
    assert schedule.wait_after(4) is None and schedule.wait_after(0) is None
    for text in ("", "5,,300", "5,-1", "0", "5,abc", "1.5", ",".join(["1"] * 31), "86401"):
        with pytest.raises(ValueError, match="RP_WEBHOOK_RETRY_SECONDS"):
            RetrySchedule.parse(text)


def test_the_default_schedule_keeps_trying_for_at_least_a_day() -> None:
    from researcher_pro.core.config import Settings

    default = RetrySchedule.parse(Settings().webhook_retry_seconds)
    assert sum(default.waits) >= 86_400
