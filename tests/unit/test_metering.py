"""The meter: every answered request billed once, caps that hold for what was really spent, and a bill that
could not be written kept with the cached answer until a retry writes it."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import pytest
from researcher_pro.core.aws import WriteContention
from researcher_pro.core.config import ModelPrice
from researcher_pro.core.errors import BudgetExceeded, ProviderBadOutput
from researcher_pro.providers.base import Answered, SearchQuery, Spend
from researcher_pro.providers.retry import Retryable, RetryPolicy, call_with_retries
from researcher_pro.tasks.metering import CachedReply, Meter


class MemoryCache:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], CachedReply] = {}

    def get(self, tenant: str, key: str) -> CachedReply | None:
        return self.items.get((tenant, key))

    def entry(self, tenant: str, key: str, value: dict[str, Any]) -> dict[str, Any] | None:
        return {"put": (tenant, key), "value": value}

    def keep_unbilled(self, tenant: str, key: str, value: dict[str, Any], usage: dict[str, float]) -> None:
        self.items[(tenant, key)] = CachedReply(value, usage)

    def billing(self, tenant: str, key: str) -> dict[str, Any]:
        return {"billed": (tenant, key)}


class MemoryBills:
    """Applies a bill and the writes that come with it as one transaction would: all or nothing."""

    def __init__(self, cache: MemoryCache, refusals: int = 0) -> None:
        self.cache = cache
        self.entries: list[dict[str, float]] = []
        self.refusals = refusals  # bills refused as DynamoDB refuses them under contention, then written
        self._lock = threading.Lock()

    def record_usage(
        self, tenant: str, task_id: str, day: str, usage: dict[str, float], also: Sequence[dict[str, Any]] = ()
    ) -> bool:
        with self._lock:
            if self.refusals:
                self.refusals -= 1
                raise WriteContention("conflicts")
            for write in also:
                if "billed" in write:
                    cached = self.cache.items.get(write["billed"])
                    if cached is None or cached.unbilled is None:
                        return False  # another hit billed it: nothing is written
            for write in also:
                if "put" in write:
                    self.cache.items[write["put"]] = CachedReply(write["value"])
                else:
                    self.cache.items[write["billed"]] = CachedReply(self.cache.items[write["billed"]].value)
            self.entries.append(usage)
            return True


class Search:
    """A search provider behind the real retry loop, billed per request as the Search API bills: `bad`
    answers that do not parse, then good ones."""

    provider, model = "perplexity", "perplexity-search"

    def __init__(self, bad: int = 0) -> None:
        self.requests = 0
        self.bad = bad

    def search(self, query: SearchQuery, deadline: float, spend: Spend) -> dict[str, Any]:
        def attempt(timeout: float, report: Any) -> dict[str, Any]:
            self.requests += 1
            report(Answered(requests=1))
            if self.bad:
                self.bad -= 1
                raise Retryable("the body is not JSON", bad_output=True)
            return {"results": [{"url": "https://a.example"}]}

        policy = RetryPolicy(max_attempts=3, base_delay=0)
        return call_with_retries(attempt, name="search", policy=policy, deadline=deadline, spend=spend)


PRICES = {"perplexity-search": ModelPrice(per_request=0.005)}
ONE_REQUEST = {"input_tokens": 0, "output_tokens": 0, "model_calls": 1, "cost_usd": 0.005}


def meter(cache: MemoryCache, bills: MemoryBills, tenant: str = "t1", budget: float | None = None) -> Meter:
    return Meter(
        tenant=tenant,
        task_id="r",
        day="2026-11-26",
        cache=cache,
        usage=bills,
        prices=PRICES,
        deadline=1e12,
        budget_usd=budget,
    )


def test_a_call_is_billed_once_and_then_served_from_the_cache() -> None:
    cache = MemoryCache()
    bills, search = MemoryBills(cache), Search()
    query = SearchQuery(("heat pumps",))
    first = meter(cache, bills).search(search, query)
    second = meter(cache, bills).search(search, query)
    assert first == second and search.requests == 1
    assert bills.entries == [ONE_REQUEST, {"cache_hits": 1}]


def test_the_cache_is_scoped_to_the_tenant() -> None:
    cache = MemoryCache()
    bills, search = MemoryBills(cache), Search()
    meter(cache, bills, tenant="a").search(search, SearchQuery(("q",)))
    meter(cache, bills, tenant="b").search(search, SearchQuery(("q",)))
    assert search.requests == 2


def test_answers_retried_for_bad_output_are_each_billed() -> None:
    cache = MemoryCache()
    bills, search = MemoryBills(cache), Search(bad=2)
    metered = meter(cache, bills)
    metered.search(search, SearchQuery(("q",)))
    assert search.requests == 3
    assert bills.entries == [{"input_tokens": 0, "output_tokens": 0, "model_calls": 3, "cost_usd": 0.015}]
    assert metered.spent_usd == pytest.approx(0.015)


def test_a_call_that_fails_after_answers_still_bills_them_and_caches_nothing() -> None:
    cache = MemoryCache()
    bills, search = MemoryBills(cache), Search(bad=5)
    with pytest.raises(ProviderBadOutput):
        meter(cache, bills).search(search, SearchQuery(("q",)))
    assert search.requests == 3
    assert bills.entries == [{"input_tokens": 0, "output_tokens": 0, "model_calls": 3, "cost_usd": 0.015}]
    assert cache.items == {}


def test_a_call_that_could_go_over_budget_is_not_made() -> None:
    cache = MemoryCache()
    bills, search = MemoryBills(cache), Search()
    metered = meter(cache, bills, budget=0.008)
    metered.search(search, SearchQuery(("one",)))
    with pytest.raises(BudgetExceeded, match="budget"):
        metered.search(search, SearchQuery(("two",)))
    assert search.requests == 1 and metered.spent_usd == pytest.approx(0.005)


def test_the_budget_holds_across_retries_of_one_call() -> None:
    # Room for one attempt's worst case, not two: the retry of a bad answer is not made.
    cache = MemoryCache()
    bills, search = MemoryBills(cache), Search(bad=1)
    metered = meter(cache, bills, budget=0.008)
    with pytest.raises(BudgetExceeded):
        metered.search(search, SearchQuery(("q",)))
    assert search.requests == 1
    assert bills.entries == [ONE_REQUEST] and metered.spent_usd <= 0.008


def test_a_bill_that_cannot_be_written_fails_loudly_and_the_retry_bills_it_from_the_cache() -> None:
    cache = MemoryCache()
    bills, search = MemoryBills(cache, refusals=1), Search()
    query = SearchQuery(("q",))
    with pytest.raises(WriteContention):
        meter(cache, bills).search(search, query)
    assert bills.entries == [] and search.requests == 1
    # The step's retry: answered from the cache, and the bill written now, once.
    meter(cache, bills).search(search, query)
    assert search.requests == 1 and bills.entries == [ONE_REQUEST]
    meter(cache, bills).search(search, query)
    assert bills.entries == [ONE_REQUEST, {"cache_hits": 1}]


def test_two_retries_racing_for_an_unbilled_answer_bill_it_once() -> None:
    cache = MemoryCache()
    cache.keep_unbilled("t1", _key(SearchQuery(("q",))), {"results": []}, ONE_REQUEST)
    barrier = threading.Barrier(2)

    def retry() -> None:
        barrier.wait()
        meter(cache, bills).search(Search(), SearchQuery(("q",)))

    bills = MemoryBills(cache)
    threads = [threading.Thread(target=retry) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(bills.entries, key=len) == [{"cache_hits": 1}, ONE_REQUEST]


def _key(query: SearchQuery) -> str:
    from researcher_pro.tasks.metering import request_key

    return request_key("perplexity", "perplexity-search", query.as_request())
