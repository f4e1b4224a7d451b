"""A written report as Markdown, HTML or JSON.

Everything in a report that came from sources, documents, templates or models is data. HTML escapes
all of it (html.escape) before the few tags we add ourselves: the only Markdown we convert is what
our writers are asked to produce ([n] markers and **bold**), so a small converter that runs after
escaping is safer than a general Markdown library. Markdown output backslash-escapes source titles
and neutralises raw HTML, so a hostile title can neither break the source list nor inject markup.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import quote, urlsplit

MARKER = re.compile(r"\[(\d+)\]")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_MD_INLINE_SPECIALS = re.compile(r"([\\`*_{}\[\]<>()#+!|~&])")
_MD_BLOCK_START = re.compile(r"^([#>+=-]|\*(?=\s))")
_MD_ORDERED_START = re.compile(r"^(\d+)([.)])")
_SAFE_URL_CHARS = ":/?#[]@!$&'()*+,;=%~"

CONTENT_TYPES = {
    "markdown": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "json": "application/json",
}
EXTENSIONS = {"markdown": "md", "html": "html", "json": "json"}
NO_SOURCES = "The research retrieved no sources."


@dataclass
class ReportDocument:
    report_id: str
    research_id: str
    title: str
    query: str
    generated_at: str
    sections: list[dict[str, Any]]  # {"title", "paragraphs": [str], "bullets": [str]}
    findings: list[dict[str, Any]]  # {"text", "citations": [n]}
    sources: list[dict[str, Any]]  # {"n", "title", "url", "published_at", "snippet", "origin"}
    template_id: str | None = None
    template_version: int | None = None
    dropped_citations: int = 0


def render(document: ReportDocument, fmt: str) -> str:
    if fmt == "html":
        return to_html(document)
    if fmt == "json":
        return to_json(document)
    return to_markdown(document)


def one_line(text: object) -> str:
    return " ".join(str(text or "").split())


def web_url(url: str) -> str | None:
    """The URL, percent-encoded, when it is safe to link to (http or https); None otherwise."""
    cleaned = one_line(url)
    parts = urlsplit(cleaned)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(cleaned, safe=_SAFE_URL_CHARS)


def source_date(source: dict[str, Any]) -> str:
    return one_line(source.get("published_at"))[:10]


# --- Markdown ------------------------------------------------------------------------------------
def md_text(text: object) -> str:
    """Any text as literal Markdown on one line: every character that could mean markup is escaped."""
    return _MD_INLINE_SPECIALS.sub(r"\\\1", one_line(text))


def md_prose(text: object) -> str:
    """A writer's paragraph: [n] markers and **bold** stay; raw HTML, links and block syntax do not."""
    line = one_line(text)
    line = line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("](", "]\\(")
    return _MD_ORDERED_START.sub(r"\1\\\2", _MD_BLOCK_START.sub(r"\\\1", line))


def to_markdown(document: ReportDocument) -> str:
    lines = [
        f"# {md_text(document.title)}",
        "",
        f"_Research {md_text(document.research_id)}, generated {md_text(document.generated_at)}_",
        "",
    ]
    for section in document.sections:
        lines += [f"## {md_text(section['title'])}", ""]
        for paragraph in section["paragraphs"]:
            lines += [md_prose(paragraph), ""]
        if section["bullets"]:
            lines += [f"- {md_prose(bullet)}" for bullet in section["bullets"]]
            lines.append("")
    lines += ["## Sources", ""]
    if not document.sources:
        lines.append(NO_SOURCES)
    for source in document.sources:
        url = web_url(str(source.get("url") or ""))
        where = f"<{url}>" if url else md_text(source.get("url"))
        date = source_date(source)
        lines.append(
            f"{int(source['n'])}. {md_text(source.get('title')) or where} \u2014 {where}"
            + (f" \u2014 {md_text(date)}" if date else "")
        )
    return "\n".join(lines).rstrip() + "\n"


# --- HTML ----------------------------------------------------------------------------------------
STYLE = """
body{margin:0;background:#f6f7f9;color:#1d2330;font:16px/1.6 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:46rem;margin:2rem auto;padding:2rem 2.5rem;background:#fff;border-radius:8px;
box-shadow:0 1px 3px rgba(0,0,0,.08)}
h1{font-size:1.7rem;line-height:1.25;margin:0 0 .3rem}h2{font-size:1.2rem;margin:2rem 0 .6rem;
border-bottom:1px solid #e3e6eb;padding-bottom:.3rem}.meta{color:#5b6475;font-size:.9rem;margin:0}
a{color:#1a56c4}a.cite{text-decoration:none;font-size:.8em;vertical-align:super}
ol.sources li{margin:.5rem 0;word-break:break-word}.snippet{color:#5b6475;font-size:.9rem;margin:.2rem 0 0}
.date{color:#5b6475}@media print{body{background:#fff}main{box-shadow:none;margin:0}}
"""


def html_prose(text: object) -> str:
    escaped = html.escape(one_line(text), quote=True)
    escaped = _BOLD.sub(r"<strong>\1</strong>", escaped)
    return MARKER.sub(r'<a class="cite" href="#source-\1">[\1]</a>', escaped)


def to_html(document: ReportDocument) -> str:
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # Belt and braces: even if something slipped through escaping, the page may not run scripts
        # or load anything from elsewhere.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        '<meta name="referrer" content="no-referrer">',
        f"<title>{esc(one_line(document.title))}</title>",
        f"<style>{STYLE.strip()}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{esc(one_line(document.title))}</h1>",
        f'<p class="meta">Research {esc(document.research_id)} \u00b7 generated {esc(document.generated_at)}</p>',
    ]
    for section in document.sections:
        parts += ["<section>", f"<h2>{esc(one_line(section['title']))}</h2>"]
        parts += [f"<p>{html_prose(p)}</p>" for p in section["paragraphs"]]
        if section["bullets"]:
            parts += ["<ul>", *(f"<li>{html_prose(b)}</li>" for b in section["bullets"]), "</ul>"]
        parts.append("</section>")
    parts += ["<section>", "<h2>Sources</h2>"]
    if not document.sources:
        parts.append(f"<p>{NO_SOURCES}</p>")
    parts.append('<ol class="sources">')
    for source in document.sources:
        n = int(source["n"])
        title = esc(one_line(source.get("title")) or one_line(source.get("url")))
        url = web_url(str(source.get("url") or ""))
        heading = f'<a href="{esc(url)}" rel="noopener noreferrer nofollow">{title}</a>' if url else title
        where = "" if url else f" \u2014 {esc(one_line(source.get('url')))}"
        date = source_date(source)
        dated = f' <span class="date">({esc(date)})</span>' if date else ""
        snippet = one_line(source.get("snippet"))
        quoted = f'<p class="snippet">{esc(snippet)}</p>' if snippet else ""
        parts.append(f'<li id="source-{n}" value="{n}">{heading}{where}{dated}{quoted}</li>')
    parts += ["</ol>", "</section>", "</main>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


# --- JSON ----------------------------------------------------------------------------------------
def to_json(document: ReportDocument) -> str:
    by_n = {int(s["n"]): s for s in document.sources}
    body = asdict(document)
    body["sections"] = [
        {**section, "citations": sorted({int(n) for text in _texts(section) for n in MARKER.findall(text)})}
        for section in document.sections
    ]
    body["findings"] = [
        {
            "text": finding["text"],
            "citations": finding["citations"],
            "sources": [_public(by_n[n]) for n in finding["citations"] if n in by_n],
        }
        for finding in document.findings
    ]
    body["sources"] = [
        _public(s) | {"snippet": s.get("snippet") or "", "origin": s.get("origin")} for s in document.sources
    ]
    # <, > and & as \u escapes: still the same JSON, and inert if someone pastes it into a page.
    text = json.dumps(body, ensure_ascii=False, indent=2)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") + "\n"


def _texts(section: dict[str, Any]) -> list[str]:
    return [*section["paragraphs"], *section["bullets"]]


def _public(source: dict[str, Any]) -> dict[str, Any]:
    return {
        "n": int(source["n"]),
        "title": source.get("title"),
        "url": source.get("url"),
        "published_at": source.get("published_at"),
    }
