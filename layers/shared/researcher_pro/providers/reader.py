"""Reading a web page for research: fetched safely and politely, kept as its main text.

Safely: the URL and every redirect target pass the address guard of core/net.py, and each connection
goes to an address that passed it; at most `max_redirects` redirects are followed. One deadline bounds
everything a page takes (its robots.txt, redirects, connecting, every read), so a server that never
answers, or one that trickles a byte at a time, costs a worker at most `timeout_seconds`. A body is
streamed and dropped as soon as it passes `max_bytes`, and only the types we can extract text from are
read at all. Bodies are asked for uncompressed: a compressed body can inflate a thousandfold in one read,
past any byte limit we could hold it to.

Politely: the User-Agent names us, and robots.txt is obeyed for our token, `ResearcherPro`, as RFC 9309
says: rules that cannot be found (any 4xx) allow everything; a server error (5xx) on robots.txt means the
site's rules are unknown, so its pages are not fetched (refused as `robots`) and that verdict is kept for
`robots_retry_seconds`; a robots.txt that times out or cannot be connected to fails the page read with it
(`timeout`, `connection`), unremembered. Rules are kept per site (scheme, host, port) for
`robots_ttl_seconds`, for this container. Crawl-delay is not honoured: a research round reads a few pages
of many sites, once each.

Text: HTML's main text without navigation and boilerplate, every page of a PDF (both read by
providers/extract.py, as uploaded documents are), plain text and Markdown as they are. A page that
cannot be read raises PageUnreadable with one of REASONS, which the research loop counts.

Thread-safe: the loop reads a round's pages at once. Each read has its own connections (see
core/net.PinnedSession); the robots.txt cache is shared.
"""

from __future__ import annotations

import threading
import time
import urllib.robotparser
from collections import OrderedDict
from dataclasses import dataclass
from typing import Literal, get_args
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx

from researcher_pro.core.clock import now_rfc3339
from researcher_pro.core.config import VERSION
from researcher_pro.core.net import AddressPolicy, PinnedSession, Target, UnsafeAddress
from researcher_pro.providers.extract import Unextractable, html_text, markdown_title, parse_content_type, pdf_text

Reason = Literal[
    "address",
    "robots",
    "too_large",
    "timeout",
    "content_type",
    "status",
    "redirects",
    "empty",
    "unreadable",
    "connection",
]
REASONS: tuple[Reason, ...] = get_args(Reason)
ROBOTS_AGENT = "ResearcherPro"
USER_AGENT = f"{ROBOTS_AGENT}/{VERSION} (research assistant; reads pages to cite them; obeys robots.txt)"
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = frozenset({"text/plain", "text/markdown"})
PDF_TYPE = "application/pdf"
READABLE_TYPES = HTML_TYPES | TEXT_TYPES | {PDF_TYPE}
_HEADERS = {
    "User-Agent": USER_AGENT,
    "Accept": "text/html,application/xhtml+xml,text/markdown;q=0.9,text/plain;q=0.9,application/pdf;q=0.8",
    "Accept-Encoding": "identity",
}


class PageUnreadable(Exception):
    """A page that could not be read. `reason` is one of REASONS; `detail` says what happened."""

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Page:
    """A page as read: `url` as asked for, `final_url` where it was read after redirects, `title` as the page
    names itself ("" when it does not), `content_type` its media type, `fetched_at` RFC 3339."""

    url: str
    final_url: str
    title: str
    text: str
    content_type: str
    fetched_at: str


@dataclass(frozen=True)
class ReaderLimits:
    max_bytes: int = 5 * 1024 * 1024
    timeout_seconds: float = 10.0
    max_redirects: int = 5
    robots_max_bytes: int = 512 * 1024  # what RFC 9309 asks crawlers to parse at least; the rest is ignored
    robots_ttl_seconds: float = 3600.0  # RFC 9309: at most 24 hours
    robots_retry_seconds: float = 300.0  # how long a robots.txt answering 5xx keeps its site closed
    robots_sites: int = 2048  # sites whose rules a container remembers


@dataclass(frozen=True)
class _Rules:
    """A site's robots.txt as we obey it until `expires`: its rules (None: it has none, everything is
    allowed), or why the whole site is off limits (its robots.txt answered with a server error)."""

    parser: urllib.robotparser.RobotFileParser | None
    expires: float
    closed: str | None = None


class PageReader:
    def __init__(self, limits: ReaderLimits, policy: AddressPolicy) -> None:
        self._limits = limits
        self._policy = policy
        self._rules: OrderedDict[tuple[str, str, int], _Rules] = OrderedDict()
        self._rules_lock = threading.Lock()
        self._fetching: dict[tuple[str, str, int], threading.Lock] = {}

    def read(self, url: str, deadline: float) -> Page:
        """The page at `url`, read by `deadline` (a `time.monotonic()` instant) or within the page time limit,
        whichever comes first; PageUnreadable when it cannot be."""
        deadline = min(deadline, time.monotonic() + self._limits.timeout_seconds)
        if deadline <= time.monotonic():
            raise PageUnreadable("timeout", "no time was left to read the page")
        try:
            with PinnedSession(deadline) as session:
                final_url, media_type, charset, body = self._fetch(session, url, deadline)
        except httpx.TimeoutException as error:
            raise PageUnreadable("timeout", f"the page was not read in time ({type(error).__name__})") from error
        except httpx.DecodingError as error:
            raise PageUnreadable("unreadable", f"the body could not be decoded: {error}") from error
        except httpx.InvalidURL as error:
            raise PageUnreadable("address", f"not a valid URL: {error}") from error
        except httpx.HTTPError as error:
            raise PageUnreadable("connection", f"{type(error).__name__}: {error}") from error
        title, text = _extract(media_type, charset, body, final_url)
        text = text.strip()
        if not text:
            raise PageUnreadable("empty", f"no text could be extracted from the {media_type} page")
        return Page(url, final_url, title.strip(), text, media_type, now_rfc3339())

    # --- fetching ------------------------------------------------------------------------------------------

    def _fetch(self, session: PinnedSession, url: str, deadline: float) -> tuple[str, str, str | None, bytes]:
        """(final URL, media type, charset, body) of the page, redirects followed."""
        current = urldefrag(url.strip()).url
        for _ in range(self._limits.max_redirects + 1):
            target = self._target(current)
            self._obey_robots(session, current, target, deadline)
            with session.send("GET", current, target, headers=_HEADERS) as response:
                if response.is_redirect:
                    current = urldefrag(urljoin(current, response.headers["location"].strip())).url
                    continue
                if not 200 <= response.status_code < 300:
                    raise PageUnreadable("status", f"HTTP {response.status_code}")
                media_type, charset = parse_content_type(response.headers.get("content-type"))
                if media_type not in READABLE_TYPES:
                    raise PageUnreadable("content_type", f"{media_type or 'no content type'} is not a page we read")
                return current, media_type, charset, self._body(response)
        raise PageUnreadable("redirects", f"more than {self._limits.max_redirects} redirects")

    def _target(self, url: str) -> Target:
        try:
            return self._policy.check(url)
        except UnsafeAddress as unsafe:
            raise PageUnreadable("address", f"{url}: {unsafe.detail}") from unsafe

    def _body(self, response: httpx.Response) -> bytes:
        limit = self._limits.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise PageUnreadable("too_large", f"the page is {int(declared)} bytes; the limit is {limit}")
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > limit:
                raise PageUnreadable("too_large", f"the page passed the limit of {limit} bytes")
        return bytes(body)

    # --- robots.txt ----------------------------------------------------------------------------------------

    def _obey_robots(self, session: PinnedSession, url: str, target: Target, deadline: float) -> None:
        rules = self._site_rules(session, url, target, deadline)
        if rules.closed:
            raise PageUnreadable("robots", rules.closed)
        if rules.parser and not rules.parser.can_fetch(ROBOTS_AGENT, url):
            raise PageUnreadable("robots", f"robots.txt does not allow {ROBOTS_AGENT} to read {url}")

    def _site_rules(self, session: PinnedSession, url: str, target: Target, deadline: float) -> _Rules:
        parts = urlsplit(url)
        site = (parts.scheme.lower(), target.host, target.port)
        with self._rules_lock:
            rules = self._fresh(site)
            if rules:
                return rules
            fetching = self._fetching.setdefault(site, threading.Lock())
        # One read of a site's robots.txt at a time: pages of one site read at once wait for it.
        if not fetching.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise PageUnreadable("timeout", "robots.txt was still being read when the time ran out")
        try:
            with self._rules_lock:
                rules = self._fresh(site)
            if rules:
                return rules
            rules = self._read_rules(session, f"{parts.scheme}://{parts.netloc}/robots.txt")
            with self._rules_lock:
                self._rules[site] = rules
                self._rules.move_to_end(site)
                while len(self._rules) > self._limits.robots_sites:
                    self._rules.popitem(last=False)
            return rules
        finally:
            with self._rules_lock:
                self._fetching.pop(site, None)
            fetching.release()

    def _fresh(self, site: tuple[str, str, int]) -> _Rules | None:
        rules = self._rules.get(site)
        return rules if rules and rules.expires > time.monotonic() else None

    def _read_rules(self, session: PinnedSession, robots_url: str) -> _Rules:
        now = time.monotonic()
        kept = now + self._limits.robots_ttl_seconds
        current = robots_url
        try:
            for _ in range(self._limits.max_redirects + 1):
                try:
                    target = self._policy.check(current)
                except UnsafeAddress:
                    break  # a robots.txt we may not fetch is one we cannot find: no rules
                with session.send("GET", current, target, headers=_HEADERS) as response:
                    status = response.status_code
                    if response.is_redirect:
                        current = urljoin(current, response.headers["location"].strip())
                        continue
                    if 200 <= status < 300:
                        parser = urllib.robotparser.RobotFileParser(robots_url)
                        parser.parse(self._robots_text(response).splitlines())
                        return _Rules(parser, kept)
                    if status >= 500:
                        closed = f"robots.txt answered HTTP {status}: the site's rules are unknown, so it is not read"
                        return _Rules(None, now + self._limits.robots_retry_seconds, closed)
                    break  # 4xx, or an answer that is no robots.txt: no rules
        except httpx.TimeoutException as error:
            raise PageUnreadable("timeout", "robots.txt was not read in time") from error
        except httpx.HTTPError as error:
            raise PageUnreadable("connection", f"robots.txt could not be read: {type(error).__name__}") from error
        return _Rules(None, kept)

    def _robots_text(self, response: httpx.Response) -> str:
        kept = bytearray()
        for chunk in response.iter_bytes():
            kept += chunk
            if len(kept) >= self._limits.robots_max_bytes:
                break
        return bytes(kept[: self._limits.robots_max_bytes]).decode("utf-8", errors="replace")


# --- text extraction ---------------------------------------------------------------------------------------


def _extract(media_type: str, charset: str | None, body: bytes, url: str) -> tuple[str, str]:
    """(title, text) of a page's body."""
    try:
        if media_type in HTML_TYPES:
            # The header's charset wins; without one, the page's own <meta> declaration is read.
            extracted = html_text(body.decode(charset, errors="replace") if charset else body, url)
            return extracted.title, extracted.text
        if media_type == PDF_TYPE:
            extracted = pdf_text(body)
            return extracted.title, extracted.text
    except Unextractable as error:
        raise PageUnreadable("unreadable", error.detail) from error
    text = body.decode(charset or "utf-8-sig", errors="replace")
    return (markdown_title(text) if media_type == "text/markdown" else ""), text
