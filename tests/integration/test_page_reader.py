"""The page reader against the stand-in web: main text out of HTML, PDFs and plain text; robots.txt obeyed;
and every hazard (internal addresses, redirects there, huge, silent, trickling and binary pages, redirect
loops) refused for its own reason, quickly, without reaching what it must not."""

from __future__ import annotations

import io
import socket
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pypdf
import pytest
from researcher_pro.core.config import Settings
from researcher_pro.core.net import AddressPolicy
from researcher_pro.providers.reader import Page, PageReader, PageUnreadable, ReaderLimits
from researcher_pro.providers.wiring import page_reader

from tests.fakes.pdf import build_pdf
from tests.fakes.web import BIG_PAGE_BYTES, METADATA_URL, PRIVATE_URL, FakeWeb

WEB = ("https", "http")


@pytest.fixture
def web(fake_web: FakeWeb) -> Iterator[FakeWeb]:
    fake_web.reset()
    yield fake_web
    fake_web.reset()


@pytest.fixture
def serve() -> Iterator[Callable[[str, bytes], str]]:
    """Serves one body with one Content-Type on 127.0.0.1 (no robots.txt); gives its URL."""
    servers: list[ThreadingHTTPServer] = []

    def start(content_type: str, body: bytes) -> str:
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                found = self.path != "/robots.txt"
                self.send_response(200 if found else 404)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body) if found else 0))
                self.end_headers()
                self.wfile.write(body if found else b"")

            def log_message(self, format: str, *args: Any) -> None:
                return

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/page"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every address a connection is opened to, in order."""
    opened: list[str] = []
    real = socket.create_connection

    def recording(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        opened.append(address[0])
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", recording)
    return opened


def local_reader(timeout_seconds: float = 5.0, **limits: Any) -> PageReader:
    """A reader that may reach loopback, as RP_FETCH_ALLOW_LOOPBACK=true builds it: the stand-in web lives there."""
    return PageReader(ReaderLimits(timeout_seconds=timeout_seconds, **limits), AddressPolicy(True, WEB))


def read(reader: PageReader, url: str, seconds: float = 30.0) -> Page:
    return reader.read(url, time.monotonic() + seconds)


def refused(reader: PageReader, url: str, seconds: float = 30.0) -> PageUnreadable:
    with pytest.raises(PageUnreadable) as failure:
        read(reader, url, seconds)
    return failure.value


def timed[T](call: Callable[[], T]) -> tuple[T, float]:
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


# --- what a page reads to ----------------------------------------------------------------------------------


def test_an_article_reads_to_its_main_text_without_the_page_around_it(web: FakeWeb) -> None:
    url = web.url("association/articles/field-data-far-north")
    article = web.article(url)
    assert article

    page = read(local_reader(), url)

    assert page.title == article.title
    assert page.content_type == "text/html" and page.url == page.final_url == url
    for paragraph in article.paragraphs:
        assert paragraph in page.text
    # Paragraphs stay apart, so passages can be cut on them.
    assert article.paragraphs[0] + "\n\n" + article.paragraphs[1] in page.text
    for boilerplate in ("Accept all", "cookies", "All rights reserved", "Subscribe to our newsletter", "About us"):
        assert boilerplate not in page.text
    assert "dataLayer" not in page.text and "font-family" not in page.text
    assert page.fetched_at.endswith("Z")


def test_the_user_agent_names_researcher_pro(web: FakeWeb) -> None:
    read(local_reader(), web.url("lab/explainers/ground-source"))
    agents = {request.headers.get("User-Agent", "") for request in web.requests}
    assert len(web.requests) == 2  # robots.txt, then the page
    assert all(agent.startswith("ResearcherPro/") for agent in agents)


def test_a_pdf_reads_to_the_text_of_its_pages(web: FakeWeb) -> None:
    url = web.url("lab/reports/kallax-final-report.pdf")
    page = read(local_reader(), url)

    assert page.content_type == "application/pdf"
    assert page.title == "Kallax Field Trial: final report"
    words = " ".join(page.text.split())
    sentences = [fact.sentence for fact in web.facts() if fact.url == url]
    assert sentences and all(sentence in words for sentence in sentences)


def test_a_plain_text_page_reads_as_it_is(web: FakeWeb) -> None:
    url = web.url("stats/surveys/hammerfest-retrofit-survey.txt")
    page = read(local_reader(), url)
    assert page.content_type == "text/plain"
    assert page.text == web.text(url)


def test_redirects_are_followed_to_the_page(web: FakeWeb) -> None:
    reader = local_reader()
    moved = read(reader, f"{web.base['association']}/guides/old-cold-climate-guide")
    guide = web.url("association/guides/cold-climate-heat-pumps")
    assert moved.final_url == guide and moved.title == web.article(guide).title  # type: ignore[union-attr]

    elsewhere = read(reader, f"{web.base['tools']}/go/efficiency")
    explainer = web.url("lab/explainers/efficiency-at-low-temperatures")
    assert elsewhere.final_url == explainer
    assert web.text(explainer).split("\n\n")[1] in elsewhere.text


def test_pages_read_at_once_from_many_threads(web: FakeWeb) -> None:
    reader = local_reader()
    keys = [
        "association/articles/field-data-far-north",
        "association/articles/how-heat-pumps-work",
        "association/news/winter-grid-heat-pumps",
        "lab/explainers/ground-source",
        "lab/explainers/efficiency-at-low-temperatures",
        "forum/threads/undersized-units",
        "forum/threads/defrost-cold-air",
        "stats/surveys/hammerfest-retrofit-survey.txt",
    ]
    urls = [web.url(key) for key in keys]
    with ThreadPoolExecutor(max_workers=len(urls)) as pool:
        pages = list(pool.map(lambda url: read(reader, url), urls))

    assert [page.final_url for page in pages] == urls
    for url, page in zip(urls, pages, strict=True):
        assert web.text(url).split("\n\n")[1] in page.text
    # Each site's robots.txt was read once, however many of its pages were read at the same time.
    robots = [request.site for request in web.requests if request.path == "/robots.txt"]
    assert sorted(robots) == ["association", "forum", "lab", "stats"]


# --- robots.txt --------------------------------------------------------------------------------------------


def test_a_page_robots_txt_disallows_is_never_fetched(web: FakeWeb) -> None:
    reader = local_reader()
    members = web.url("forum/members/noise-complaints")

    failure = refused(reader, members)

    assert failure.reason == "robots"
    assert web.hits(members) == 0
    # The same site's other pages are read, with the rules already known.
    read(reader, web.url("forum/threads/undersized-units"))
    assert web.hits(f"{web.base['forum']}/robots.txt") == 1


def test_a_site_without_robots_txt_is_read(web: FakeWeb) -> None:
    url = web.url("stats/notes/solar-arctic")
    read(local_reader(), url)
    assert web.hits(f"{web.base['stats']}/robots.txt") == 1  # answered 404: no rules
    assert web.hits(url) == 1


def test_a_site_whose_robots_txt_fails_is_left_alone_for_a_while(web: FakeWeb) -> None:
    reader = local_reader()
    web.fail_next(f"{web.base['lab']}/robots.txt", 503)
    first, second = web.url("lab/explainers/ground-source"), web.url("lab/notes/boden-acoustics-panel")

    failure = refused(reader, first)
    assert failure.reason == "robots" and "503" in failure.detail
    assert refused(reader, second).reason == "robots"

    assert web.hits(first) == web.hits(second) == 0
    assert web.hits(f"{web.base['lab']}/robots.txt") == 1


# --- addresses ---------------------------------------------------------------------------------------------


def test_a_result_at_an_internal_address_is_refused_without_connecting(web: FakeWeb, connections: list[str]) -> None:
    reader = local_reader()
    for url in (PRIVATE_URL, METADATA_URL, "http://[::ffff:a9fe:a9fe]/latest/meta-data/"):
        assert refused(reader, url).reason == "address"
    assert connections == []


@pytest.mark.parametrize("path", ["/out/sizing-calculator", "/out/sizing-calculator-v6"])
def test_a_redirect_to_the_metadata_service_is_refused_without_connecting_to_it(
    web: FakeWeb, connections: list[str], path: str
) -> None:
    url = f"{web.base['tools']}{path}"
    failure = refused(local_reader(), url)

    assert failure.reason == "address" and "link-local" in failure.detail
    assert web.hits(url) == 1
    assert connections and all(address.startswith("127.") for address in connections)


def test_without_the_loopback_setting_a_loopback_page_is_never_fetched(web: FakeWeb, connections: list[str]) -> None:
    url = web.url("lab/explainers/ground-source")
    failure = refused(page_reader(Settings()), url)

    assert failure.reason == "address" and "loopback" in failure.detail
    assert web.requests == [] and connections == []


def test_the_loopback_setting_lets_the_reader_reach_loopback(web: FakeWeb) -> None:
    reader = page_reader(Settings.from_environ({"RP_FETCH_ALLOW_LOOPBACK": "true"}))
    assert read(reader, web.url("lab/explainers/ground-source")).title


def test_the_connection_goes_to_the_address_that_was_checked(web: FakeWeb, connections: list[str]) -> None:
    # A name no DNS knows, resolved by the policy to the lab site: the page arrives only if the connection
    # went to that address, and the site is asked for the name in the URL.
    lab = web.base["lab"].removeprefix("http://")
    address, port = lab.rsplit(":", 1)
    reader = PageReader(ReaderLimits(timeout_seconds=5), AddressPolicy(True, WEB, lambda host, port: [address]))

    page = read(reader, f"http://reports.example.test:{port}/explainers/ground-source")

    assert page.final_url == f"http://reports.example.test:{port}/explainers/ground-source"
    assert web.requests[-1].headers["Host"] == f"reports.example.test:{port}"
    assert set(connections) == {address}


# --- limits ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/archive/test-reports", "/archive/test-reports-stream"])
def test_a_50_mb_page_is_refused_quickly_with_little_memory(web: FakeWeb, path: str) -> None:
    url = f"{web.base['tools']}{path}"
    reader = local_reader(max_bytes=1024 * 1024)
    # A first read loads what any read needs (modules, the TLS context, the site's robots.txt): not measured.
    read(reader, f"{web.base['tools']}/go/efficiency")

    tracemalloc.start()
    try:
        failure, seconds = timed(lambda: refused(reader, url))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert failure.reason == "too_large"
    assert seconds < 2.0
    assert peak < 8 * 1024 * 1024
    time.sleep(0.2)
    # Socket buffers hold a few megabytes at most: the server stopped long before 50 MB.
    assert web.bytes_sent(url) < BIG_PAGE_BYTES // 4


def test_a_page_that_never_answers_times_out_within_the_limit(web: FakeWeb) -> None:
    url = f"{web.base['tools']}/directory/installers"
    failure, seconds = timed(lambda: refused(local_reader(timeout_seconds=1.0), url))
    assert failure.reason == "timeout"
    assert 0.9 < seconds < 1.6


def test_a_trickling_page_times_out_within_the_limit(web: FakeWeb) -> None:
    web.trickle_interval = 0.1
    url = f"{web.base['tools']}/directory/installers-trickle"
    try:
        failure, seconds = timed(lambda: refused(local_reader(timeout_seconds=1.0), url))
    finally:
        web.trickle_interval = 0.5
    assert failure.reason == "timeout"
    assert 0.9 < seconds < 1.6
    assert web.bytes_sent(url) > 0  # it did answer, a byte at a time


def test_the_callers_deadline_wins_when_it_is_sooner(web: FakeWeb) -> None:
    url = f"{web.base['tools']}/directory/installers"
    failure, seconds = timed(lambda: refused(local_reader(timeout_seconds=10.0), url, seconds=0.5))
    assert failure.reason == "timeout" and seconds < 1.2


def test_a_binary_page_is_refused_for_its_type(web: FakeWeb) -> None:
    failure = refused(local_reader(), f"{web.base['tools']}/downloads/cop-measurements.bin")
    assert failure.reason == "content_type" and "application/octet-stream" in failure.detail


def test_a_redirect_loop_is_given_up(web: FakeWeb) -> None:
    url = f"{web.base['tools']}/go/loop-a"
    assert refused(local_reader(), url).reason == "redirects"
    assert web.hits(url) + web.hits(f"{web.base['tools']}/go/loop-b") == 6  # the first request and 5 redirects


def test_an_error_status_is_refused_with_its_code(web: FakeWeb) -> None:
    url = web.url("lab/explainers/ground-source")
    web.fail_next(url, 503)
    failure = refused(local_reader(), url)
    assert failure.reason == "status" and "503" in failure.detail
    missing = refused(local_reader(), f"{web.base['lab']}/no/such/page")
    assert missing.reason == "status" and "404" in missing.detail


def test_a_closed_port_is_a_connection_failure(web: FakeWeb) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    assert refused(local_reader(), f"http://127.0.0.1:{port}/page").reason == "connection"


# --- bodies that give no text --------------------------------------------------------------------------------


def encrypted_pdf(user_password: str) -> bytes:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(build_pdf("Sealed", ["A sealed finding."]))))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_corrupt_or_password_protected_pdf_is_unreadable(serve: Callable[[str, bytes], str]) -> None:
    corrupt = refused(local_reader(), serve("application/pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog"))
    assert corrupt.reason == "unreadable" and "PDF" in corrupt.detail

    sealed = refused(local_reader(), serve("application/pdf", encrypted_pdf("secret")))
    assert sealed.reason == "unreadable" and "password" in sealed.detail

    # Encrypted only to restrict copying or printing: anyone may open it, and so do we.
    restricted = read(local_reader(), serve("application/pdf", encrypted_pdf("")))
    assert "A sealed finding." in restricted.text


def test_a_page_with_no_text_is_empty(serve: Callable[[str, bytes], str]) -> None:
    html = b"<html><head><title>Loading</title></head><body><div id='app'></div><script>boot()</script></body></html>"
    assert refused(local_reader(), serve("text/html; charset=utf-8", html)).reason == "empty"
    assert refused(local_reader(), serve("text/plain", b"  \n\n ")).reason == "empty"


def test_text_is_decoded_by_its_declared_charset_else_as_utf8(serve: Callable[[str, bytes], str]) -> None:
    text = "Värmepumpar i kyla: mätningar från Luleå."
    latin = read(local_reader(), serve("text/plain; charset=ISO-8859-1", text.encode("latin-1")))
    assert latin.text == text
    undeclared = read(local_reader(), serve("text/plain", text.encode("utf-8") + b" \xff"))
    assert undeclared.text == text + " \ufffd"


def test_markdown_keeps_its_text_and_its_first_heading_as_title(serve: Callable[[str, bytes], str]) -> None:
    body = "Intro line.\n\n# Cold-climate field notes\n\nPumps kept working at minus 25 degrees.\n"
    page = read(local_reader(), serve("text/markdown; charset=utf-8", body.encode()))
    assert page.title == "Cold-climate field notes"
    assert page.text == body.strip() and page.content_type == "text/markdown"
