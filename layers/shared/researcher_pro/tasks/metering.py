"""Every paid call of a task goes through a Meter: the cache first, then each attempt against the budgets,
then the bill for every request the provider answered, recorded with the call's cache entry in one write.

- Billed once: a provider bills each request it answers, whatever the answer, so each answered attempt
  is billed, the malformed and the off-schema ones included, even when the call then fails. The bill and
  the cache entry are one transaction, so a retried step finds the answer it already paid for.
- Never silently dropped: a bill that cannot be written (DynamoDB kept refusing) fails the step loudly; the
  answer is then cached marked unbilled, and whichever retry finds it in the cache bills it, once.
- Capped: before each attempt its worst case is reserved against the task's `max_cost_usd` and the tenant's
  daily budget, so concurrent calls and retries together cannot pass either.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit

from researcher_pro.core import metric_names
from researcher_pro.core.aws import WriteContention
from researcher_pro.core.config import ModelPrice
from researcher_pro.core.errors import BudgetExceeded
from researcher_pro.core.observability import add_metric, logger
from researcher_pro.providers.base import (
    Answered,
    JsonSchemaCall,
    JsonSchemaModel,
    ModelCall,
    Report,
    SearchProvider,
    SearchQuery,
    StructuredModel,
)

FALLBACK_PRICE = ModelPrice(input_per_million=2.5, output_per_million=10.0)


@dataclass(frozen=True)
class CachedReply:
    value: dict[str, Any]
    # The usage of a call whose bill could not be written when it was answered; billed by the next hit.
    unbilled: dict[str, float] | None = None


class Cache(Protocol):
    def get(self, tenant: str, key: str) -> CachedReply | None: ...
    def entry(self, tenant: str, key: str, value: dict[str, Any]) -> dict[str, Any] | None: ...
    def keep_unbilled(self, tenant: str, key: str, value: dict[str, Any], usage: dict[str, float]) -> None: ...
    def billing(self, tenant: str, key: str) -> dict[str, Any]: ...


class Bills(Protocol):
    def record_usage(
        self, tenant: str, task_id: str, day: str, usage: dict[str, float], also: Sequence[dict[str, Any]] = ()
    ) -> bool:
        """Add `usage` to the task (if it still exists) and to the tenant's day, with `also`, in one write;
        False when a condition in `also` did not hold (nothing written). Raises WriteContention."""
        ...


class DayBudget(Protocol):
    """The tenant's daily spending cap, shared by every task of the tenant."""

    def reserve(self, tenant: str, day: str, amount: float) -> bool: ...
    def settle(self, tenant: str, day: str, reserved: float, spent: float) -> None: ...


def request_key(provider: str, model: str, request: dict[str, Any]) -> str:
    body = json.dumps({"provider": provider, "model": model, "request": request}, sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def cost_of(price: ModelPrice, input_tokens: int, output_tokens: int, requests: int) -> float:
    return (
        input_tokens * price.input_per_million / 1_000_000
        + output_tokens * price.output_per_million / 1_000_000
        + requests * price.per_request
    )


def bill_of(answered: Sequence[Answered], price: ModelPrice) -> dict[str, float]:
    """What the answered requests of one call add to a task's and a tenant's usage."""
    input_tokens = sum(a.input_tokens for a in answered)
    output_tokens = sum(a.output_tokens for a in answered)
    requests = sum(a.requests for a in answered)
    return {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "model_calls": requests,
        "cost_usd": round(cost_of(price, input_tokens, output_tokens, requests), 8),
    }


@dataclass
class Meter:
    tenant: str
    task_id: str
    day: str
    cache: Cache
    usage: Bills
    prices: dict[str, ModelPrice]
    deadline: float
    budget_usd: float | None = None
    spent_usd: float = 0.0
    day_budget: DayBudget | None = None
    cache_hits: int = 0
    calls: int = 0
    _reserved_usd: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def search(self, provider: SearchProvider, query: SearchQuery, fresh_for: str | None = None) -> dict[str, Any]:
        """One search request (its queries' results, one list per query). `fresh_for` (a run's id) keeps earlier
        runs' cached results out: a refresh must see today's web, while a retried step of that same run still
        finds the results it already paid for."""
        request = query.as_request()
        if fresh_for:
            request = {**request, "fresh_for": fresh_for}
        return self._run(
            provider.provider,
            provider.model,
            request,
            # A search request is priced per request, whatever it returns: no tokens.
            estimate=(0, 0, 1),
            invoke=lambda spend: provider.search(query, self.deadline, spend),
        )

    def complete(self, model: StructuredModel, call: ModelCall) -> dict[str, Any]:
        return self._run(
            model.provider,
            model.model,
            call.as_request(),
            estimate=((len(call.system) + len(call.user)) // 3, call.max_output_tokens, 1),
            invoke=lambda spend: model.complete(call, self.deadline, spend),
        )

    def complete_json(self, model: JsonSchemaModel, call: JsonSchemaCall) -> dict[str, Any]:
        return self._run(
            model.provider,
            model.model,
            call.as_request(),
            estimate=((len(call.system) + len(call.user)) // 3, call.max_output_tokens, 1),
            invoke=lambda spend: model.complete_json(call, self.deadline, spend),
        )

    # --- one call ------------------------------------------------------------------------------
    def _run(
        self,
        provider: str,
        model: str,
        request: dict[str, Any],
        estimate: tuple[int, int, int],
        invoke: Callable[[_CallSpend], dict[str, Any]],
    ) -> dict[str, Any]:
        key = request_key(provider, model, request)
        cached = self.cache.get(self.tenant, key)
        if cached is not None:
            self._serve_from_cache(key, cached)
            return cached.value
        add_metric(metric_names.CACHE_MISSES, MetricUnit.Count, 1)
        price = self.prices.get(model, FALLBACK_PRICE)
        call = _CallSpend(self, price, cost_of(price, *estimate))
        started = time.monotonic()
        try:
            data = invoke(call)
        except BaseException:
            # What the provider answered is owed, whatever went wrong after.
            self._bill(call.answered, price, None, key)
            raise
        add_metric(metric_names.PROVIDER_LATENCY, MetricUnit.Milliseconds, (time.monotonic() - started) * 1000)
        self._bill(call.answered, price, data, key)
        return data

    def _serve_from_cache(self, key: str, cached: CachedReply) -> None:
        with self._lock:
            self.cache_hits += 1
        add_metric(metric_names.CACHE_HITS, MetricUnit.Count, 1)
        if cached.unbilled is not None:
            # Billed now, by whichever hit wins the entry's condition; a hit that loses just counts as a hit.
            billing = self.cache.billing(self.tenant, key)
            if self.usage.record_usage(self.tenant, self.task_id, self.day, cached.unbilled, also=[billing]):
                return
        self.usage.record_usage(self.tenant, self.task_id, self.day, {"cache_hits": 1})

    def _bill(self, answered: Sequence[Answered], price: ModelPrice, data: dict[str, Any] | None, key: str) -> None:
        if not answered:
            return
        bill = bill_of(answered, price)
        with self._lock:
            self.calls += len(answered)
        add_metric(metric_names.INPUT_TOKENS, MetricUnit.Count, bill["input_tokens"])
        add_metric(metric_names.OUTPUT_TOKENS, MetricUnit.Count, bill["output_tokens"])
        add_metric(metric_names.COST_USD, MetricUnit.NoUnit, bill["cost_usd"])
        entry = self.cache.entry(self.tenant, key, data) if data is not None else None
        try:
            self.usage.record_usage(self.tenant, self.task_id, self.day, bill, also=[entry] if entry else [])
        except WriteContention:
            if data is None:
                logger.error("a bill could not be written", extra={"task_id": self.task_id, "bill": bill})
                raise
            # The step fails and is retried; its retry finds this answer in the cache and bills it then.
            self.cache.keep_unbilled(self.tenant, key, data, bill)
            raise

    # --- budgets -------------------------------------------------------------------------------
    def reserve(self, worst_case: float) -> None:
        with self._lock:
            committed = self.spent_usd + self._reserved_usd
            if self.budget_usd is not None and committed + worst_case > self.budget_usd:
                raise BudgetExceeded(
                    f"the next provider request could cost up to ${worst_case:.4f}; "
                    f"${committed:.4f} of the ${self.budget_usd:.2f} budget is spent or committed"
                )
            self._reserved_usd += worst_case
        if self.day_budget is not None and not self.day_budget.reserve(self.tenant, self.day, worst_case):
            with self._lock:
                self._reserved_usd -= worst_case
            raise BudgetExceeded(f"the tenant's daily budget for {self.day} would be passed by the next request")

    def settle(self, reserved: float, spent: float) -> None:
        with self._lock:
            self._reserved_usd -= reserved
            self.spent_usd += spent
        if self.day_budget is not None:
            self.day_budget.settle(self.tenant, self.day, reserved, spent)


class _CallSpend:
    """One call's attempts, as `Spend`: each reserved against the budgets before it is made and settled at
    what its answer cost (nothing, when it was not answered)."""

    def __init__(self, meter: Meter, price: ModelPrice, worst_case: float) -> None:
        self._meter = meter
        self._price = price
        self._worst_case = worst_case
        self.answered: list[Answered] = []

    @contextmanager
    def attempt(self) -> Iterator[Report]:
        self._meter.reserve(self._worst_case)
        answered: list[Answered] = []

        def report(usage: Answered) -> None:
            answered.append(usage)
            self.answered.append(usage)

        try:
            yield report
        finally:
            spent = sum(cost_of(self._price, a.input_tokens, a.output_tokens, a.requests) for a in answered)
            self._meter.settle(self._worst_case, spent)
