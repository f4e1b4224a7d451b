"""The research pipeline, one step per SQS message: plan → search → analyze → synthesize."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from researcher_pro.core.citations import keep_retrieved_citations, keep_retrieved_markers
from researcher_pro.providers.base import Retrieved, SearchProvider, search_requests
from researcher_pro.research.analyst import MAX_SOURCE_CHARS, Analyst
from researcher_pro.research.models import SUB_QUESTIONS_BY_DEPTH
from researcher_pro.research.sources import SourceRegistry
from researcher_pro.tasks.lifecycle import TaskLifecycle
from researcher_pro.tasks.metering import Cache, Meter
from researcher_pro.tasks.queue import Queue
from researcher_pro.tasks.steps import StepResult, StepTask, TaskPolicy

if TYPE_CHECKING:
    from researcher_pro.providers.offline.index import DocumentIndex

PUBLIC_SOURCE_FIELDS = ("n", "url", "title", "snippet", "published_at", "origin")
# The analyst reads at most MAX_SOURCE_CHARS of a source's text: a page's text need be no longer (4 characters
# a token), which also keeps the search checkpoint and its cache entry small.
SEARCH_TOKENS_PER_PAGE = MAX_SOURCE_CHARS // 4 + 1


class DocumentLibrary(Protocol):
    def index(self, tenant: str) -> DocumentIndex: ...


class ResearchPipeline(StepTask):
    steps = ("plan", "search", "analyze", "synthesize")
    progress: ClassVar[dict[str, float]] = {"plan": 0.2, "search": 0.5, "analyze": 0.8, "synthesize": 1.0}

    def __init__(
        self,
        lifecycle: TaskLifecycle,
        queue: Queue,
        cache: Cache,
        documents: DocumentLibrary,
        web: SearchProvider | None,
        analyst: Analyst,
        policy: TaskPolicy,
        results_per_question: int = 8,
    ) -> None:
        super().__init__(lifecycle, queue, cache, policy)
        self._documents = documents
        self._web = web
        self._analyst = analyst
        self._results_per_question = results_per_question

    def run(self, step: str, record: dict[str, Any], checkpoints: dict[str, Any], meter: Meter) -> StepResult:
        match step:
            case "plan":
                return self._plan(record, checkpoints, meter)
            case "search":
                return self._search(record, checkpoints, meter)
            case "analyze":
                return self._analyze(record, checkpoints, meter)
            case _:
                return self._synthesize(record, checkpoints, meter)

    # --- the four steps ------------------------------------------------------------------------
    def _plan(self, record: dict[str, Any], _: dict[str, Any], meter: Meter) -> StepResult:
        count = SUB_QUESTIONS_BY_DEPTH[record["depth"]]
        questions = self._analyst.plan(record["query"], count, meter)
        return StepResult(
            {"sub_questions": questions},
            f"Planned {len(questions)} sub-question{'s' if len(questions) != 1 else ''}",
            {"sub_questions": questions},
        )

    def _search(self, record: dict[str, Any], checkpoints: dict[str, Any], meter: Meter) -> StepResult:
        questions: list[str] = checkpoints["plan"]["sub_questions"]
        wanted = set(record["sources_requested"])
        web = self._web if "web" in wanted else None
        use_documents = "documents" in wanted or ("web" in wanted and self._web is None)
        index = self._documents.index(record["tenant"]) if use_documents else None
        limit = self._results_per_question

        on_web = self._search_web(web, record, questions, meter) if web is not None else {}
        per_question = [
            on_web.get(question, []) + ([r.__dict__ for r in index.search(question, limit)] if index else [])
            for question in questions
        ]
        registry = SourceRegistry()
        by_question = [sorted({registry.add(_retrieved(r)) for r in found}) for found in per_question]
        notes = []
        if "web" in wanted and self._web is None:
            notes.append("No web search provider is configured; searched the tenant's documents instead.")
        return StepResult(
            {"sources": registry.sources, "by_question": by_question},
            f"Found {len(registry.sources)} source{'s' if len(registry.sources) != 1 else ''}",
            {"sources": len(registry.sources), "notes": notes},
        )

    def _search_web(
        self, web: SearchProvider, record: dict[str, Any], questions: list[str], meter: Meter
    ) -> dict[str, list[Any]]:
        """Each question's web results: all the questions in one search request (several when there are more
        than a request takes, made concurrently)."""
        requests = search_requests(
            questions,
            record.get("recency"),
            record.get("domains") or (),
            self._results_per_question,
            SEARCH_TOKENS_PER_PAGE,
        )
        # A watch's refresh searches afresh; its model calls still hit the cache when sources are unchanged.
        fresh_for = record["id"] if record.get("watch_id") else None
        with ThreadPoolExecutor(max_workers=self.workers(len(requests))) as pool:
            replies = list(pool.map(lambda request: meter.search(web, request, fresh_for), requests))
        return {
            question: found
            for request, reply in zip(requests, replies, strict=True)
            for question, found in zip(request.queries, reply["results"], strict=True)
        }

    def _analyze(self, record: dict[str, Any], checkpoints: dict[str, Any], meter: Meter) -> StepResult:
        questions: list[str] = checkpoints["plan"]["sub_questions"]
        sources: list[dict[str, Any]] = checkpoints["search"]["sources"]
        by_question: list[list[int]] = checkpoints["search"]["by_question"]
        by_n = {s["n"]: s for s in sources}

        def analyse_one(index: int) -> list[dict[str, Any]]:
            return self._analyst.analyse(questions[index], [by_n[n] for n in by_question[index]], meter)

        with ThreadPoolExecutor(max_workers=self.workers(len(questions))) as pool:
            raw = [finding for findings in pool.map(analyse_one, range(len(questions))) for finding in findings]
        findings, dropped, unsupported = keep_retrieved_citations(raw, set(by_n))
        return StepResult(
            {"findings": findings, "dropped_citations": dropped, "unsupported_findings": unsupported},
            f"Extracted {len(findings)} cited finding{'s' if len(findings) != 1 else ''}",
            {"findings": len(findings), "dropped_citations": dropped},
        )

    def _synthesize(self, record: dict[str, Any], checkpoints: dict[str, Any], meter: Meter) -> StepResult:
        sources: list[dict[str, Any]] = checkpoints["search"]["sources"]
        analysis = checkpoints["analyze"]
        # A template's sections, rendered when the research started, give the answer its headings.
        sections: list[dict[str, str]] = record.get("template_sections") or []
        answer = self._analyst.synthesise(record["query"], analysis["findings"], sources, meter, sections)
        answer, dropped = keep_retrieved_markers(answer, {s["n"] for s in sources})
        return StepResult(
            {
                "answer": answer,
                "findings": analysis["findings"],
                "sources": [{k: s.get(k) for k in PUBLIC_SOURCE_FIELDS} for s in sources],
                "dropped_citations": analysis["dropped_citations"] + dropped,
            },
            "Research complete",
            {"sources": len(sources), "findings": len(analysis["findings"])},
        )


def _retrieved(raw: dict[str, Any]) -> Retrieved:
    return Retrieved(
        url=str(raw["url"]),
        title=str(raw.get("title") or raw["url"]),
        snippet=str(raw.get("snippet") or ""),
        content=str(raw.get("content") or ""),
        published_at=raw.get("published_at"),
        origin=str(raw.get("origin") or "web"),
    )
