"""The kinds of task the step engine runs: the letter each has in its keys, the prefix of its outcome
metrics, and the type of each of its events (the public event names)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from researcher_pro.core import ids
from researcher_pro.core.ids import IdFormat

Outcome = Literal["progress", "succeeded", "failed", "cancelled"]


@dataclass(frozen=True)
class TaskKind:
    name: str
    letter: str
    ids: IdFormat  # how its ids look: `res_…`, issued and recognised by core.ids
    metric_prefix: str  # "Runs" → RunsStarted, RunsSucceeded, RunsFailed, RunsCancelled
    event_types: dict[Outcome, str]


RESEARCH = TaskKind(
    "research",
    "R",
    ids.RESEARCH,
    "Runs",
    {
        "progress": "research.progress",
        "succeeded": "research.completed",
        "failed": "research.failed",
        "cancelled": "research.cancelled",
    },
)
ANALYSIS = TaskKind(
    "analysis",
    "A",
    ids.ANALYSIS,
    "Analyses",
    {
        "progress": "analysis.progress",
        "succeeded": "analysis.completed",
        "failed": "analysis.failed",
        "cancelled": "analysis.cancelled",
    },
)
REPORT = TaskKind(
    "report",
    "P",
    ids.REPORT,
    "Reports",
    {
        "progress": "report.progress",
        "succeeded": "report.ready",
        "failed": "report.failed",
        "cancelled": "report.cancelled",
    },
)
# A document's file sent to storage, and its text extracted: the task has the document's own id.
DOCUMENT = TaskKind(
    "document",
    "U",
    ids.DOCUMENT,
    "DocumentExtractions",
    {
        "progress": "document.progress",
        "succeeded": "document.ready",
        "failed": "document.failed",
        "cancelled": "document.cancelled",
    },
)
KINDS: dict[str, TaskKind] = {kind.name: kind for kind in (RESEARCH, ANALYSIS, REPORT, DOCUMENT)}
