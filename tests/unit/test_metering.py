from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from researcher_pro.core.config import ModelPrice
from researcher_pro.core.errors import BudgetExceeded
from researcher_pro.providers.base import ProviderReply, SearchQuery
from researcher_pro.tasks.metering import Meter


class MemoryCache:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict[str, Any]] = {}

    def get(self, tenant: str, key: str) -> dict[str, Any] | None:
        return self.items.get((tenant, key))

    def entry(self, tenant: str, key: str, value: dict[str, Any]) -> dict[str, Any] | None:
        return {"cache": self, "at": (tenant, key), "value": value}


class Ledger:
    """Records bills, and applies the cache entries that come with them, as the transaction would."""

    def __init__(self) -> None:
        self.entries: list[dict[str, float]] = []

    def record_usage(
        self, tenant: str, research_id: str, day: str, usage: dict[str, float], also: Sequence[dict[str, Any]] = ()
    ) -> bool:
        self.entries.append(usage)
        for write in also:
            write["cache"].items[write["at"]] = write["value"]
        return True


class Search:
    provider, model = "perplexity", "sonar"

    def __init__(self) -> None:
        self.calls = 0

    def search(self, query: SearchQuery, deadline: float) -> ProviderReply:
        self.calls += 1
        return ProviderReply({"results": [{"url": "https://a.example"}]}, input_tokens=1000, output_tokens=500)


PRICES = {"sonar": ModelPrice(input_per_million=1.0, output_per_million=1.0, per_request=0.005)}


def meter(cache: MemoryCache, ledger: Ledger, tenant: str = "t1", budget: float | None = None) -> Meter:
    return Meter(
        tenant=tenant,
        task_id="r",
        day="2026-11-26",
        cache=cache,
        usage=ledger,
        prices=PRICES,
        deadline=1e12,
        budget_usd=budget,
    )


def test_a_call_is_billed_once_and_then_served_from_the_cache() -> None:
    cache, ledger, search = MemoryCache(), Ledger(), Search()
    query = SearchQuery("heat pumps")
    first = meter(cache, ledger).search(search, query)
    second = meter(cache, ledger).search(search, query)
    assert first == second and search.calls == 1
    assert ledger.entries == [
        {"input_tokens": 1000, "output_tokens": 500, "model_calls": 1, "cost_usd": 0.0065},
        {"cache_hits": 1},
    ]


def test_the_cache_is_scoped_to_the_tenant() -> None:
    cache, ledger, search = MemoryCache(), Ledger(), Search()
    meter(cache, ledger, tenant="a").search(search, SearchQuery("q"))
    meter(cache, ledger, tenant="b").search(search, SearchQuery("q"))
    assert search.calls == 2


def test_a_call_that_could_go_over_budget_is_not_made() -> None:
    cache, ledger, search = MemoryCache(), Ledger(), Search()
    metered = meter(cache, ledger, budget=0.01)
    metered.search(search, SearchQuery("one"))
    with pytest.raises(BudgetExceeded, match="budget"):
        metered.search(search, SearchQuery("two"))
    assert search.calls == 1 and metered.spent_usd == pytest.approx(0.0065)
