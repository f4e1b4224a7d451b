"""One retry policy for every provider call: backoff on 429/5xx/timeouts, honouring Retry-After,
bounded by a retry window and by the time the Lambda has left.

The OpenAI and Perplexity SDKs retry on their own, but every provider call must share one deadline and
one definition of "down"; so SDK retries are off and this loop is the only one.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from aws_lambda_powertools.metrics import MetricUnit

from researcher_pro.core import metric_names
from researcher_pro.core.errors import OutOfTime, ProviderBadOutput, ProviderRejected, ProviderUnavailable
from researcher_pro.core.observability import add_metric
from researcher_pro.providers.base import Report, Spend

MIN_USEFUL_TIMEOUT = 1.0
MAX_SINGLE_WAIT = 30.0


class Retryable(Exception):
    def __init__(
        self, reason: str, retry_after: float | None = None, bad_output: bool = False, throttled: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.bad_output = bad_output
        self.throttled = throttled  # the provider answered 429


@dataclass(frozen=True)
class RetryPolicy:
    timeout: float = 60.0
    window: float = 120.0
    max_attempts: int = 6
    base_delay: float = 0.5


def parse_retry_after(headers: dict[str, str] | object) -> float | None:
    get = getattr(headers, "get", None)
    if get is None:
        return None
    if (millis := get("retry-after-ms")) is not None:
        try:
            return float(millis) / 1000
        except ValueError:
            pass
    value = get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def call_with_retries[T](
    attempt: Callable[[float, Report], T],
    *,
    name: str,
    policy: RetryPolicy,
    deadline: float,
    spend: Spend,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Run `attempt(timeout, report)` until it succeeds or the provider counts as down. Each attempt is
    accounted for in `spend`: it may refuse the attempt (the budget), and the attempt reports the request
    once the provider has answered it, so a retried bad answer is paid for like a good one."""
    started = clock()
    for number in range(1, policy.max_attempts + 1):
        timeout = min(policy.timeout, deadline - clock())
        if timeout < MIN_USEFUL_TIMEOUT:
            raise OutOfTime(f"{name}: no time left for another call")
        add_metric(metric_names.PROVIDER_REQUESTS, MetricUnit.Count, 1)
        try:
            with spend.attempt() as report:
                return attempt(timeout, report)
        except ProviderRejected:
            add_metric(metric_names.PROVIDER_ERRORS, MetricUnit.Count, 1)
            raise
        except Retryable as failure:
            last = failure
            add_metric(metric_names.PROVIDER_ERRORS, MetricUnit.Count, 1)
            if failure.throttled:
                add_metric(metric_names.PROVIDER_THROTTLES, MetricUnit.Count, 1)
        backoff = policy.base_delay * 2 ** (number - 1) * (0.5 + random.random())
        wait = min(MAX_SINGLE_WAIT, last.retry_after if last.retry_after is not None else backoff)
        if number == policy.max_attempts or clock() + wait - started > policy.window:
            break
        if clock() + wait + MIN_USEFUL_TIMEOUT > deadline:
            raise OutOfTime(f"{name}: no time left to wait {wait:.1f}s before retrying")
        sleep(wait)
    if last.bad_output:
        raise ProviderBadOutput(f"{name} returned unusable output {number} times: {last.reason}")
    raise ProviderUnavailable(f"{name} is unavailable after {number} attempts: {last.reason}")
