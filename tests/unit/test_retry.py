from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from researcher_pro.core.errors import OutOfTime, ProviderBadOutput, ProviderUnavailable
from researcher_pro.providers.base import Answered, Report
from researcher_pro.providers.retry import Retryable, RetryPolicy, call_with_retries, parse_retry_after


class Attempts:
    """A Spend that only counts: the attempts begun and the answers reported."""

    def __init__(self) -> None:
        self.begun = 0
        self.answered: list[Answered] = []

    @contextmanager
    def attempt(self) -> Iterator[Report]:
        self.begun += 1
        yield self.answered.append


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def flaky(failures: list[Retryable]):  # type: ignore[no-untyped-def]
    timeouts: list[float] = []

    def attempt(timeout: float, report: Report) -> str:
        timeouts.append(timeout)
        if failures:
            raise failures.pop(0)
        return "ok"

    return attempt, timeouts


def test_retry_after_is_honoured_then_the_call_succeeds() -> None:
    clock = Clock()
    attempt, _ = flaky([Retryable("429", retry_after=7.0), Retryable("503", retry_after=2.0)])
    result = call_with_retries(
        attempt, name="p", policy=RetryPolicy(window=60), deadline=100, sleep=clock.sleep, clock=clock, spend=Attempts()
    )
    assert result == "ok"
    assert clock.sleeps == [7.0, 2.0]


def test_timeouts_are_bounded_by_the_time_left() -> None:
    clock = Clock()
    attempt, timeouts = flaky([])
    call_with_retries(
        attempt, name="p", policy=RetryPolicy(timeout=60), deadline=12, sleep=clock.sleep, clock=clock, spend=Attempts()
    )
    assert timeouts == [12]


def test_a_provider_down_for_the_whole_window_is_unavailable() -> None:
    clock = Clock()
    attempt, timeouts = flaky([Retryable("503", retry_after=5.0) for _ in range(100)])
    with pytest.raises(ProviderUnavailable, match="503"):
        call_with_retries(
            attempt,
            name="p",
            policy=RetryPolicy(window=12, max_attempts=50),
            deadline=1000,
            sleep=clock.sleep,
            clock=clock,
            spend=Attempts(),
        )
    assert len(timeouts) == 3 and clock.now <= 12


def test_output_that_never_parses_is_bad_output() -> None:
    clock = Clock()
    attempt, _ = flaky([Retryable("bad json", bad_output=True) for _ in range(3)])
    with pytest.raises(ProviderBadOutput):
        call_with_retries(
            attempt,
            name="p",
            policy=RetryPolicy(max_attempts=3),
            deadline=1000,
            sleep=clock.sleep,
            clock=clock,
            spend=Attempts(),
        )


def test_no_time_left_to_wait_means_out_of_time_not_failure() -> None:
    clock = Clock()
    attempt, _ = flaky([Retryable("429", retry_after=30.0)])
    with pytest.raises(OutOfTime):
        call_with_retries(
            attempt,
            name="p",
            policy=RetryPolicy(window=600),
            deadline=20,
            sleep=clock.sleep,
            clock=clock,
            spend=Attempts(),
        )


def test_every_answered_attempt_is_reported_even_when_its_output_is_unusable() -> None:
    clock, spend = Clock(), Attempts()

    def attempt(timeout: float, report: Report) -> str:
        report(Answered(input_tokens=100, output_tokens=10))  # the provider answered: that is billed
        raise Retryable("not JSON", bad_output=True)

    with pytest.raises(ProviderBadOutput):
        call_with_retries(
            attempt,
            name="p",
            policy=RetryPolicy(max_attempts=3),
            deadline=1000,
            sleep=clock.sleep,
            clock=clock,
            spend=spend,
        )
    assert spend.begun == 3 and spend.answered == [Answered(100, 10)] * 3


def test_retry_after_headers() -> None:
    assert parse_retry_after({"retry-after": "3"}) == 3.0
    assert parse_retry_after({"retry-after-ms": "250"}) == 0.25
    assert parse_retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None
