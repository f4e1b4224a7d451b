"""Webhook URLs that could reach inside our network are refused, however the address is spelled."""

from __future__ import annotations

import pytest
from researcher_pro.watches.webhooks import UnsafeWebhook, WebhookPolicy, sign


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
    assert reason in refused.value.detail and "webhook_url" in refused.value.detail


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


def test_the_signature_covers_timestamp_and_body() -> None:
    signature = sign("whsec_x", 1_700_000_000, b'{"a":1}')
    assert signature.startswith("t=1700000000,v1=") and len(signature.split("v1=")[1]) == 64
    assert sign("whsec_x", 1_700_000_001, b'{"a":1}') != signature
    assert sign("whsec_x", 1_700_000_000, b'{"a":2}') != signature
    assert sign("whsec_y", 1_700_000_000, b'{"a":1}') != signature
