"""Each tenant may start only so much work a minute; past that, 429 with Retry-After and nothing starts."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from researcher_pro.access.rate_limits import StartLimiter
from researcher_pro.access.start_counter import StartCounter
from researcher_pro.core.errors import RateLimited

from infra.local.template import Stack
from tests.integration.conftest import invoke, load_function
from tests.integration.test_sample_events import event


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_the_window_fills_per_tenant_and_reopens_a_minute_later(stack: Stack) -> None:
    clock = Clock(1_800_000_000 + 45.5)  # 14.5 s before the minute turns
    limiter = StartLimiter(StartCounter(stack.physical_name("DataTable")), per_minute=2, clock=clock)
    limiter.admit("rl-a")
    limiter.admit("rl-a")
    with pytest.raises(RateLimited) as refused:
        limiter.admit("rl-a")
    assert refused.value.retry_after == 15
    limiter.admit("rl-b")  # another tenant has its own window
    clock.now += 15
    limiter.admit("rl-a")


def start_as(key: str, idempotency_key: str | None = None) -> dict[str, Any]:
    request = event("research_api/start_research.json")
    request["headers"]["authorization"] = f"Bearer {key}"
    if idempotency_key:
        request["headers"]["idempotency-key"] = idempotency_key
    return request


def test_the_api_answers_429_with_retry_after_and_starts_nothing(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    from researcher_pro.access.api_key_repository import ApiKeyRepository
    from researcher_pro.access.api_keys import ApiKeyService
    from researcher_pro.core.config import get_settings

    monkeypatch.setenv("RP_STARTS_PER_MINUTE", "2")
    get_settings.cache_clear()
    keys = ApiKeyService(ApiKeyRepository(get_settings().data_table))
    busy, other = "rp_" + "b" * 43, "rp_" + "o" * 43
    keys.issue("rate-limited-busy", busy)
    keys.issue("rate-limited-other", other)
    api = load_function("research_api")  # built after the setting changed, as a fresh container would be

    first = invoke(api, start_as(busy, idempotency_key="first-start"))
    assert first["statusCode"] == 202
    # Five more in quick succession: at most one window edge can fall between them, so some are refused.
    answers = [invoke(api, start_as(busy)) for _ in range(5)]
    refused = [a for a in answers if a["statusCode"] == 429]
    assert refused and all(a["statusCode"] in (202, 429) for a in answers)
    problem = json.loads(base64.b64decode(refused[0]["body"]) if refused[0]["isBase64Encoded"] else refused[0]["body"])
    assert refused[0]["headers"]["content-type"] == "application/problem+json"
    assert problem["status"] == 429 and "a minute" in problem["detail"]
    assert 1 <= int(refused[0]["headers"]["retry-after"]) <= 60

    listing = event("research_api/list_research.json")
    listing["headers"]["authorization"] = f"Bearer {busy}"
    started = json.loads(invoke(api, listing)["body"])["items"]
    assert len(started) == 1 + sum(a["statusCode"] == 202 for a in answers)

    # A retry answered from its idempotency record starts nothing, so it is not refused.
    replay = invoke(api, start_as(busy, idempotency_key="first-start"))
    assert replay["statusCode"] == 202 and json.loads(replay["body"])["id"] == json.loads(first["body"])["id"]
    assert invoke(api, start_as(other))["statusCode"] == 202
    get_settings.cache_clear()
