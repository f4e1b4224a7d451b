"""What changed between two runs of a watch, from their stored research records.

Computed on read rather than stored when a run completes: the records are the source of truth and two
reads are cheap, so there is no second write that a worker dying after its commit could leave undone,
and a diff can never disagree with the research it describes.

Sources are the same when their normalised URLs are. A finding is the same when its normalised claim
(lower case, citation markers, punctuation and spacing dropped) and the normalised URLs of the sources it
cites are: rewording the case or punctuation of a claim, or renumbering its sources, is not a change.
"""

from __future__ import annotations

import re
from typing import Any

from researcher_pro.core.citations import normalise_url
from researcher_pro.watches.models import FindingRef, SourceRef, WatchDiff

_MARKERS = re.compile(r"\[\s*\d+(?:\s*[,;-]\s*\d+)*\s*\]")
_PUNCTUATION = re.compile(r"[^\w\s]", flags=re.UNICODE)


def normalise_claim(text: str) -> str:
    text = _MARKERS.sub(" ", text.lower())
    text = _PUNCTUATION.sub(" ", text).replace("_", " ")
    return " ".join(text.split())


def _sources(record: dict[str, Any]) -> dict[str, SourceRef]:
    found: dict[str, SourceRef] = {}
    for source in record.get("sources") or []:
        key = normalise_url(str(source.get("url", "")))
        found.setdefault(key, SourceRef(url=str(source.get("url", "")), title=str(source.get("title") or "")))
    return found


def _findings(record: dict[str, Any]) -> dict[tuple[str, frozenset[str]], FindingRef]:
    urls = {s.get("n"): normalise_url(str(s.get("url", ""))) for s in record.get("sources") or []}
    found: dict[tuple[str, frozenset[str]], FindingRef] = {}
    for finding in record.get("findings") or []:
        cited = frozenset(urls[n] for n in finding.get("citations") or [] if n in urls)
        key = (normalise_claim(str(finding.get("text", ""))), cited)
        found.setdefault(key, FindingRef(text=str(finding.get("text", "")), sources=sorted(cited)))
    return found


def diff_runs(previous: dict[str, Any], current: dict[str, Any]) -> WatchDiff:
    before, after = _sources(previous), _sources(current)
    claims_before, claims_after = _findings(previous), _findings(current)
    new_sources = [ref for key, ref in after.items() if key not in before]
    dropped_sources = [ref for key, ref in before.items() if key not in after]
    new_findings = [ref for key, ref in claims_after.items() if key not in claims_before]
    unsupported = [ref for key, ref in claims_before.items() if key not in claims_after]
    return WatchDiff(
        new_sources=new_sources,
        dropped_sources=dropped_sources,
        new_findings=new_findings,
        unsupported_findings=unsupported,
        changed=bool(new_sources or dropped_sources or new_findings or unsupported),
    )
