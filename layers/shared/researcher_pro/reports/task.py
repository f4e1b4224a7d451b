"""Writing a report, one step per SQS message: outline → write (one model call per section) → render.

Each section is checkpointed as soon as it is written, so a step that runs out of time or crashes
resumes with the sections still missing and never pays for a written one again.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar, Protocol

from researcher_pro.core.citations import keep_retrieved_markers
from researcher_pro.core.clock import now_rfc3339
from researcher_pro.core.errors import OutOfTime, TaskFailure
from researcher_pro.reports.render import CONTENT_TYPES, EXTENSIONS, ReportDocument, render
from researcher_pro.reports.store import report_key
from researcher_pro.reports.writer import DEFAULT_SECTIONS, SectionBrief, SectionWriter
from researcher_pro.tasks.lifecycle import TaskLifecycle
from researcher_pro.tasks.metering import Cache, Meter
from researcher_pro.tasks.queue import Queue
from researcher_pro.tasks.steps import StepResult, StepTask, TaskPolicy

SOURCE_FIELDS = ("n", "url", "title", "snippet", "published_at", "origin")


class ResearchRecords(Protocol):
    def record(self, tenant: str, research_id: str) -> dict[str, Any] | None: ...


class BodyStore(Protocol):
    def put(self, key: str, body: bytes, content_type: str, filename: str) -> None: ...


def section_checkpoint(index: int) -> str:
    return f"section.{index}"


def report_filename(report_id: str, fmt: str) -> str:
    return f"{report_id}.{EXTENSIONS[fmt]}"


class ReportTask(StepTask):
    steps = ("outline", "write", "render")
    progress: ClassVar[dict[str, float]] = {"outline": 0.1, "write": 0.9, "render": 1.0}

    def __init__(
        self,
        lifecycle: TaskLifecycle,
        queue: Queue,
        cache: Cache,
        research: ResearchRecords,
        writer: SectionWriter,
        store: BodyStore,
        policy: TaskPolicy,
        inline_limit_bytes: int = 65_536,
    ) -> None:
        super().__init__(lifecycle, queue, cache, policy)
        self._research = research
        self._writer = writer
        self._store = store
        self._inline_limit = inline_limit_bytes

    def run(self, step: str, record: dict[str, Any], checkpoints: dict[str, Any], meter: Meter) -> StepResult:
        match step:
            case "outline":
                return self._outline(record)
            case "write":
                return self._write(record, checkpoints, meter)
            case _:
                return self._render(record, checkpoints)

    def _outline(self, record: dict[str, Any]) -> StepResult:
        """A snapshot of the research, so the report stays whole if the research is deleted meanwhile."""
        research = self._research.record(record["tenant"], record["research_id"])
        if research is None or research.get("status") != "succeeded":
            raise TaskFailure(
                f"research {record['research_id']} is no longer available to report on", "research_unavailable"
            )
        sections = record.get("template_sections") or [dict(s) for s in DEFAULT_SECTIONS]
        sources = [{k: s.get(k) for k in SOURCE_FIELDS} for s in research.get("sources") or []]
        outline = {
            "title": f"Research report: {' '.join(str(research['query']).split())[:200]}",
            "query": research["query"],
            "sections": sections,
            "findings": research.get("findings") or [],
            "sources": sources,
            "dropped_citations": int(research.get("dropped_citations") or 0),
        }
        count = len(sections)
        return StepResult(
            outline,
            f"Outlined {count} section{'s' if count != 1 else ''} from {len(sources)} sources",
            {"sections": [s["title"] for s in sections]},
        )

    def _write(self, record: dict[str, Any], checkpoints: dict[str, Any], meter: Meter) -> StepResult:
        outline = checkpoints["outline"]
        sections: list[dict[str, str]] = outline["sections"]
        known = {int(s["n"]) for s in outline["sources"]}
        titles = tuple(s["title"] for s in sections)
        missing = [i for i in range(len(sections)) if section_checkpoint(i) not in checkpoints]

        def write_one(index: int) -> None:
            section = sections[index]
            brief = SectionBrief(
                query=outline["query"],
                title=section["title"],
                instructions=section.get("instructions") or "",
                outline=titles,
                findings=outline["findings"],
                sources=outline["sources"],
            )
            draft = self._writer.write(brief, meter)
            dropped = 0
            cleaned: dict[str, list[str]] = {}
            for part in ("paragraphs", "bullets"):
                cleaned[part] = []
                for text in draft.get(part, []):
                    kept, lost = keep_retrieved_markers(str(text), known)
                    dropped += lost
                    if kept.strip():
                        cleaned[part].append(kept.strip())
            written = {"title": section["title"], **cleaned, "dropped_citations": dropped}
            if not self.repo.save_partial(
                record["tenant"], record["id"], section_checkpoint(index), written, record["lease_owner"]
            ):
                # Our lease is gone (we were too slow, another worker has the step): stop; it carries on.
                raise OutOfTime("lost the lease while writing sections")

        with ThreadPoolExecutor(max_workers=self.workers(len(missing))) as pool:
            list(pool.map(write_one, missing))
        return StepResult(
            {"sections": len(sections)},
            f"Wrote {len(sections)} section{'s' if len(sections) != 1 else ''}",
            {"written": len(missing), "resumed": len(sections) - len(missing)},
        )

    def _render(self, record: dict[str, Any], checkpoints: dict[str, Any]) -> StepResult:
        outline = checkpoints["outline"]
        count = int(checkpoints["write"]["sections"])
        written = [checkpoints[section_checkpoint(i)] for i in range(count)]
        dropped = sum(int(s.get("dropped_citations") or 0) for s in written)
        fmt = record["format"]
        document = ReportDocument(
            report_id=record["id"],
            research_id=record["research_id"],
            title=outline["title"],
            query=outline["query"],
            generated_at=now_rfc3339(),
            sections=[{"title": s["title"], "paragraphs": s["paragraphs"], "bullets": s["bullets"]} for s in written],
            findings=outline["findings"],
            sources=outline["sources"],
            template_id=record.get("template_id"),
            template_version=record.get("template_version"),
            dropped_citations=dropped,
        )
        body = render(document, fmt).encode("utf-8")
        key = report_key(record["tenant"], record["id"], EXTENSIONS[fmt])
        # Written again with the same key if this step is retried, so a retry leaves one object.
        self._store.put(key, body, CONTENT_TYPES[fmt], report_filename(record["id"], fmt))
        output: dict[str, Any] = {
            "title": outline["title"],
            "sections": [s["title"] for s in written],
            "body_key": key,
            "content_type": CONTENT_TYPES[fmt],
            "size_bytes": len(body),
            "dropped_citations": dropped,
        }
        if len(body) <= self._inline_limit:
            output["content"] = body.decode("utf-8")
        return StepResult(
            output,
            f"Report ready ({len(body)} bytes of {fmt})",
            {"size_bytes": len(body), "format": fmt, "dropped_citations": dropped},
        )
