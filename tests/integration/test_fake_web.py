"""The stand-in web behaves as the real services do: the Perplexity Search API through the official SDK,
pages with their hazards over HTTP, and the planted facts reachable only as designed."""

from __future__ import annotations

import hashlib
import io
import re
import time
import urllib.robotparser
import zlib
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import cast

import httpx
import perplexity
import pytest
from perplexity import Perplexity
from perplexity.generated.api import ApiSearchPageOutput, ApiSearchResponseOutput

from tests.fakes.extractive_model import ExtractiveModel
from tests.fakes.perplexity_server import FakePerplexity
from tests.fakes.web import BIG_PAGE_BYTES, METADATA_URL, METADATA_URL_V6, PRIVATE_URL, FakeWeb
from tests.fakes.web_corpus import ARTICLES, QUESTION, RESULT_CUES

# perplexityai 0.46.1 builds its response models with pydantic's deprecated `construct`.
pytestmark = pytest.mark.filterwarnings("ignore:The `construct` method is deprecated:DeprecationWarning")


@pytest.fixture
def web(fake_web: FakeWeb) -> Iterator[FakeWeb]:
    fake_web.reset()
    yield fake_web
    fake_web.reset()


@pytest.fixture
def search(fake_perplexity: FakePerplexity) -> Iterator[FakePerplexity]:
    fake_perplexity.reset()
    yield fake_perplexity
    fake_perplexity.reset()


def client(fake: FakePerplexity, retries: int = 0) -> Perplexity:
    return Perplexity(api_key="pplx-test", base_url=fake.url, max_retries=retries)


def grouped(reply: ApiSearchResponseOutput) -> list[list[ApiSearchPageOutput]]:
    """The results of a list of queries, one list per query. The SDK's type says a flat list; the value it
    builds from the API's reply is a list of lists."""
    return cast(list[list[ApiSearchPageOutput]], reply.results)


def first_round_queries(count: int = 5) -> list[str]:
    """What a first round searches: the question and the fake model's sub-questions for it."""
    schema = {
        "type": "object",
        "properties": {"sub_questions": {"type": "array", "items": {"type": "string"}}},
        "required": ["sub_questions"],
        "additionalProperties": False,
    }
    prompt = f"Query: {QUESTION}\n\nWrite exactly {count} sub-questions."
    plan = ExtractiveModel().respond(schema, [{"role": "user", "content": prompt}])
    return [QUESTION, *plan["sub_questions"]]


# --- the Search API, through the official SDK ---------------------------------------------------------------


def test_the_sdk_searches_several_queries_in_one_request(search: FakePerplexity, web: FakeWeb) -> None:
    reply = client(search).search.create(
        query=[QUESTION, "Kallax Field Trial results"], max_results=4, max_tokens_per_page=256
    )

    assert len(search.calls("/search")) == 1
    assert search.searches() == [[QUESTION, "Kallax Field Trial results"]]
    sent = search.calls("/search")[0]
    queries = [QUESTION, "Kallax Field Trial results"]
    assert sent["body"] == {"query": queries, "max_results": 4, "max_tokens_per_page": 256}
    assert sent["headers"]["Authorization"] == "Bearer pplx-test"
    assert reply.id
    assert len(reply.results) == 2  # one list per query, in the order asked
    first, second = grouped(reply)
    assert isinstance(first, list)
    assert 1 <= len(first) <= 4
    for result in [*first, *second]:
        assert result.title and result.url.startswith("http")
        assert len(result.snippet) <= 256 * 4
        assert result.date and re.fullmatch(r"\d{4}-\d{2}-\d{2}", result.date)
        if web.article(result.url):
            assert result.last_updated
    kallax = web.url("lab/reports/kallax-final-report.pdf")
    assert second[0].url == kallax
    assert kallax not in [r.url for r in first]


def test_a_single_query_gets_a_flat_list_with_verbatim_snippets(search: FakePerplexity, web: FakeWeb) -> None:
    reply = client(search).search.create(query="heat pump efficiency at low temperatures", max_results=3)

    assert len(reply.results) == 3
    assert all(not isinstance(r, list) for r in reply.results)
    for result in reply.results:
        if web.article(result.url):
            for paragraph in result.snippet.split("\n\n"):
                assert paragraph in web.text(result.url)


def test_snippets_are_cut_at_a_sentence_end_within_the_token_budgets(search: FakePerplexity) -> None:
    short = client(search).search.create(query=QUESTION, max_results=5, max_tokens_per_page=40)
    assert all(len(r.snippet) <= 160 for r in short.results)
    assert any(r.snippet.endswith((".", "?")) for r in short.results)

    total = client(search).search.create(query=QUESTION, max_results=10, max_tokens=300)
    assert sum(len(r.snippet) for r in total.results) <= 1200


def test_domain_filters_allow_exclude_and_match_url_prefixes(search: FakePerplexity, web: FakeWeb) -> None:
    sdk = client(search)
    lab = web.domain("lab")

    only_lab = sdk.search.create(query=QUESTION, search_domain_filter=[lab]).results
    assert only_lab and all(f"//{lab}:" in r.url for r in only_lab)

    without_lab = sdk.search.create(query=QUESTION, search_domain_filter=[f"-{lab}"]).results
    assert without_lab and not any(f"//{lab}:" in r.url for r in without_lab)

    prefix = f"{web.base['association']}/articles/"
    under = sdk.search.create(query=QUESTION, search_domain_filter=[prefix]).results
    assert under and all(r.url.startswith(prefix) for r in under)

    with pytest.raises(perplexity.BadRequestError, match="cannot mix"):
        sdk.search.create(query=QUESTION, search_domain_filter=[lab, "-example.org"])


def test_recency_and_date_filters_use_the_pages_dates(search: FakePerplexity, web: FakeWeb) -> None:
    sdk = client(search)
    this_week = sdk.search.create(query="heat pumps", search_recency_filter="week", max_results=20).results
    assert this_week
    week_ago = (web.today.toordinal() - 7, web.today.toordinal())
    for result in this_week:
        assert result.date
        assert week_ago[0] <= _ordinal(result.date) <= week_ago[1]
    everything = sdk.search.create(query="heat pumps", max_results=20).results
    assert len(everything) > len(this_week)

    old = sdk.search.create(query="heat pumps", search_before_date_filter="1/1/2020", max_results=20).results
    assert all(r.date and r.date < "2020-01-02" for r in old)
    recently_updated = sdk.search.create(
        query="heat pumps", last_updated_after_filter=_us(web.today.toordinal() - 40), max_results=20
    ).results
    assert recently_updated
    # A page without a last_updated date is judged by its publication date.
    assert all(_ordinal(r.last_updated or r.date or "") >= web.today.toordinal() - 40 for r in recently_updated)


def test_language_filter_and_country_bias(search: FakePerplexity, web: FakeWeb) -> None:
    sdk = client(search)
    norwegian = web.url("association/no/varmepumper-i-kulde")
    assert norwegian in [r.url for r in sdk.search.create(query="varmepumper kaldt klima").results]
    assert norwegian not in [
        r.url for r in sdk.search.create(query="varmepumper kaldt klima", search_language_filter=["en"]).results
    ]
    plain = [r.url for r in sdk.search.create(query=QUESTION, max_results=20).results]
    biased = [r.url for r in sdk.search.create(query=QUESTION, max_results=20, country="GB").results]
    forum = web.base["forum"]
    assert min(i for i, u in enumerate(biased) if u.startswith(forum)) <= min(
        i for i, u in enumerate(plain) if u.startswith(forum)
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"query": ["q"] * 6}, "query"),
        ({"query": ""}, "query"),
        ({"query": "q", "max_results": 21}, "max_results"),
        ({"query": "q", "max_results": 0}, "max_results"),
        ({"query": "q", "search_recency_filter": "decade"}, "search_recency_filter"),
        ({"query": "q", "search_after_date_filter": "2025-01-01"}, "search_after_date_filter"),
        ({"query": "q", "search_domain_filter": [f"d{i}.org" for i in range(21)]}, "search_domain_filter"),
        ({"query": "q", "search_language_filter": ["english"]}, "search_language_filter"),
    ],
)
def test_invalid_requests_are_refused_with_400(search: FakePerplexity, body: dict[str, object], message: str) -> None:
    response = httpx.post(f"{search.url}/search", json=body, headers={"Authorization": "Bearer pplx-test"})
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]


def test_a_request_without_a_key_is_refused_with_401(search: FakePerplexity) -> None:
    response = httpx.post(f"{search.url}/search", json={"query": "heat pumps"})
    assert response.status_code == 401


def test_scripted_faults_and_latency_reach_the_sdk(search: FakePerplexity) -> None:
    search.fail_next(429, retry_after="0")
    assert client(search, retries=1).search.create(query="heat pumps").results
    assert len(search.calls("/search")) == 2

    search.fail_next(500)
    with pytest.raises(perplexity.InternalServerError):
        client(search).search.create(query="heat pumps")

    search.fail_next(429, retry_after="7")
    with pytest.raises(perplexity.RateLimitError) as limited:
        client(search).search.create(query="heat pumps")
    assert limited.value.response.headers["retry-after"] == "7"

    search.malformed_next()
    with pytest.raises(ValueError):  # the SDK lets the JSON decoding error through
        client(search).search.create(query="heat pumps")

    search.script.delay = 0.2
    started = time.monotonic()
    client(search).search.create(query="heat pumps")
    assert time.monotonic() - started >= 0.2


def test_display_server_time(search: FakePerplexity) -> None:
    reply = client(search).search.create(query="heat pumps", display_server_time=True)
    assert reply.server_time


# --- planted facts -----------------------------------------------------------------------------------------


def test_follow_up_facts_are_out_of_reach_of_the_first_round(search: FakePerplexity, web: FakeWeb) -> None:
    sdk = client(search)
    queries = first_round_queries(5)
    found: set[str] = set()
    for batch in (queries[:5], queries[5:]):
        for results in grouped(sdk.search.create(query=batch, max_results=20)):
            found |= {r.url for r in results}

    facts = web.facts()
    assert len([f for f in facts if f.follow_up]) >= 3
    assert len([f for f in facts if not f.follow_up]) >= 3
    for fact in facts:
        if fact.follow_up:
            assert fact.url not in found, fact.id
        if fact.hops == 1:
            assert fact.lead_url in found, f"the first round should find the page naming {fact.lead}"


def test_a_query_naming_the_study_reaches_its_result(search: FakePerplexity, web: FakeWeb) -> None:
    sdk = client(search)
    for fact in web.facts():
        if not fact.follow_up:
            continue
        assert fact.lead and fact.lead_sentence and fact.lead_url
        reply = sdk.search.create(query=f"{fact.lead} results", max_results=5, max_tokens_per_page=1024)
        assert reply.results[0].url == fact.url, fact.id
        assert fact.sentence in reply.results[0].snippet
        for term in fact.query_terms:
            assert fact.url in [r.url for r in sdk.search.create(query=f"what did {term} find").results]
        # The lead page names the study but says nothing of its result; the fact page says both.
        assert fact.lead_sentence in web.text(fact.lead_url)
        assert fact.lead in fact.lead_sentence and fact.lead in fact.sentence
        assert not any(re.search(rf"\b{re.escape(c)}\b", fact.lead_sentence.lower()) for c in RESULT_CUES if c != "%")
        assert fact.sentence in web.text(fact.url)
        assert fact.key_phrase in fact.sentence


def test_every_fact_is_on_its_page_and_its_key_phrase_is_unique(web: FakeWeb) -> None:
    corpus = "\n".join(a.text for a in ARTICLES)
    for fact in web.facts():
        assert fact.sentence in web.text(fact.url)
        assert corpus.count(fact.key_phrase) == 1, fact.id


# --- pages ---------------------------------------------------------------------------------------------------


class ArticleText(HTMLParser):
    """The text inside <article> (as a main-text extractor should find it) and the text outside it."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.inside: list[str] = []
        self.outside: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.depth += tag == "article"
        self.skip += tag in {"script", "style"}
        if tag == "p" and self.depth:
            self.inside.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        self.depth -= tag == "article"
        self.skip -= tag in {"script", "style"}

    def handle_data(self, data: str) -> None:
        if not self.skip:
            (self.inside if self.depth else self.outside).append(data)


def test_html_articles_have_boilerplate_around_the_main_text(web: FakeWeb) -> None:
    url = web.url("association/articles/field-data-far-north")
    response = httpx.get(url, headers={"User-Agent": "ResearcherPro/1.0"})

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "last-modified" in response.headers
    parser = ArticleText()
    parser.feed(response.text)
    article = web.article(url)
    assert article
    inside = " ".join("".join(parser.inside).split())
    for paragraph in article.paragraphs:
        assert paragraph in inside
    outside = " ".join(parser.outside)
    assert "cookies" in outside and "All rights reserved" in outside and "Subscribe" in outside
    assert not any(paragraph in outside for paragraph in article.paragraphs)
    assert len(article.text) > 3 * 256 * 4  # three times a snippet of 256 tokens
    assert web.hits(url) == 1
    assert web.requests[-1].headers["User-Agent"] == "ResearcherPro/1.0"


def test_the_pdf_is_a_real_pdf_made_at_run_time(web: FakeWeb) -> None:
    url = web.url("lab/reports/kallax-final-report.pdf")
    response = httpx.get(url)

    assert response.headers["content-type"] == "application/pdf"
    data = response.content
    assert data.startswith(b"%PDF-1.4") and data.rstrip().endswith(b"%%EOF")
    xref = int(re.findall(rb"startxref\n(\d+)", data)[-1])
    assert data[xref:].startswith(b"xref")
    offsets = [int(o) for o in re.findall(rb"^(\d{10}) 00000 n ", data, flags=re.MULTILINE)]
    for number, offset in enumerate(offsets, start=1):
        assert data[offset:].startswith(f"{number} 0 obj".encode())
    streams = re.findall(rb"stream\n(.*?)\nendstream", data, flags=re.DOTALL)
    shown = b"".join(zlib.decompress(s) for s in streams)
    assert b"(Over both winters, the Kallax Field Trial measured an average seasonal coefficient of" in shown


def test_the_pdf_reads_back_with_pypdf(web: FakeWeb) -> None:
    pypdf = pytest.importorskip("pypdf")
    url = web.url("lab/reports/kallax-final-report.pdf")
    reader = pypdf.PdfReader(io.BytesIO(httpx.get(url).content), strict=True)
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert reader.metadata.title == "Kallax Field Trial: final report"
    for fact in web.facts():
        if fact.url == url:
            assert fact.sentence in text


def test_plain_text_pages(web: FakeWeb) -> None:
    url = web.url("stats/surveys/hammerfest-retrofit-survey.txt")
    response = httpx.get(url)
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text == web.text(url)


def test_robots_txt_disallows_a_path_that_search_results_point_into(search: FakePerplexity, web: FakeWeb) -> None:
    robots = urllib.robotparser.RobotFileParser()
    robots.parse(httpx.get(f"{web.base['forum']}/robots.txt").text.splitlines())
    members = web.url("forum/members/noise-complaints")
    assert not robots.can_fetch("ResearcherPro", members)
    assert robots.can_fetch("ResearcherPro", web.url("forum/threads/undersized-units"))
    results = client(search).search.create(query="neighbour complaints heat pump noise").results
    assert members in [r.url for r in results]

    assert httpx.get(f"{web.base['stats']}/robots.txt").status_code == 404
    association = httpx.get(f"{web.base['association']}/robots.txt").text
    assert "Disallow: /drafts/" in association


def test_redirects_to_pages_to_internal_addresses_and_in_a_loop(web: FakeWeb) -> None:
    old = f"{web.base['association']}/guides/old-cold-climate-guide"
    moved = httpx.get(old)
    assert moved.status_code == 301
    assert moved.headers["location"] == web.url("association/guides/cold-climate-heat-pumps")
    assert httpx.get(old, follow_redirects=True).url == web.url("association/guides/cold-climate-heat-pumps")

    across = httpx.get(f"{web.base['tools']}/go/efficiency", follow_redirects=True)
    assert across.status_code == 200
    assert str(across.url) == web.url("lab/explainers/efficiency-at-low-temperatures")

    # Never follow these: the targets are outside this machine.
    assert httpx.get(f"{web.base['tools']}/out/sizing-calculator").headers["location"] == METADATA_URL
    assert httpx.get(f"{web.base['tools']}/out/sizing-calculator-v6").headers["location"] == METADATA_URL_V6

    with httpx.Client(follow_redirects=True, max_redirects=5) as http, pytest.raises(httpx.TooManyRedirects):
        http.get(f"{web.base['tools']}/go/loop-a")


def test_search_results_point_at_internal_addresses(search: FakePerplexity, web: FakeWeb) -> None:
    urls = {r.url for r in client(search).search.create(query=QUESTION, max_results=20).results}
    assert PRIVATE_URL in urls or METADATA_URL in urls
    both = client(search).search.create(query="heat pump fleet performance cold climates instance data").results
    assert {PRIVATE_URL, METADATA_URL} <= {r.url for r in both}
    assert f"{web.base['tools']}/out/sizing-calculator" in {
        r.url for r in client(search).search.create(query="heat pump sizing calculator").results
    }


def test_a_page_that_never_answers_times_a_client_out(web: FakeWeb) -> None:
    url = f"{web.base['tools']}/directory/installers"
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(url, timeout=httpx.Timeout(5.0, read=0.3))
    assert time.monotonic() - started < 3
    assert web.hits(url) == 1


def test_a_trickling_page_defeats_a_read_timeout_but_not_a_deadline(web: FakeWeb) -> None:
    web.trickle_interval = 0.1
    url = f"{web.base['tools']}/directory/installers-trickle"
    received = b""
    started = time.monotonic()
    with httpx.stream("GET", url, timeout=httpx.Timeout(5.0, read=1.0)) as response:
        assert response.status_code == 200
        for chunk in response.iter_raw():
            received += chunk
            if time.monotonic() - started > 0.8:
                break
    assert 0 < len(received) < 20
    web.trickle_interval = 0.5


@pytest.mark.parametrize("path", ["/archive/test-reports", "/archive/test-reports-stream"])
def test_the_50_mb_page_streams_and_a_client_can_stop_early(web: FakeWeb, path: str) -> None:
    url = f"{web.base['tools']}{path}"
    limit = 1024 * 1024
    received = 0
    with httpx.stream("GET", url) as response:
        assert response.headers["content-type"].startswith("text/html")
        if path.endswith("stream"):
            assert "content-length" not in response.headers
            assert response.headers["transfer-encoding"] == "chunked"
        else:
            assert response.headers["content-length"] == str(BIG_PAGE_BYTES)
        for chunk in response.iter_bytes():
            received += len(chunk)
            if received >= limit:
                break
    time.sleep(0.2)
    # Socket buffers hold a few megabytes at most: the server stopped long before 50 MB.
    assert web.bytes_sent(url) < BIG_PAGE_BYTES // 4


def test_the_50_mb_page_is_exactly_50_mb(web: FakeWeb) -> None:
    digest = hashlib.sha256()
    size = 0
    with httpx.stream("GET", f"{web.base['tools']}/archive/test-reports") as response:
        for chunk in response.iter_bytes():
            digest.update(chunk)
            size += len(chunk)
    assert size == BIG_PAGE_BYTES


def test_a_binary_page(web: FakeWeb) -> None:
    response = httpx.get(f"{web.base['tools']}/downloads/cop-measurements.bin")
    assert response.headers["content-type"] == "application/octet-stream"
    assert b"\x00" in response.content and len(response.content) == 256 * 1024


def test_the_live_page_changes_between_calls(web: FakeWeb) -> None:
    url = f"{web.base['tools']}/live/price-index"
    first, second = httpx.get(url).text, httpx.get(url).text
    assert first != second
    assert "Update 1:" in first and "Update 2:" in second
    assert web.text(url).split("\n\n")[1] in second

    web.live_changes = False
    assert httpx.get(url).text == httpx.get(url).text
    web.bump_live()
    assert "Update 3:" in httpx.get(url).text


def test_page_latency_and_faults_are_scripted(web: FakeWeb) -> None:
    url = web.url("lab/explainers/ground-source")
    web.delay = 0.2
    started = time.monotonic()
    httpx.get(f"{web.base['lab']}/robots.txt")
    assert time.monotonic() - started >= 0.2
    web.delay = 0.0

    web.set_delay(url, 0.3)
    started = time.monotonic()
    assert httpx.get(url).status_code == 200
    assert time.monotonic() - started >= 0.3

    web.fail_next(url, 503, 429, retry_after="2")
    first, second, third = httpx.get(url), httpx.get(url), httpx.get(url)
    assert (first.status_code, second.status_code, third.status_code) == (503, 429, 200)
    assert second.headers["retry-after"] == "2"
    assert web.hits(url) == 4
    assert web.fetched()[-1] == url


def test_sites_have_hosts_of_their_own(web: FakeWeb) -> None:
    hosts = {web.domain(site) for site in web.base}
    assert len(hosts) == len(web.base)
    assert all(host.startswith("127.") for host in hosts)


def _ordinal(day: str) -> int:
    from datetime import date

    return date.fromisoformat(day).toordinal()


def _us(ordinal: int) -> str:
    from datetime import date

    return date.fromordinal(ordinal).strftime("%m/%d/%Y")
