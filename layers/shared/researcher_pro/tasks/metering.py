"""Every paid call of a run goes through a Meter: cache first, then the budget, then the call, then
the bill, recorded at once so that a crash after the call cannot make us pay or charge for it twice."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit

from researcher_pro.core.config import ModelPrice
from researcher_pro.core.errors import BudgetExceeded
from researcher_pro.core.observability import metrics
from researcher_pro.providers.base import (
    JsonSchemaCall,
    JsonSchemaModel,
    ModelCall,
    ProviderReply,
    SearchProvider,
    SearchQuery,
    StructuredModel,
)

FALLBACK_PRICE = ModelPrice(input_per_million=2.5, output_per_million=10.0)


class Cache(Protocol):
    def get(self, tenant: str, key: str) -> dict[str, Any] | None: ...
    def entry(self, tenant: str, key: str, value: dict[str, Any]) -> dict[str, Any] | None: ...


class UsageSink(Protocol):
    def record_usage(
        self, tenant: str, task_id: str, day: str, usage: dict[str, float], also: Sequence[dict[str, Any]] = ()
    ) -> bool: ...


def request_key(provider: str, model: str, request: dict[str, Any]) -> str:
    body = json.dumps({"provider": provider, "model": model, "request": request}, sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def cost_of(price: ModelPrice, input_tokens: int, output_tokens: int, requests: int) -> float:
    return (
        input_tokens * price.input_per_million / 1_000_000
        + output_tokens * price.output_per_million / 1_000_000
        + requests * price.per_request
    )


@dataclass
class Meter:
    tenant: str
    task_id: str
    day: str
    cache: Cache
    usage: UsageSink
    prices: dict[str, ModelPrice]
    deadline: float
    budget_usd: float | None = None
    spent_usd: float = 0.0
    cache_hits: int = 0
    calls: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def search(self, provider: SearchProvider, query: SearchQuery, fresh_for: str | None = None) -> dict[str, Any]:
        """`fresh_for` (a run's id) keeps earlier runs' cached results out: a refresh must see today's web,
        while a retried step of that same run still finds the results it already paid for."""
        request = query.as_request()
        if fresh_for:
            request = {**request, "fresh_for": fresh_for}
        return self._run(
            provider.provider,
            provider.model,
            request,
            estimate=(200, 1000, 1),
            invoke=lambda: provider.search(query, self.deadline),
        )

    def complete(self, model: StructuredModel, call: ModelCall) -> dict[str, Any]:
        return self._run(
            model.provider,
            model.model,
            call.as_request(),
            estimate=((len(call.system) + len(call.user)) // 3, call.max_output_tokens, 1),
            invoke=lambda: model.complete(call, self.deadline),
        )

    def complete_json(self, model: JsonSchemaModel, call: JsonSchemaCall) -> dict[str, Any]:
        return self._run(
            model.provider,
            model.model,
            call.as_request(),
            estimate=((len(call.system) + len(call.user)) // 3, call.max_output_tokens, 1),
            invoke=lambda: model.complete_json(call, self.deadline),
        )

    def _run(
        self,
        provider: str,
        model: str,
        request: dict[str, Any],
        estimate: tuple[int, int, int],
        invoke: Callable[[], ProviderReply],
    ) -> dict[str, Any]:
        key = request_key(provider, model, request)
        cached = self.cache.get(self.tenant, key)
        if cached is not None:
            with self._lock:
                self.cache_hits += 1
                metrics.add_metric(name="CacheHits", unit=MetricUnit.Count, value=1)
            self.usage.record_usage(self.tenant, self.task_id, self.day, {"cache_hits": 1})
            return cached
        price = self.prices.get(model, FALLBACK_PRICE)
        with self._lock:
            worst_case = cost_of(price, *estimate)
            if self.budget_usd is not None and self.spent_usd + worst_case > self.budget_usd:
                raise BudgetExceeded(
                    f"the next {provider} call could cost up to ${worst_case:.4f}; "
                    f"${self.spent_usd:.4f} of the ${self.budget_usd:.2f} budget is spent"
                )
            # Reserve the worst case so concurrent calls cannot together overshoot the budget.
            self.spent_usd += worst_case
        started = time.monotonic()
        try:
            reply = invoke()
        finally:
            with self._lock:
                self.spent_usd -= worst_case
        cost = cost_of(price, reply.input_tokens, reply.output_tokens, reply.requests)
        with self._lock:
            self.spent_usd += cost
            self.calls += 1
            metrics.add_metric(
                name="ProviderLatency", unit=MetricUnit.Milliseconds, value=(time.monotonic() - started) * 1000
            )
            metrics.add_metric(name="InputTokens", unit=MetricUnit.Count, value=reply.input_tokens)
            metrics.add_metric(name="OutputTokens", unit=MetricUnit.Count, value=reply.output_tokens)
            metrics.add_metric(name="CostUSD", unit=MetricUnit.NoUnit, value=cost)
        # The bill and the cache entry in one write: a retried step finds the answer it already paid for.
        entry = self.cache.entry(self.tenant, key, reply.data)
        self.usage.record_usage(
            self.tenant,
            self.task_id,
            self.day,
            {
                "input_tokens": reply.input_tokens,
                "output_tokens": reply.output_tokens,
                "model_calls": 1,
                "cost_usd": round(cost, 8),
            },
            also=[entry] if entry else [],
        )
        return reply.data
