"""The Perplexity search provider against the fake Search API, over loopback, through the official SDK: several
queries in one request, filters as the API takes them, and every answered request billed once, retried or not."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from researcher_pro.core.config import get_settings
from researcher_pro.core.errors import ProviderBadOutput, ProviderRejected, ProviderUnavailable
from researcher_pro.providers.base import Answered, Report, SearchQuery, search_requests
from researcher_pro.providers.perplexity import SEARCH_MODEL, PerplexitySearch
from researcher_pro.providers.retry import RetryPolicy

from tests.fakes.perplexity_server import FakePerplexity
from tests.fakes.web import FakeWeb
from tests.fakes.web_corpus import QUESTION

# perplexityai 0.46.1 builds its response models with pydantic's deprecated `construct`.
pytestmark = pytest.mark.filterwarnings("ignore:The `construct` method is deprecated:DeprecationWarning")

FAST = RetryPolicy(timeout=5.0, window=10.0, max_attempts=3, base_delay=0.01)


class Ledger:
    """A Spend that keeps what a metered call would: the attempts begun and the requests answered."""

    def __init__(self) -> None:
        self.attempts = 0
        self.answered: list[Answered] = []

    @contextmanager
    def attempt(self) -> Iterator[Report]:
        self.attempts += 1
        yield self.answered.append


@pytest.fixture
def api(fake_perplexity: FakePerplexity) -> Iterator[FakePerplexity]:
    fake_perplexity.reset()
    yield fake_perplexity
    fake_perplexity.reset()


def provider(api: FakePerplexity, policy: RetryPolicy = FAST) -> PerplexitySearch:
    return PerplexitySearch("pplx-test", api.url, policy)


def search(api: FakePerplexity, query: SearchQuery, policy: RetryPolicy = FAST) -> tuple[dict[str, Any], Ledger]:
    ledger = Ledger()
    return provider(api, policy).search(query, time.monotonic() + 30, ledger), ledger


def test_several_queries_go_in_one_request_and_come_back_one_list_per_query(
    api: FakePerplexity, fake_web: FakeWeb
) -> None:
    query = SearchQuery((QUESTION, "Kallax Field Trial results"), max_results=4, max_tokens_per_page=256)
    data, ledger = search(api, query)

    (sent,) = api.calls("/search")
    assert sent["body"] == {
        "query": [QUESTION, "Kallax Field Trial results"],
        "max_results": 4,
        "max_tokens_per_page": 256,
        "max_tokens": 2 * 4 * 256,  # no page gets less than its own budget
    }
    assert ledger.answered == [Answered(requests=1)]
    first, second = data["results"]
    assert 1 <= len(first) <= 4 and 1 <= len(second) <= 4
    kallax = fake_web.url("lab/reports/kallax-final-report.pdf")
    assert second[0]["url"] == kallax and kallax not in [r["url"] for r in first]
    for result in [*first, *second]:
        assert set(result) == {"url", "title", "snippet", "content", "published_at", "origin"}
        assert result["origin"] == "web" and result["title"] and result["published_at"]
        # The page's text as Search returns it is the content; the snippet is its start.
        assert result["content"] and len(result["content"]) <= 256 * 4
        assert result["content"].startswith(result["snippet"]) and len(result["snippet"]) <= 500
        if fake_web.article(result["url"]):
            for paragraph in result["content"].split("\n\n"):
                assert paragraph in fake_web.text(result["url"])


def test_a_single_query_is_sent_as_a_string_and_still_answered_as_a_list_of_lists(api: FakePerplexity) -> None:
    data, _ = search(api, SearchQuery(("heat pump efficiency at low temperatures",), max_results=3))
    assert api.calls("/search")[0]["body"]["query"] == "heat pump efficiency at low temperatures"
    (found,) = data["results"]
    assert len(found) == 3 and all(r["url"].startswith("http") for r in found)


def test_a_request_holds_at_most_five_queries_and_search_requests_batches_the_rest() -> None:
    with pytest.raises(ValueError, match="1 to 5 queries"):
        SearchQuery(tuple(f"q{i}" for i in range(6)))
    with pytest.raises(ValueError, match="1 to 5 queries"):
        SearchQuery(())
    with pytest.raises(ValueError, match="empty"):
        SearchQuery(("heat pumps", " "))

    queries = [f"q{i}" for i in range(7)] + ["q3"]
    requests = search_requests(queries, "week", ["-spam.example"], max_results=5, max_tokens_per_page=300)
    assert [r.queries for r in requests] == [("q0", "q1", "q2", "q3", "q4"), ("q5", "q6")]
    assert all(r.recency == "week" and r.domains == ("-spam.example",) for r in requests)
    assert all(r.max_results == 5 and r.max_tokens_per_page == 300 for r in requests)
    # The cache key is the whole request: the same queries with other filters are another request.
    assert requests[0].as_request() != SearchQuery(requests[0].queries).as_request()
    assert SearchQuery(("a", "b")).as_request() == SearchQuery(["a", "b"]).as_request()  # type: ignore[arg-type]


def test_filters_reach_the_api_and_are_applied(api: FakePerplexity, fake_web: FakeWeb) -> None:
    lab = fake_web.domain("lab")
    allowed, _ = search(api, SearchQuery((QUESTION,), domains=(lab,)))
    assert allowed["results"][0] and all(f"//{lab}:" in r["url"] for r in allowed["results"][0])
    excluded, _ = search(api, SearchQuery((QUESTION,), domains=(f"-{lab}",), recency="year"))
    assert excluded["results"][0] and not any(f"//{lab}:" in r["url"] for r in excluded["results"][0])
    bodies = [c["body"] for c in api.calls("/search")]
    assert bodies[0]["search_domain_filter"] == [lab] and "search_recency_filter" not in bodies[0]
    assert bodies[1]["search_domain_filter"] == [f"-{lab}"] and bodies[1]["search_recency_filter"] == "year"

    # The API takes an allowlist or a denylist, never both: such a request is never made.
    with pytest.raises(ValueError, match="never both"):
        SearchQuery((QUESTION,), domains=(lab, "-spam.example"))
    with pytest.raises(ValueError, match="recency"):
        SearchQuery((QUESTION,), recency="decade")  # type: ignore[arg-type]


def test_rate_limited_then_answered_is_billed_once_after_the_wait_asked_for(api: FakePerplexity) -> None:
    api.fail_next(429, retry_after="1")
    started = time.monotonic()
    data, ledger = search(api, SearchQuery(("heat pumps",)))
    assert time.monotonic() - started >= 1.0  # Retry-After, not the 10 ms backoff
    assert data["results"][0]
    assert len(api.calls("/search")) == ledger.attempts == 2
    assert ledger.answered == [Answered(requests=1)]


def test_a_malformed_body_is_billed_and_retried(api: FakePerplexity) -> None:
    api.malformed_next()
    data, ledger = search(api, SearchQuery(("heat pumps",)))
    assert data["results"][0]
    assert ledger.answered == [Answered(requests=1), Answered(requests=1)]

    api.malformed_next(3)
    ledger = Ledger()
    with pytest.raises(ProviderBadOutput, match="not JSON"):
        provider(api).search(SearchQuery(("heat pumps",)), time.monotonic() + 30, ledger)
    assert ledger.answered == [Answered(requests=1)] * 3  # answered, so owed, though never usable


def test_a_request_the_api_refuses_is_rejected_at_once_and_not_billed(api: FakePerplexity) -> None:
    ledger = Ledger()
    with pytest.raises(ProviderRejected, match="HTTP 400: max_tokens_per_page"):
        provider(api).search(SearchQuery(("heat pumps",), max_tokens_per_page=2_000_000), time.monotonic() + 30, ledger)
    assert len(api.calls("/search")) == ledger.attempts == 1
    assert ledger.answered == []


def test_the_sdk_never_retries_behind_the_loop(api: FakePerplexity) -> None:
    once = RetryPolicy(timeout=1.0, window=10.0, max_attempts=1, base_delay=0.01)
    api.fail_next(500)
    with pytest.raises(ProviderUnavailable, match="HTTP 500"):
        search(api, SearchQuery(("heat pumps",)), once)
    assert len(api.calls("/search")) == 1

    api.script.delay = 1.5  # longer than the attempt's timeout
    with pytest.raises(ProviderUnavailable, match="APITimeoutError"):
        search(api, SearchQuery(("heat pumps",)), once)
    assert len(api.calls("/search")) == 2


def test_results_without_an_address_are_dropped_and_dates_fall_back_to_last_updated(api: FakePerplexity) -> None:
    api.extra_results = [
        {"title": "Nowhere", "url": "", "snippet": "No address.", "date": None, "last_updated": None},
        {
            "title": "Undated",
            "url": "https://x.example/a",
            "snippet": "Text.",
            "date": None,
            "last_updated": "2026-01-02",
        },
    ]
    data, _ = search(api, SearchQuery(("battery recycling",), max_results=5))
    found = data["results"][0]
    assert "Nowhere" not in [r["title"] for r in found]
    assert found[-1]["url"] == "https://x.example/a" and found[-1]["published_at"] == "2026-01-02"


def test_a_search_request_is_priced_per_request() -> None:
    price = get_settings().prices()[SEARCH_MODEL]
    assert price.per_request == 0.005 and price.input_per_million == price.output_per_million == 0
