"""The research loop, one checkpointed step per SQS message:

    plan → [search → read → analyse → reflect] x rounds → synthesise

- plan: sub-questions by depth, and a brief: the facets a complete answer must cover.
- search (round n): the round's queries in one search request (the sub-questions, then the follow-ups the
  last reflection proposed), and the tenant's documents when asked; a source keeps its number all run.
- read: the round's new top pages, fetched concurrently behind the address guard and cached per tenant;
  a page that cannot be read falls back to its search text, and is counted.
- analyse: for each query, the passages of its sources most relevant to it, and findings quoted from them;
  a finding whose quote is not in the source it cites is dropped and counted.
- reflect: what the findings leave missing, and follow-up searches for it. The loop stops at the first of:
  nothing missing, the depth's round limit, a next round that would not leave the budget for the answer,
  the run's deadline near. Why it stopped is recorded.
- synthesise: an outline (a template's sections, or the model's), one checkpointed call per section, in
  parallel, every [n] checked; and, with an output schema, the answer as an object valid against it.

Within a step the work runs concurrently. A run stopped by its budget still ends succeeded, with an answer
from what it found; a budget too small for any answer fails it with budget_exceeded.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from researcher_pro.core.citations import keep_retrieved_citations, keep_retrieved_markers
from researcher_pro.core.config import ModelPrice
from researcher_pro.core.errors import BudgetExceeded, OutOfTime
from researcher_pro.providers.base import Retrieved, SearchProvider, search_requests
from researcher_pro.providers.reader import Page, PageUnreadable
from researcher_pro.research.analyst import Analyst, assemble_sections, findings_by_section
from researcher_pro.research.evidence import best_passages, shared_passages, verified
from researcher_pro.research.models import SUB_QUESTIONS_BY_DEPTH
from researcher_pro.research.sources import SourceRegistry
from researcher_pro.tasks.lifecycle import TaskLifecycle
from researcher_pro.tasks.metering import Cache, Meter, cost_of
from researcher_pro.tasks.queue import Queue
from researcher_pro.tasks.steps import StepResult, StepTask, TaskPolicy

if TYPE_CHECKING:
    from researcher_pro.providers.offline.index import DocumentIndex
    from researcher_pro.research.pages import PageFailure

PUBLIC_SOURCE_FIELDS = ("n", "url", "title", "snippet", "published_at", "origin", "read")
ROUND_STEPS = ("search", "read", "analyze", "reflect")
# The checkpoint of a round step the budget stopped before it did anything: what the step would leave, empty.
CUT_SHORT: dict[str, dict[str, Any]] = {
    "search": {"queries": [], "sources": [], "by_query": [], "to_read": []},
    "read": {"read": {}, "failed": {}},
    "analyze": {"findings": [], "unverified": 0, "dropped_citations": 0, "passages": []},
    "reflect": {"follow_ups": []},
}
SYNTHESIS_CALLS = 7  # an outline, up to five sections and a structured answer: what the answer is kept room for


class DocumentLibrary(Protocol):
    def index(self, tenant: str) -> DocumentIndex: ...


class PageReader(Protocol):
    def read(self, url: str, deadline: float) -> Page:
        """The page's text; raises PageUnreadable."""
        ...


class PageCache(Protocol):
    def get(self, tenant: str, url: str) -> Page | PageFailure | None: ...
    def put(self, tenant: str, url: str, page: Page) -> None: ...
    def put_failure(self, tenant: str, url: str, reason: str, detail: str = "") -> None: ...


@dataclass(frozen=True)
class LoopSettings:
    rounds_by_depth: Mapping[str, int] = field(default_factory=lambda: {"quick": 1, "standard": 2, "deep": 4})
    max_rounds: int = 8  # a request's max_rounds may not exceed this
    results_per_query: int = 8
    pages_per_query: int = 5  # the top new pages of each query that a round reads
    # Deeper runs read further into each question's pages: passages are analysed once per run, so more of them
    # is more of the pages read, not the same passages again.
    passages_by_depth: Mapping[str, int] = field(default_factory=lambda: {"quick": 8, "standard": 8, "deep": 10})
    follow_ups_per_round: int = 4
    tokens_per_page: int = 512  # how much of each page the search returns as its snippet
    page_seconds: float = 10.0
    model: str = "gpt-4o-mini"  # what the room kept for the answer is priced at


@dataclass
class RunState:
    """What the checkpoints of the rounds so far add up to."""

    sources: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    searched: list[str]
    read: dict[int, str]  # source number → the URL its page text was read from (and is cached under)
    analysed: set[str]  # the keys of the passages the model was given to analyse
    rounds_done: int
    unverified: int
    dropped_citations: int


class ResearchPipeline(StepTask):
    steps: ClassVar[tuple[str, ...]] = ("plan",)
    progress: ClassVar[dict[str, float]] = {"plan": 0.05}

    def __init__(
        self,
        lifecycle: TaskLifecycle,
        queue: Queue,
        cache: Cache,
        documents: DocumentLibrary,
        web: SearchProvider | None,
        reader: PageReader | None,
        pages: PageCache,
        analyst: Analyst,
        policy: TaskPolicy,
        loop: LoopSettings = LoopSettings(),
    ) -> None:
        super().__init__(lifecycle, queue, cache, policy)
        self._documents = documents
        self._web = web
        self._reader = reader
        self._pages = pages
        self._analyst = analyst
        self._loop = loop

    # --- the engine's questions ----------------------------------------------------------------
    def run(self, step: str, record: dict[str, Any], checkpoints: dict[str, Any], meter: Meter) -> StepResult:
        name, number = split_step(step)
        if name == "plan":
            return self._plan(record, meter)
        if name == "synthesize":
            return self._synthesize(record, checkpoints, meter)
        try:
            match name:
                case "search":
                    return self._search(record, checkpoints, meter, number)
                case "read":
                    return self._read(record, checkpoints, meter, number)
                case "analyze":
                    return self._analyze(record, checkpoints, meter, number)
                case _:
                    return self._reflect(record, checkpoints, meter, number)
        except BudgetExceeded:
            # The answer's share of the budget is kept back (see budget_for): with findings to write from, the
            # run stops looking and writes; with none, there is nothing to answer with.
            if not state_of(checkpoints).findings:
                raise
            limit = int(checkpoints["plan"]["round_limit"])
            return StepResult(
                {**CUT_SHORT[name], "round_limit": limit, "stop": "budget", "cut": True},
                f"Round {number}: the budget left is the answer's; stopping",
                {},
                {"stop_reason": "budget"},
                {"round": number, "of": limit},
            )

    def next_step(self, step: str, result: StepResult) -> str | None:
        return step_after(step, result.output)

    def stage_of(self, step: str) -> str:
        return split_step(step)[0]

    def progress_after(self, step: str, result: StepResult) -> float:
        name, number = split_step(step)
        if name == "plan":
            return 0.05
        limit = int(result.event.get("of") or 1)
        done = (number - 1 + (ROUND_STEPS.index(name) + 1) / len(ROUND_STEPS)) / limit
        return round(0.05 + 0.85 * min(1.0, done), 3)

    def budget_for(self, step: str, record: dict[str, Any]) -> float | None:
        """The rounds may spend the run's budget less what the answer needs; the answer, all of it."""
        budget = record.get("max_cost_usd")
        if budget is None or split_step(step)[0] in ("plan", "synthesize"):
            return budget
        return max(0.0, float(budget) - self._answer_reserve())

    # --- plan --------------------------------------------------------------------------------------
    def _plan(self, record: dict[str, Any], meter: Meter) -> StepResult:
        limit = self._round_limit(record)
        plan = self._analyst.plan(record["query"], SUB_QUESTIONS_BY_DEPTH[record["depth"]], meter)
        count = len(plan.sub_questions)
        return StepResult(
            {"sub_questions": plan.sub_questions, "brief": plan.brief, "round_limit": limit},
            f"Planned {counted(count, 'sub-question')} and a brief of {counted(len(plan.brief), 'facet')}",
            {"sub_questions": plan.sub_questions, "brief": plan.brief},
            changes={"brief": plan.brief},
            event={"of": limit},
        )

    # --- a round -----------------------------------------------------------------------------------
    def _search(self, record: dict[str, Any], checkpoints: dict[str, Any], meter: Meter, number: int) -> StepResult:
        state = state_of(checkpoints)
        limit = int(checkpoints["plan"]["round_limit"])
        asked = (
            checkpoints["plan"]["sub_questions"] if number == 1 else checkpoints[f"reflect.{number - 1}"]["follow_ups"]
        )
        queries: list[str] = list(dict.fromkeys(asked))
        wanted = set(record["sources_requested"])
        web = self._web if "web" in wanted else None
        use_documents = "documents" in wanted or ("web" in wanted and self._web is None)
        on_web = self._search_web(web, record, queries, meter) if web is not None else {}
        library = self._documents.index(record["tenant"]) if use_documents else None
        found = [
            on_web.get(query, [])
            + ([r.__dict__ for r in library.search(query, self._loop.results_per_query)] if library else [])
            for query in queries
        ]
        registry = SourceRegistry(state.sources)
        known = len(state.sources)
        by_query = [list(dict.fromkeys(registry.add(retrieved(r)) for r in results)) for results in found]
        new_sources = registry.sources[known:]
        notes = []
        if "web" in wanted and self._web is None:
            notes.append("No web search provider is configured; searched the tenant's documents instead.")
        return StepResult(
            {
                "queries": list(queries),
                "sources": new_sources,
                "by_query": by_query,
                "to_read": self._pages_to_read(by_query, new_sources),
            },
            f"Round {number}: {counted(len(queries), 'search', 'searches')}, {counted(len(new_sources), 'new source')}",
            {"queries": list(queries), "new_sources": len(new_sources), "notes": notes},
            event={"round": number, "of": limit},
        )

    def _search_web(
        self, web: SearchProvider, record: dict[str, Any], queries: Sequence[str], meter: Meter
    ) -> dict[str, list[Any]]:
        """Each query's web results: the queries in one search request (several, made concurrently, when
        there are more than one request takes)."""
        requests = search_requests(
            queries,
            record.get("recency"),
            record.get("domains") or (),
            self._loop.results_per_query,
            self._loop.tokens_per_page,
        )
        # A watch's refresh searches afresh; its model calls still hit the cache when sources are unchanged.
        fresh_for = record["id"] if record.get("watch_id") else None
        with ThreadPoolExecutor(max_workers=self.workers(len(requests))) as pool:
            replies = list(pool.map(lambda request: meter.search(web, request, fresh_for), requests))
        return {
            query: results
            for request, reply in zip(requests, replies, strict=True)
            for query, results in zip(request.queries, reply["results"], strict=True)
        }

    def _read(self, record: dict[str, Any], checkpoints: dict[str, Any], meter: Meter, number: int) -> StepResult:
        state = state_of(checkpoints)
        limit = int(checkpoints["plan"]["round_limit"])
        by_n = {int(s["n"]): s for s in state.sources}
        chosen: list[int] = checkpoints[f"search.{number}"]["to_read"]
        tenant = record["tenant"]

        def read_one(n: int) -> tuple[int, str | None, str | None]:
            """(source, the URL read, why it could not be)"""
            url = str(by_n[n]["url"])
            cached = self._pages.get(tenant, url)
            if isinstance(cached, Page):
                return n, url, None
            if cached is not None:  # it failed lately: not tried again until its failure expires
                return n, None, cached.reason
            if self._reader is None:
                return n, None, "no_reader"
            try:
                page = self._reader.read(url, min(meter.deadline, time.monotonic() + self._loop.page_seconds))
            except PageUnreadable as unreadable:  # the source keeps its search text
                self._pages.put_failure(tenant, url, unreadable.reason, unreadable.detail)
                return n, None, unreadable.reason
            self._pages.put(tenant, url, page)
            return n, url, None

        with ThreadPoolExecutor(max_workers=self.workers(len(chosen))) as pool:
            outcomes = list(pool.map(read_one, chosen))
        read = {str(n): url for n, url, _ in outcomes if url}
        failed = {str(n): reason for n, _, reason in outcomes if reason}
        pages = state.read | {int(n): url for n, url in read.items()}
        return StepResult(
            {"read": read, "failed": failed},
            f"Round {number}: read {counted(len(read), 'page')}" + (f", {len(failed)} unreadable" if failed else ""),
            {"pages_read": len(read), "unreadable": failed},
            changes={"pages_read": len(pages)},
            event={"round": number, "of": limit},
        )

    def _analyze(self, record: dict[str, Any], checkpoints: dict[str, Any], meter: Meter, number: int) -> StepResult:
        state = state_of(checkpoints)
        limit = int(checkpoints["plan"]["round_limit"])
        search = checkpoints[f"search.{number}"]
        by_n = {int(s["n"]): s for s in state.sources}
        texts = self._texts(record["tenant"], {n for numbers in search["by_query"] for n in numbers}, by_n, state.read)
        queries: list[str] = search["queries"]
        given = shared_passages(
            queries,
            [{n: texts[n] for n in numbers if texts.get(n)} for numbers in search["by_query"]],
            self._loop.passages_by_depth[record["depth"]],
            analysed=state.analysed,
        )

        def analyse_one(index: int) -> tuple[list[dict[str, Any]] | None, int]:
            """The question's findings (None: the budget refused its call) and the evidence characters sent."""
            passages = given[index]
            if not passages:
                return [], 0  # nothing of its sources is left that the run has not analysed
            try:
                found = self._analyst.analyse(queries[index], passages, by_n, meter)
            except BudgetExceeded:
                return None, 0
            return found, sum(len(p.text) for p in passages)

        with ThreadPoolExecutor(max_workers=self.workers(len(queries))) as pool:
            answers = list(pool.map(analyse_one, range(len(queries))))
        raw = [finding for found, _ in answers for finding in found or []]
        refused = sum(found is None for found, _ in answers)
        if refused and not raw and not state.findings:
            raise BudgetExceeded("the budget does not cover analysing what was found, nor an answer from it")
        findings, dropped, _ = keep_retrieved_citations(raw, set(by_n))
        known = {" ".join(f["text"].lower().split()) for f in state.findings}
        findings = [f for f in findings if " ".join(f["text"].lower().split()) not in known]
        findings, unverified = verified(findings, texts)
        evidence = sum(chars for _, chars in answers)
        # What the model read, so that no later round sends it again (not what the budget refused).
        read_now = [
            p.key for (found, _), passages in zip(answers, given, strict=True) if found is not None for p in passages
        ]
        rounds_done = number
        # Questions the budget left unanalysed end the looking: the rest of the budget is the answer's.
        stop = {"stop": "budget"} if refused else {}
        return StepResult(
            {
                "findings": findings,
                "unverified": unverified,
                "dropped_citations": dropped,
                "round_limit": limit,
                "passages": read_now,
                **stop,
            },
            f"Round {number}: {counted(len(findings), 'quoted finding')}"
            + (f", {unverified} dropped: their quotes are not in their sources" if unverified else "")
            + (f"; {refused} left unanalysed: the budget left is the answer's" if refused else ""),
            {"findings": len(findings), "unverified": unverified, "evidence_chars": evidence},
            changes={
                "rounds": rounds_done,
                "unverified_findings": state.unverified + unverified,
                **({"stop_reason": "budget"} if refused else {}),
            },
            event={"round": number, "of": limit},
        )

    def _reflect(self, record: dict[str, Any], checkpoints: dict[str, Any], meter: Meter, number: int) -> StepResult:
        state = state_of(checkpoints)
        limit = int(checkpoints["plan"]["round_limit"])
        event = {"round": number, "of": limit}
        stop = self._out_of_room(record, meter, number)
        if stop:
            message = f"Round {number}: stopping, {'the budget' if stop == 'budget' else 'the deadline'} is near"
            return StepResult({"stop": stop, "follow_ups": []}, message, {}, {"stop_reason": stop}, event)
        search = checkpoints[f"search.{number}"]
        if not search["sources"] and not checkpoints[f"analyze.{number}"]["findings"]:
            # The round's searches found nothing new: more of the same would find nothing either.
            message = f"Round {number}: nothing new was found; stopping"
            return StepResult({"stop": "complete", "follow_ups": []}, message, {}, {"stop_reason": "complete"}, event)
        by_n = {int(s["n"]): s for s in state.sources}
        texts = self._texts(record["tenant"], {n for numbers in search["by_query"] for n in numbers}, by_n, state.read)
        passages = best_passages(record["query"], texts, self._loop.passages_by_depth[record["depth"]])
        reflection = self._analyst.reflect(
            record["query"],
            checkpoints["plan"]["brief"],
            state.findings,
            state.searched,
            passages,
            self._loop.follow_ups_per_round,
            meter,
        )
        searched = {normalise_query(q) for q in state.searched}
        follow_ups = list(dict.fromkeys(q.strip() for q in reflection.follow_ups if q.strip()))
        follow_ups = [q for q in follow_ups if normalise_query(q) not in searched]
        if not follow_ups:
            return StepResult(
                {"stop": "complete", "follow_ups": [], "missing": reflection.missing},
                f"Round {number}: nothing is missing",
                {"missing": reflection.missing},
                {"stop_reason": "complete"},
                event,
            )
        return StepResult(
            {"follow_ups": follow_ups, "missing": reflection.missing},
            f"Round {number}: {counted(len(follow_ups), 'follow-up search', 'follow-up searches')}",
            {"follow_ups": follow_ups, "missing": reflection.missing},
            event=event,
        )

    # --- synthesise --------------------------------------------------------------------------------
    def _synthesize(self, record: dict[str, Any], checkpoints: dict[str, Any], meter: Meter) -> StepResult:
        state = state_of(checkpoints)
        plan = checkpoints["plan"]
        query, brief = record["query"], plan["brief"]
        sources = [{**public_source(s), "read": int(s["n"]) in state.read} for s in state.sources]
        numbers = {int(s["n"]) for s in state.sources}
        sections: list[dict[str, str]] = record.get("template_sections") or []
        if not sections:
            sections = checkpoints.get("outline") or self._outline(record, brief, state, meter)
        titles = [s["title"] for s in sections]
        given = findings_by_section(sections, state.findings)
        missing = [i for i in range(len(sections)) if f"section.{i}" not in checkpoints]

        def write(index: int) -> None:
            body = self._analyst.write_section(query, sections[index], titles, given[index], sources, meter)
            if not self.repo.save_partial(
                record["tenant"], record["id"], f"section.{index}", body, record["lease_owner"]
            ):
                raise OutOfTime("lost the lease while writing sections")

        with ThreadPoolExecutor(max_workers=self.workers(len(missing))) as pool:
            list(pool.map(write, missing))
        written = self.repo.checkpoints(record["tenant"], record["id"])
        answer = assemble_sections(sections, [str(written.get(f"section.{i}", "")) for i in range(len(sections))])
        answer, dropped = keep_retrieved_markers(answer, numbers)
        results: dict[str, Any] = {
            "answer": answer,
            "findings": state.findings,
            "sources": sources,
            "outline": sections,
            "dropped_citations": state.dropped_citations + dropped,
            "unverified_findings": state.unverified,
            "rounds": state.rounds_done,
            "stop_reason": stop_reason(checkpoints, state.rounds_done),
            "pages_read": len(state.read),
        }
        if record.get("output_schema_json"):
            data, cited = self._analyst.structure(
                query, answer, state.findings, json.loads(record["output_schema_json"]), meter
            )
            results["structured_json"] = json.dumps(data, separators=(",", ":"))
            results["structured_citations"] = {k: [n for n in v if n in numbers] for k, v in cited.items()}
        return StepResult(
            results,
            "Research complete",
            {"sources": len(sources), "findings": len(state.findings), "rounds": state.rounds_done},
        )

    def _outline(self, record: dict[str, Any], brief: list[str], state: RunState, meter: Meter) -> list[dict[str, str]]:
        outline = self._analyst.outline(record["query"], brief, state.findings, meter)[:6] or [
            {"title": "Findings", "instructions": ""}
        ]
        # Kept, so a retried synthesis writes the same sections (its call would be answered from the cache
        # anyway, but this keeps the sections already written in their places).
        self.repo.save_partial(record["tenant"], record["id"], "outline", outline, record["lease_owner"])
        return outline

    # --- helpers -------------------------------------------------------------------------------------
    def _pages_to_read(self, by_query: Sequence[Sequence[int]], new_sources: Sequence[dict[str, Any]]) -> list[int]:
        """The round's top new web pages: each query's first few, in the order the queries found them (a
        document's text is already whole, and a page read in an earlier round is not read again)."""
        new_pages = {int(s["n"]) for s in new_sources if s.get("origin", "web") == "web"}
        chosen: list[int] = []
        for numbers in by_query:
            picks = [n for n in numbers if n in new_pages and n not in chosen]
            chosen += picks[: self._loop.pages_per_query]
        return chosen

    def _texts(
        self, tenant: str, numbers: set[int], by_n: Mapping[int, dict[str, Any]], read: Mapping[int, str]
    ) -> dict[int, str]:
        """Each source's text: its page, where it was read, else what the search returned for it."""

        def text_of(n: int) -> tuple[int, str]:
            if n in read:
                page = self._pages.get(tenant, read[n])
                if isinstance(page, Page) and page.text:
                    return n, page.text
            source = by_n[n]
            return n, str(source.get("content") or source.get("snippet") or "")

        with ThreadPoolExecutor(max_workers=self.workers(len(numbers))) as pool:
            return dict(pool.map(text_of, sorted(numbers)))

    def _round_limit(self, record: dict[str, Any]) -> int:
        limit = int(self._loop.rounds_by_depth.get(record["depth"], 1))
        wanted = record.get("max_rounds")
        return min(int(wanted), self._loop.max_rounds) if wanted else limit

    def _answer_reserve(self) -> float:
        price = self._policy.prices.get(self._loop.model, ModelPrice())
        return SYNTHESIS_CALLS * cost_of(price, 4000, 1500, 1)

    def _out_of_room(self, record: dict[str, Any], meter: Meter, number: int) -> str | None:
        started = datetime.fromisoformat(str(record["created_at"]).replace("Z", "+00:00")).timestamp()
        return room_for_another_round(
            spent=meter.spent_usd,
            rounds_done=number,
            reserve=self._answer_reserve(),
            budget=record.get("max_cost_usd"),
            started=started,
            seconds=record.get("max_duration_s"),
            now=time.time(),
        )


def room_for_another_round(
    *,
    spent: float,
    rounds_done: int,
    reserve: float,
    budget: float | None,
    started: float,
    seconds: float | None,
    now: float,
) -> str | None:
    """Why another round would not fit, if it would not: "budget" when a round like the ones so far, and the
    answer after it, would pass the budget; "deadline" when another round and about as long again to write
    the answer would pass the run's time limit."""
    if budget is not None and spent + spent / max(1, rounds_done) + reserve > float(budget):
        return "budget"
    if seconds:
        per_round = (now - started) / max(1, rounds_done)
        if now + 2 * per_round > started + float(seconds):
            return "deadline"
    return None


def step_after(step: str, output: Mapping[str, Any]) -> str | None:
    """The step after `step`, given its checkpoint: the next of its round, the next round, or the answer."""
    name, number = split_step(step)
    if name == "plan":
        return "search.1"
    if name == "synthesize":
        return None
    if output.get("stop"):
        return "synthesize"
    if name == "reflect":
        return f"search.{number + 1}"
    if name == "search" and not output["to_read"]:
        return f"analyze.{number}"  # nothing to read: documents are whole, and known pages were read
    if name == "analyze" and number >= int(output["round_limit"]):
        return "synthesize"
    return f"{ROUND_STEPS[ROUND_STEPS.index(name) + 1]}.{number}"


def counted(count: int, noun: str, plural: str | None = None) -> str:
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def split_step(step: str) -> tuple[str, int]:
    name, _, number = step.partition(".")
    return name, int(number or 0)


def state_of(checkpoints: Mapping[str, Any]) -> RunState:
    rounds = sorted({split_step(k)[1] for k in checkpoints if k.startswith("search.")})
    sources: list[dict[str, Any]] = []
    findings: list[dict[str, Any]] = []
    searched: list[str] = []
    read: dict[int, str] = {}
    analysed: set[str] = set()
    unverified = dropped = done = 0
    for number in rounds:
        search = checkpoints[f"search.{number}"]
        sources += search["sources"]
        searched += search["queries"]
        read |= {int(n): url for n, url in (checkpoints.get(f"read.{number}") or {}).get("read", {}).items()}
        analysis = checkpoints.get(f"analyze.{number}")
        if analysis:
            findings += analysis["findings"]
            analysed.update(analysis.get("passages", ()))
            unverified += int(analysis["unverified"])
            dropped += int(analysis["dropped_citations"])
            done = number if not analysis.get("cut") else done
    return RunState(sources, findings, searched, read, analysed, done, unverified, dropped)


def stop_reason(checkpoints: Mapping[str, Any], rounds_done: int) -> str:
    """Why the loop stopped: what its last step said, or the round limit."""
    for number in range(rounds_done + 1, 0, -1):
        for name in ("reflect", "analyze", "read", "search"):
            stop = (checkpoints.get(f"{name}.{number}") or {}).get("stop")
            if stop:
                return str(stop)
    return "rounds"


def normalise_query(query: str) -> str:
    return " ".join(query.lower().split()).strip(" ?.!")


def retrieved(raw: dict[str, Any]) -> Retrieved:
    return Retrieved(
        url=str(raw["url"]),
        title=str(raw.get("title") or raw["url"]),
        snippet=str(raw.get("snippet") or ""),
        content=str(raw.get("content") or ""),
        published_at=raw.get("published_at"),
        origin=str(raw.get("origin") or "web"),
    )


def public_source(source: Mapping[str, Any]) -> dict[str, Any]:
    return {k: source.get(k) for k in PUBLIC_SOURCE_FIELDS}
