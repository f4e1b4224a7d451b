"""Citations must point at sources that were really retrieved; URLs are compared in normal form."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMS = re.compile(r"^(utm_.*|fbclid|gclid|mc_cid|mc_eid|ref|ref_src)$")
_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


def normalise_url(url: str) -> str:
    """Same page, same key: case, default ports, fragments, trailing slashes and tracking params ignored."""
    parts = urlsplit(url.strip())
    if not parts.scheme:
        return url.strip().rstrip("/").lower()
    host = (parts.hostname or "").lower().removeprefix("www.")
    if parts.port and (parts.scheme, parts.port) not in {("http", 80), ("https", 443)}:
        host = f"{host}:{parts.port}"
    path = re.sub(r"/+", "/", parts.path).rstrip("/") or "/"
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query) if not TRACKING_PARAMS.match(k)))
    scheme = "https" if parts.scheme in ("http", "https") else parts.scheme
    return urlunsplit((scheme, host, path, query, ""))


def keep_retrieved_citations(
    findings: list[dict[str, Any]], retrieved: set[int]
) -> tuple[list[dict[str, Any]], int, int]:
    """Drop citations of sources never retrieved, then findings left with no citation at all.

    Returns (findings, citations dropped, findings dropped).
    """
    kept: list[dict[str, Any]] = []
    seen: set[str] = set()
    dropped_citations = dropped_findings = 0
    for finding in findings:
        citations = list(dict.fromkeys(int(n) for n in finding.get("citations", [])))
        valid = [n for n in citations if n in retrieved]
        dropped_citations += len(citations) - len(valid)
        key = " ".join(str(finding.get("text", "")).lower().split())
        if not valid or not key:
            dropped_findings += 1
            continue
        if key in seen:
            continue
        seen.add(key)
        quote = finding.get("quote")
        kept.append({"text": str(finding["text"]).strip(), "citations": valid, **({"quote": quote} if quote else {})})
    return kept, dropped_citations, dropped_findings


def keep_retrieved_markers(answer: str, retrieved: set[int]) -> tuple[str, int]:
    """Remove `[n]` markers in an answer that point at no retrieved source; returns (answer, dropped)."""
    dropped = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal dropped
        numbers = [int(n) for n in match.group(1).split(",")]
        valid = [n for n in numbers if n in retrieved]
        dropped += len(numbers) - len(valid)
        return "".join(f"[{n}]" for n in valid)

    cleaned = _MARKER.sub(replace, answer)
    return re.sub(r"[ \t]+([.,;:])", r"\1", cleaned), dropped
