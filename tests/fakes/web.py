"""The stand-in web: the corpus of tests/fakes/web_corpus.py served over HTTP/1.1 on loopback.

Each site is its own threaded server on its own loopback address (127.0.0.2, 127.0.0.3, ...; all of
127.0.0.0/8 is loopback on Linux) and a free port, so URLs of different sites have different hosts and a
search domain filter can tell them apart. Pages are what a reader meets on the real web:

- HTML articles: the main text inside <article>, wrapped in navigation, a cookie banner, a sidebar, a
  footer, a <script> and a <style>; `Last-Modified` from the page's date;
- a PDF (application/pdf) written at run time by tests/fakes/pdf.py; plain text pages (text/plain);
- `/robots.txt` per site (one disallows /members/, where a searchable page lives; two sites have none: 404);
- hazards on the `tools` site, each in the search index too (unless `hazards=False`):
    /directory/installers          accepts the connection and never answers (until the web closes)
    /directory/installers-trickle  answers 200 and then sends one byte every `trickle_interval` seconds
    /archive/test-reports          a 50 MB HTML page with Content-Length, streamed, never held in memory
    /archive/test-reports-stream   the same 50 MB, chunked, with no Content-Length
    /downloads/cop-measurements.bin  application/octet-stream
    /out/sizing-calculator         302 to http://169.254.169.254/latest/meta-data/ (cloud metadata)
    /out/sizing-calculator-v6      302 to the same address written as IPv4-mapped IPv6
  and search results pointing straight at http://10.0.0.1/... and http://169.254.169.254/... (PHANTOMS:
  nothing serves them; a reader must refuse them before connecting, and so must a test);
- redirects that are fine: /guides/old-cold-climate-guide on `association` (301, same site, and the URL
  the search index knows for that guide), /go/efficiency on `tools` (302 to another site), and a loop
  /go/loop-a <-> /go/loop-b;
- /live/price-index on `tools`: a page whose text changes on every GET ("Update N: ... stands at ..."),
  or only when `bump_live` is called if `live_changes` is off.

Every request is recorded (`requests`, `hits`, `bytes_sent`); latency (`delay`, per path with
`set_delay`) and faults (`fail_next`) are scripted as for the JSON fakes.
"""

from __future__ import annotations

import html
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from tests.fakes.pdf import build_pdf
from tests.fakes.search_index import SearchDocument
from tests.fakes.text import contains_phrase
from tests.fakes.web_corpus import ARTICLES, FACTS, SITES, Article, Site

BIG_PAGE_BYTES = 50 * 1024 * 1024
BINARY_PAGE_BYTES = 256 * 1024
CHUNK = 64 * 1024
# Hazards are short and full of the topic's words, so BM25 would put them first everywhere; real search
# engines rank such pages lower. They still show up in most first pages of results.
HAZARD_WEIGHT = 0.5
METADATA_URL = "http://169.254.169.254/latest/meta-data/"
METADATA_URL_V6 = "http://[::ffff:a9fe:a9fe]/latest/meta-data/"
PRIVATE_URL = "http://10.0.0.1/reports/fleet-performance.html"
LIVE_PATH = "/live/price-index"
OLD_GUIDE_PATH = "/guides/old-cold-climate-guide"
GUIDE_PATH = "/guides/cold-climate-heat-pumps"


@dataclass(frozen=True)
class Hazard:
    """A page (or a phantom URL) that a reader must survive, as the search index knows it."""

    site: str | None  # None: a phantom URL that nothing serves
    path: str
    title: str
    text: str
    days_ago: int = 10


HAZARDS = (
    Hazard(
        "tools",
        "/directory/installers",
        "Directory of cold-climate heat pump installers",
        "Find certified installers of heat pumps for cold climates near you, with reviews and prices.",
    ),
    Hazard(
        "tools",
        "/directory/installers-trickle",
        "Cold-climate heat pump installers (mirror)",
        "A mirror of the installer directory for heat pumps in cold climates.",
    ),
    Hazard(
        "tools",
        "/archive/test-reports",
        "Archive of cold-climate heat pump test reports",
        "Every published laboratory test of heat pumps at low outdoor temperatures, on one page.",
    ),
    Hazard(
        "tools",
        "/archive/test-reports-stream",
        "Heat pump cold-weather test reports: full listing",
        "The complete listing of heat pump tests in cold weather, streamed as one page.",
    ),
    Hazard(
        "tools",
        "/downloads/cop-measurements.bin",
        "Raw COP measurements of heat pumps in cold weather (download)",
        "Raw logger output of coefficient of performance measurements of heat pumps in cold climates.",
    ),
    Hazard(
        "tools",
        "/out/sizing-calculator",
        "Cold-climate heat pump sizing calculator",
        "Size a heat pump for a cold climate from your home's heat loss and the local design temperature.",
    ),
    Hazard(
        "tools",
        "/out/sizing-calculator-v6",
        "Heat pump sizing calculator for cold climates (beta)",
        "The new version of the cold-climate heat pump sizing calculator.",
    ),
    Hazard(
        None,
        PRIVATE_URL,
        "Fleet performance of heat pumps in cold climates (internal report)",
        "Internal fleet data on how heat pumps perform in cold climates.",
    ),
    Hazard(
        None,
        METADATA_URL,
        "Heat pump cold climate instance data",
        "Instance data for the heat pump cold climate service.",
    ),
)

REDIRECTS = {
    ("association", OLD_GUIDE_PATH): (301, ("association", GUIDE_PATH)),
    ("tools", "/go/efficiency"): (302, ("lab", "/explainers/efficiency-at-low-temperatures")),
    ("tools", "/go/loop-a"): (302, ("tools", "/go/loop-b")),
    ("tools", "/go/loop-b"): (302, ("tools", "/go/loop-a")),
    ("tools", "/out/sizing-calculator"): (302, METADATA_URL),
    ("tools", "/out/sizing-calculator-v6"): (302, METADATA_URL_V6),
}


@dataclass(frozen=True)
class PlantedFact:
    """A fact of the corpus with its URLs resolved on this web."""

    id: str
    sentence: str
    url: str
    key_phrase: str
    hops: int
    lead: str | None
    lead_url: str | None
    lead_sentence: str | None
    query_terms: tuple[str, ...]

    @property
    def follow_up(self) -> bool:
        return self.hops > 0


@dataclass
class WebRequest:
    method: str
    url: str
    site: str
    path: str
    headers: dict[str, str]
    status: int | None = None
    bytes_sent: int = 0
    at: float = field(default_factory=time.monotonic)  # when it arrived


@dataclass
class _Script:
    faults: dict[tuple[str, str], deque[tuple[int, str | None]]] = field(default_factory=lambda: defaultdict(deque))
    delays: dict[tuple[str, str], float] = field(default_factory=dict)


def recovered(text: str, facts: list[PlantedFact]) -> list[str]:
    """The ids of the facts whose key phrase appears in `text` (case, accents and punctuation aside)."""
    return [fact.id for fact in facts if contains_phrase(text, fact.key_phrase)]


class FakeWeb:
    """The stand-in web. Starts serving on construction; `close()` stops every site."""

    def __init__(
        self,
        *,
        delay: float = 0.0,
        today: date | None = None,
        hazards: bool = True,
        stall_seconds: float = 120.0,
        trickle_interval: float = 0.5,
    ) -> None:
        self.default_delay = delay
        self.delay = delay  # seconds before every answer, robots.txt included; `reset` restores it
        self.today = today or date.today()
        self.hazards = hazards
        self.stall_seconds = stall_seconds
        self.trickle_interval = trickle_interval
        self.requests: list[WebRequest] = []
        # The live page's version: every GET moves it on by one and serves the new one, unless
        # `live_changes` is off; `bump_live` moves it on without a request.
        self.live_version = 0
        self.live_changes = True
        self._script = _Script()
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._sites = {site.key: site for site in SITES}
        self._articles = {(a.site, a.path): a for a in ARTICLES}
        self._pdfs: dict[tuple[str, str], bytes] = {}
        self._servers: dict[str, ThreadingHTTPServer] = {}
        self.base: dict[str, str] = {}  # site key -> "http://127.0.0.N:port"
        for number, site in enumerate(SITES, start=2):
            server = self._serve(site.key, f"127.0.0.{number}")
            host, port = server.server_address[:2]
            assert isinstance(host, str)
            self._servers[site.key] = server
            self.base[site.key] = f"http://{host}:{port}"
        self._by_netloc = {urlsplit(base).netloc: key for key, base in self.base.items()}

    # --- lifecycle -------------------------------------------------------------------------------------

    def close(self) -> None:
        self._closing.set()
        for server in self._servers.values():
            server.shutdown()
            server.server_close()

    def __enter__(self) -> FakeWeb:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._script = _Script()
            self.live_version = 0
        self.live_changes = True
        self.delay = self.default_delay

    # --- addresses and content ---------------------------------------------------------------------------

    def url(self, key: str) -> str:
        """The URL of a page by its key, "site/path" (e.g. "lab/reports/kallax-final-report.pdf")."""
        site, _, path = key.partition("/")
        return f"{self.base[site]}/{path}"

    def domain(self, site: str) -> str:
        """What a search domain filter names to mean this site (its host: an address of its own)."""
        return urlsplit(self.base[site]).hostname or ""

    def article(self, url: str) -> Article | None:
        parts = urlsplit(url)
        site = self._by_netloc.get(parts.netloc)
        return self._articles.get((site, parts.path)) if site else None

    def text(self, url: str) -> str:
        """The main text a reader should extract from a page of the corpus (for the live page: the
        version it served last)."""
        parts = urlsplit(url)
        if self._by_netloc.get(parts.netloc) == "tools" and parts.path == LIVE_PATH:
            return self._live_text(self.live_version)
        article = self.article(url)
        if article is None:
            raise KeyError(url)
        return article.text

    def facts(self) -> list[PlantedFact]:
        return [
            PlantedFact(
                id=f.id,
                sentence=f.sentence,
                url=self.url(f.page),
                key_phrase=f.key_phrase,
                hops=f.hops,
                lead=f.lead,
                lead_url=self.url(f.lead_page) if f.lead_page else None,
                lead_sentence=f.lead_sentence,
                query_terms=f.query_terms,
            )
            for f in FACTS
        ]

    def search_documents(self) -> list[SearchDocument]:
        """What the search index knows: every article (the old guide URL stands for the guide, as search
        engines keep redirected URLs), the live page, and the hazards unless `hazards=False`."""
        documents = []
        for article in ARTICLES:
            path = OLD_GUIDE_PATH if (article.site, article.path) == ("association", GUIDE_PATH) else article.path
            documents.append(
                SearchDocument(
                    url=f"{self.base[article.site]}{path}",
                    title=article.title,
                    text="\n\n".join(article.paragraphs),
                    date=self._day(article.published_days_ago),
                    last_updated=self._day(article.updated_days_ago or article.published_days_ago),
                    language=article.language,
                    country=self._sites[article.site].country,
                    gates=article.gates,
                )
            )
        documents.append(
            SearchDocument(
                url=f"{self.base['tools']}{LIVE_PATH}",
                title="Cold-climate heat pump price index",
                text=self._live_text(0).split("\n\n", 1)[1],
                date=self._day(0),
                last_updated=self._day(0),
                country="US",
            )
        )
        for hazard in HAZARDS if self.hazards else ():
            url = f"{self.base[hazard.site]}{hazard.path}" if hazard.site else hazard.path
            documents.append(
                SearchDocument(
                    url=url,
                    title=hazard.title,
                    text=hazard.text,
                    date=self._day(hazard.days_ago),
                    country="US",
                    weight=HAZARD_WEIGHT,
                )
            )
        return documents

    # --- scripting and records -------------------------------------------------------------------------------

    def set_delay(self, url: str, seconds: float) -> None:
        """Latency for one page only, on top of `delay`."""
        with self._lock:
            self._script.delays[self._where(url)] = seconds

    def fail_next(self, url: str, *statuses: int, retry_after: str | None = None) -> None:
        """The next GETs of `url` answer these statuses, one each, before the page answers again."""
        with self._lock:
            self._script.faults[self._where(url)].extend((s, retry_after) for s in statuses)

    def bump_live(self) -> int:
        with self._lock:
            self.live_version += 1
            return self.live_version

    def hits(self, url: str, method: str = "GET") -> int:
        where = self._where(url)
        with self._lock:
            return sum(1 for r in self.requests if (r.site, r.path) == where and r.method == method)

    def bytes_sent(self, url: str) -> int:
        where = self._where(url)
        with self._lock:
            return sum(r.bytes_sent for r in self.requests if (r.site, r.path) == where)

    def fetched(self) -> list[str]:
        """URLs of the pages requested with GET, in order, robots.txt aside."""
        with self._lock:
            return [r.url for r in self.requests if r.method == "GET" and r.path != "/robots.txt"]

    def _where(self, url: str) -> tuple[str, str]:
        parts = urlsplit(url)
        return self._by_netloc[parts.netloc], parts.path or "/"

    def _day(self, days_ago: int) -> str:
        return (self.today - timedelta(days=days_ago)).isoformat()

    # --- serving ---------------------------------------------------------------------------------------------

    def _serve(self, site: str, address: str) -> ThreadingHTTPServer:
        web = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "stand-in-web/1.0"

            def do_GET(self) -> None:
                web._handle(self, site)

            def do_HEAD(self) -> None:
                web._handle(self, site)

            def log_message(self, format: str, *args: Any) -> None:
                return

        try:
            server = ThreadingHTTPServer((address, 0), Handler)
        except OSError:
            # Systems that route only 127.0.0.1: sites then differ by port alone.
            server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        # A short poll interval: shutting six sites down at the default 0.5 s each is felt in every run.
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return server

    def _handle(self, handler: BaseHTTPRequestHandler, site: str) -> None:
        path = urlsplit(handler.path).path or "/"
        record = WebRequest(
            handler.command, f"{self.base[site]}{handler.path}", site, path, dict(handler.headers.items())
        )
        with self._lock:
            self.requests.append(record)
            faults = self._script.faults.get((site, path))
            fault = faults.popleft() if faults else None
            delay = self.delay + self._script.delays.get((site, path), 0.0)
        if delay:
            time.sleep(delay)
        try:
            if fault:
                status, retry_after = fault
                headers = {"Retry-After": retry_after} if retry_after else {}
                self._send(handler, record, status, "text/plain; charset=utf-8", f"HTTP {status}\n".encode(), headers)
            else:
                self._route(handler, record, site, path)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (a size or time limit): that is what several pages are for.
            handler.close_connection = True

    def _route(self, handler: BaseHTTPRequestHandler, record: WebRequest, site: str, path: str) -> None:
        if path == "/robots.txt":
            robots = self._sites[site].robots
            if robots is None:
                self._send(handler, record, 404, "text/plain; charset=utf-8", b"Not found\n")
            else:
                self._send(handler, record, 200, "text/plain; charset=utf-8", robots.encode())
            return
        if (site, path) in REDIRECTS:
            status, target = REDIRECTS[(site, path)]
            location = target if isinstance(target, str) else f"{self.base[target[0]]}{target[1]}"
            self._send(handler, record, status, "text/html; charset=utf-8", b"", {"Location": location})
            return
        hazards = {
            "/directory/installers": self._stall,
            "/directory/installers-trickle": self._trickle,
            "/archive/test-reports": lambda h, r: self._big(h, r, chunked=False),
            "/archive/test-reports-stream": lambda h, r: self._big(h, r, chunked=True),
            "/downloads/cop-measurements.bin": self._binary,
        }
        if site == "tools" and path in hazards:
            hazards[path](handler, record)
            return
        if site == "tools" and path == LIVE_PATH:
            version = self.bump_live() if handler.command == "GET" and self.live_changes else self.live_version
            page = self._html(self._sites[site], "Cold-climate heat pump price index", self._live_paras(version))
            self._send(handler, record, 200, "text/html; charset=utf-8", page, {"Cache-Control": "no-cache"})
            return
        article = self._articles.get((site, path))
        if article is None:
            self._send(handler, record, 404, "text/html; charset=utf-8", b"<h1>Not found</h1>")
            return
        updated = self.today - timedelta(days=article.updated_days_ago or article.published_days_ago)
        headers = {"Last-Modified": format_datetime(datetime.combine(updated, datetime.min.time(), UTC), usegmt=True)}
        if article.kind == "pdf":
            body = self._pdf(article)
            self._send(handler, record, 200, "application/pdf", body, headers)
        elif article.kind == "text":
            self._send(handler, record, 200, "text/plain; charset=utf-8", article.text.encode(), headers)
        else:
            page = self._html(self._sites[site], article.title, article.paragraphs, article)
            self._send(handler, record, 200, "text/html; charset=utf-8", page, headers)

    def _send(
        self,
        handler: BaseHTTPRequestHandler,
        record: WebRequest,
        status: int,
        content_type: str,
        body: bytes,
        headers: dict[str, str] | None = None,
    ) -> None:
        record.status = status
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(body)
            record.bytes_sent += len(body)

    # --- hazards ---------------------------------------------------------------------------------------------

    def _stall(self, handler: BaseHTTPRequestHandler, record: WebRequest) -> None:
        # Accept, read the request, then say nothing at all.
        self._closing.wait(self.stall_seconds)
        handler.close_connection = True

    def _trickle(self, handler: BaseHTTPRequestHandler, record: WebRequest) -> None:
        record.status = 200
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.close_connection = True
        if handler.command == "HEAD":
            return
        deadline = time.monotonic() + self.stall_seconds
        while not self._closing.wait(self.trickle_interval) and time.monotonic() < deadline:
            handler.wfile.write(b" ")
            handler.wfile.flush()
            record.bytes_sent += 1

    def _big(self, handler: BaseHTTPRequestHandler, record: WebRequest, chunked: bool) -> None:
        record.status = 200
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        if chunked:
            handler.send_header("Transfer-Encoding", "chunked")
        else:
            handler.send_header("Content-Length", str(BIG_PAGE_BYTES))
        handler.end_headers()
        if handler.command == "HEAD":
            return
        for chunk in _big_page():
            if self._closing.is_set():
                handler.close_connection = True
                return
            frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" if chunked else chunk
            handler.wfile.write(frame)
            record.bytes_sent += len(chunk)
        if chunked:
            handler.wfile.write(b"0\r\n\r\n")

    def _binary(self, handler: BaseHTTPRequestHandler, record: WebRequest) -> None:
        body = bytes((i * 131 + 7) % 256 for i in range(BINARY_PAGE_BYTES))
        self._send(handler, record, 200, "application/octet-stream", body)

    # --- rendering -------------------------------------------------------------------------------------------

    def _live_paras(self, version: int) -> tuple[str, ...]:
        return (
            f"Update {version}: the index of installed cold-climate heat pump prices stands at "
            f"{100 + 0.5 * version:.1f} points.",
            "The index follows the median quoted price of an installed air-to-water heat pump and is updated "
            "whenever new quotes arrive.",
        )

    def _live_text(self, version: int) -> str:
        return "\n\n".join(("Cold-climate heat pump price index", *self._live_paras(version)))

    def _pdf(self, article: Article) -> bytes:
        key = (article.site, article.path)
        if key not in self._pdfs:
            self._pdfs[key] = build_pdf(article.title, article.paragraphs)
        return self._pdfs[key]

    def _html(self, site: Site, title: str, paragraphs: tuple[str, ...], article: Article | None = None) -> bytes:
        esc = html.escape
        day = self._day(article.published_days_ago) if article else self._day(0)
        nav = "".join(f'<li><a href="/">{esc(item)}</a></li>' for item in site.nav)
        byline = f"{esc(article.byline)} · " if article and article.byline else ""
        body = "\n".join(f"<p>{esc(p)}</p>" for p in paragraphs)
        lang = article.language if article else "en"
        return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>{esc(title)} | {esc(site.name)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta property="article:published_time" content="{day}">
<style>body {{ font-family: sans-serif; max-width: 48rem; margin: auto; }} .cookie {{ position: fixed; }}</style>
<script>window.dataLayer = window.dataLayer || []; function track(event) {{ dataLayer.push(event); }}</script>
</head>
<body>
<header>
<div class="logo"><a href="/">{esc(site.name)}</a></div>
<nav aria-label="Main"><ul>{nav}</ul></nav>
<div class="cookie">We use cookies to improve your experience.
<button>Accept all</button> <button>Settings</button></div>
</header>
<main>
<article>
<h1>{esc(title)}</h1>
<p class="byline">{byline}<time datetime="{day}">{day}</time></p>
{body}
</article>
<aside>
<h2>More from us</h2>
<ul><li><a href="/">Subscribe to our newsletter</a></li><li><a href="/">Find an installer near you</a></li>
<li><a href="/">Become a member</a></li></ul>
</aside>
</main>
<footer>
<p>Copyright {self.today.year} {esc(site.name)}. All rights reserved.</p>
<p><a href="/privacy">Privacy policy</a> · <a href="/cookies">Cookie settings</a> · <a href="/contact">Contact</a></p>
</footer>
</body>
</html>
""".encode()


def _big_page() -> Iterator[bytes]:
    """BIG_PAGE_BYTES of HTML in CHUNK-sized pieces, generated as it is sent."""
    head = b"<!DOCTYPE html><html><head><title>Test report archive</title></head><body><main><article>\n"
    row = b"<p>Test report: an air-source heat pump tested at minus 20 degrees Celsius delivered its rated heat.</p>\n"
    block = (head + row * (CHUNK // len(row) + 1))[:CHUNK]
    tail = (row * (CHUNK // len(row) + 1))[:CHUNK]
    sent = 0
    first = True
    while sent < BIG_PAGE_BYTES:
        chunk = (block if first else tail)[: BIG_PAGE_BYTES - sent]
        first = False
        sent += len(chunk)
        yield chunk
