"""The research pipeline, one step per SQS message: plan → search → analyze → synthesize.

Each step is claimed under a lease, runs, and commits its checkpoint, its progress event and the
move to the next step in one transaction. A redelivered message finds the step taken or done and
does nothing; a crashed step's lease runs out and the step runs again, its paid calls answered
from the cache.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit

from researcher_pro.config import ModelPrice
from researcher_pro.errors import OutOfTime, TaskFailure
from researcher_pro.models.common import rfc3339
from researcher_pro.models.research import SUB_QUESTIONS_BY_DEPTH
from researcher_pro.models.tasks import STEP_ORDER, TaskMessage
from researcher_pro.observability import logger, metrics
from researcher_pro.providers.base import Retrieved, SearchProvider, SearchQuery
from researcher_pro.services.analyst import Analyst
from researcher_pro.services.citations import SourceRegistry, keep_retrieved_citations, keep_retrieved_markers
from researcher_pro.services.metering import Cache, Meter
from researcher_pro.storage.queue import Queue
from researcher_pro.storage.research import ResearchRepository

if TYPE_CHECKING:
    from researcher_pro.providers.offline import DocumentIndex

PROGRESS = {"plan": 0.2, "search": 0.5, "analyze": 0.8, "synthesize": 1.0}
SAFETY_MARGIN_SECONDS = 3.0
PUBLIC_SOURCE_FIELDS = ("n", "url", "title", "snippet", "published_at", "origin")


class DocumentLibrary(Protocol):
    def index(self, tenant: str) -> DocumentIndex: ...


@dataclass(frozen=True)
class PipelinePolicy:
    prices: dict[str, ModelPrice]
    results_per_question: int = 8
    event_ttl_seconds: int = 30 * 86_400
    max_step_attempts: int = 3
    stuck_after_seconds: int = 600
    concurrency: int = 8


@dataclass(frozen=True)
class StepResult:
    output: dict[str, Any]
    message: str
    data: dict[str, Any]


class ResearchPipeline:
    def __init__(
        self,
        repo: ResearchRepository,
        queue: Queue,
        cache: Cache,
        documents: DocumentLibrary,
        web: SearchProvider | None,
        analyst: Analyst,
        policy: PipelinePolicy,
    ) -> None:
        self._repo = repo
        self._queue = queue
        self._cache = cache
        self._documents = documents
        self._web = web
        self._analyst = analyst
        self._policy = policy
        self._steps: dict[str, Callable[[dict[str, Any], dict[str, Any], Meter], StepResult]] = {
            "plan": self._plan,
            "search": self._search,
            "analyze": self._analyze,
            "synthesize": self._synthesize,
        }

    def run_step(self, message: TaskMessage, *, remaining_seconds: float, owner: str, receive_count: int) -> str:
        """Run one step; returns what happened. Raises only when the message should be retried."""
        now = time.time()
        record = self._repo.claim_step(
            message.tenant, message.task_id, message.step, owner, now + remaining_seconds + 1, now
        )
        if record is None:
            return "skipped: step done, taken by a live worker, or research gone"
        if record.get("cancel_requested"):
            self._finish(record, "cancelled", {}, "research.cancelled", "Cancelled at the client's request")
            return "cancelled"
        started = time.monotonic()
        deadline = started + remaining_seconds - SAFETY_MARGIN_SECONDS
        meter = self._meter(record, deadline)
        try:
            checkpoints = self._repo.checkpoints(message.tenant, message.task_id)
            result = self._steps[message.step](record, checkpoints, meter)
        except TaskFailure as failure:
            self.fail(record, failure.code, failure.message)
            return f"failed: {failure.code}"
        except OutOfTime as error:
            return self._retry_or_fail(record, owner, receive_count, "timeout", str(error), error)
        except Exception as error:
            logger.exception("step crashed", extra={"step": message.step})
            return self._retry_or_fail(
                record, owner, receive_count, "internal_error", "an internal error stopped the research", error
            )
        elapsed_ms = round((time.monotonic() - started) * 1000)
        self._complete_step(record, message, result, meter, elapsed_ms)
        return "done"

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
        use_web = "web" in wanted and self._web is not None
        use_documents = "documents" in wanted or ("web" in wanted and self._web is None)
        index = self._documents.index(record["tenant"]) if use_documents else None
        limit = self._policy.results_per_question

        def search_one(question: str) -> list[Any]:
            found: list[Any] = []
            if use_web and self._web is not None:
                query = SearchQuery(question, record.get("recency"), tuple(record.get("domains") or ()), limit)
                found += meter.search(self._web, query)["results"]
            if index is not None:
                found += [r.__dict__ for r in index.search(question, limit)]
            return found

        with ThreadPoolExecutor(max_workers=self._workers(len(questions))) as pool:
            per_question = list(pool.map(search_one, questions))
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

    def _analyze(self, record: dict[str, Any], checkpoints: dict[str, Any], meter: Meter) -> StepResult:
        questions: list[str] = checkpoints["plan"]["sub_questions"]
        sources: list[dict[str, Any]] = checkpoints["search"]["sources"]
        by_question: list[list[int]] = checkpoints["search"]["by_question"]
        by_n = {s["n"]: s for s in sources}

        def analyse_one(index: int) -> list[dict[str, Any]]:
            return self._analyst.analyse(questions[index], [by_n[n] for n in by_question[index]], meter)

        with ThreadPoolExecutor(max_workers=self._workers(len(questions))) as pool:
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
        answer = self._analyst.synthesise(record["query"], analysis["findings"], sources, meter)
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

    def _workers(self, questions: int) -> int:
        return max(1, min(questions, self._policy.concurrency))

    # --- state changes -------------------------------------------------------------------------
    def _complete_step(
        self, record: dict[str, Any], message: TaskMessage, result: StepResult, meter: Meter, elapsed_ms: int
    ) -> None:
        step = message.step
        position = STEP_ORDER.index(step)
        data = {**result.data, "cache_hits": meter.cache_hits, "elapsed_ms": elapsed_ms}
        if position == len(STEP_ORDER) - 1:
            self._finish(record, "succeeded", result.output, "research.completed", result.message, data)
            return
        next_step = STEP_ORDER[position + 1]
        event = self._event(
            record,
            "research.progress",
            step,
            PROGRESS[step],
            result.message,
            data,
        )
        moved = self._repo.advance(
            record["tenant"],
            record["id"],
            expected_seq=record["event_seq"],
            owner=record["lease_owner"],
            changes={
                "step": next_step,
                "stage": step,
                "progress": PROGRESS[step],
                "updated_at": rfc3339(datetime.now(UTC)),
            },
            checkpoint=(step, result.output),
            event=event,
            event_ttl=self._policy.event_ttl_seconds,
            due_at=time.time() + self._policy.stuck_after_seconds,
        )
        if moved:
            self._queue.send(message.model_copy(update={"step": next_step, "attempt": 1}))

    def _finish(
        self,
        record: dict[str, Any],
        status: str,
        results: dict[str, Any],
        event_type: str,
        message: str,
        data: dict[str, Any] | None = None,
        error: dict[str, str] | None = None,
    ) -> bool:
        now = rfc3339(datetime.now(UTC))
        progress = 1.0 if status == "succeeded" else float(record.get("progress") or 0.0)
        stage = "synthesize" if status == "succeeded" else record.get("stage")
        finished = self._repo.advance(
            record["tenant"],
            record["id"],
            expected_seq=record["event_seq"],
            owner=record.get("lease_owner"),
            changes={
                "status": status,
                "progress": progress,
                "stage": stage,
                "updated_at": now,
                "completed_at": now,
                "error": error,
                **results,
            },
            event=self._event(record, event_type, stage, progress, message, data or {}),
            event_ttl=self._policy.event_ttl_seconds,
            terminal=True,
        )
        if finished:
            metrics.add_metric(name=f"Runs{status.capitalize()}", unit=MetricUnit.Count, value=1)
        return finished

    def fail(self, record: dict[str, Any], code: str, message: str) -> None:
        """End a live research as `failed` (also used by the sweeper for runs that keep dying)."""
        logger.warning("research failed", extra={"code": code, "reason": message})
        self._finish(
            record, "failed", {}, "research.failed", message, {"code": code}, error={"code": code, "message": message}
        )

    def _retry_or_fail(
        self, record: dict[str, Any], owner: str, receive_count: int, code: str, message: str, error: Exception
    ) -> str:
        if receive_count >= self._policy.max_step_attempts:
            self.fail(record, code, f"{message} (after {receive_count} attempts)")
            return f"failed: {code}"
        self._repo.release_step(record["tenant"], record["id"], owner)
        raise error

    def _meter(self, record: dict[str, Any], deadline: float) -> Meter:
        return Meter(
            tenant=record["tenant"],
            research_id=record["id"],
            day=datetime.now(UTC).date().isoformat(),
            cache=self._cache,
            usage=self._repo,
            prices=self._policy.prices,
            deadline=deadline,
            budget_usd=record.get("max_cost_usd"),
            spent_usd=float(record.get("usage_cost_usd") or 0.0),
        )

    @staticmethod
    def _event(
        record: dict[str, Any], kind: str, stage: str | None, progress: float, message: str, data: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            "type": kind,
            "research_id": record["id"],
            "stage": stage,
            "progress": progress,
            "message": message,
            "data": data,
            "ts": rfc3339(datetime.now(UTC)),
        }


def _retrieved(raw: dict[str, Any]) -> Retrieved:
    return Retrieved(
        url=str(raw["url"]),
        title=str(raw.get("title") or raw["url"]),
        snippet=str(raw.get("snippet") or ""),
        content=str(raw.get("content") or ""),
        published_at=raw.get("published_at"),
        origin=str(raw.get("origin") or "web"),
    )
