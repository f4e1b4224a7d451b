"""Watches: saved research that re-runs on a schedule. Create, read, change, delete, run now, and list runs.

A run is recorded before its research is started, with the research id chosen up front, and the research
start is idempotent on that id. The run record sits in the scheduler's due index until the start is
confirmed, so whatever dies between the two (this function, the scheduler), the scheduler finishes the
start on a later tick: every recorded run gets exactly one research, and no due time gets two runs.
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from researcher_pro.errors import Conflict, DomainError, InvalidInput, NotFound
from researcher_pro.models.common import Page, rfc3339
from researcher_pro.models.research import ResearchRequest
from researcher_pro.models.watches import (
    RESEARCH_PARAMS,
    RunTrigger,
    Watch,
    WatchCreated,
    WatchRequest,
    WatchRun,
    WatchUpdate,
)
from researcher_pro.observability import logger
from researcher_pro.services.research import ResearchService
from researcher_pro.services.schedules import InvalidSchedule, Schedule, parse_schedule
from researcher_pro.services.watch_diff import diff_runs
from researcher_pro.services.webhooks import WebhookPolicy
from researcher_pro.storage.tasks import TaskRepository
from researcher_pro.storage.watches import (
    DUE_SHARDS,
    META,
    WatchRepository,
    due_partition,
    due_sort_key,
    run_sort_key,
)

LOOKAHEAD = 10  # older runs read past a page to find each run's previous successful run
SUMMARY_WINDOW = 25  # runs looked at when a completed run is summarised


def _iso(epoch: float | None) -> str | None:
    return None if epoch is None else rfc3339(datetime.fromtimestamp(epoch, UTC))


class WatchRuns:
    """Runs with their status and cost from their research, and their diff against the previous success."""

    def __init__(self, repo: WatchRepository, research_repo: TaskRepository) -> None:
        self._repo = repo
        self._research = research_repo

    def page(self, tenant: str, watch_id: str, limit: int, cursor: str | None) -> Page[WatchRun]:
        runs, older, next_cursor = self._repo.runs(tenant, watch_id, limit, cursor, LOOKAHEAD)
        return Page[WatchRun](items=self._described(tenant, runs, older), next_cursor=next_cursor)

    def summary(self, tenant: str, watch_id: str, research_id: str) -> WatchRun | None:
        runs, older, _ = self._repo.runs(tenant, watch_id, SUMMARY_WINDOW, None, LOOKAHEAD)
        everything = runs + older
        for index, run in enumerate(everything):
            if run["research_id"] == research_id:
                return self._described(tenant, [run], everything[index + 1 :])[0]
        return None

    def _described(self, tenant: str, runs: list[dict[str, Any]], older: list[dict[str, Any]]) -> list[WatchRun]:
        everything = runs + older
        records = self._research.get_many(tenant, [r["research_id"] for r in everything])
        described = []
        for index, run in enumerate(runs):
            record = records.get(run["research_id"])
            previous = next(
                (
                    records[r["research_id"]]
                    for r in everything[index + 1 :]
                    if records.get(r["research_id"], {}).get("status") == "succeeded"
                ),
                None,
            )
            diff = None
            if record and record["status"] == "succeeded" and previous:
                diff = diff_runs(previous, record)
            if record:
                status = record["status"]
            elif run.get("start_error"):
                status = "failed"
            else:
                status = "starting" if "gsi3pk" in run else "deleted"
            described.append(
                WatchRun(
                    research_id=run["research_id"],
                    started_at=run["started_at"],
                    trigger=run["trigger"],
                    status=status,
                    cost_usd=float((record or {}).get("usage_cost_usd") or 0.0),
                    cache_hits=int((record or {}).get("usage_cache_hits") or 0),
                    previous_research_id=previous["id"] if previous and diff else None,
                    diff=diff,
                )
            )
        return described


class WatchService:
    def __init__(
        self,
        repo: WatchRepository,
        runs: WatchRuns,
        research: ResearchService,
        webhooks: WebhookPolicy,
        min_interval_seconds: int,
        start_grace_seconds: int,
    ) -> None:
        self._repo = repo
        self._runs = runs
        self._research = research
        self._webhooks = webhooks
        self._min_interval = min_interval_seconds
        self._grace = start_grace_seconds

    # --- the API ---------------------------------------------------------------------------------
    def create(self, tenant: str, body: WatchRequest) -> WatchCreated:
        now = time.time()
        schedule = self._schedule(body.schedule, now)
        if body.webhook_url:
            self._webhooks.check(body.webhook_url)
        request = ResearchRequest.model_validate(body.model_dump(include=set(RESEARCH_PARAMS), exclude_unset=True))
        watch_id = f"wat_{uuid.uuid4().hex}"
        created = rfc3339(datetime.fromtimestamp(now, UTC))
        secret = f"whsec_{secrets.token_urlsafe(32)}" if body.webhook_url else None
        watch: dict[str, Any] = {
            "pk": f"T#{tenant}#W#{watch_id}",
            "sk": META,
            "gsi1pk": f"T#{tenant}#W",
            "gsi1sk": f"{created}#{watch_id}",
            "tenant": tenant,
            "id": watch_id,
            "kind": "watch",
            "request": request.model_dump_json(exclude_none=True),
            "schedule": schedule.expression,
            "schedule_anchor": int(now),
            "enabled": body.enabled,
            "webhook_url": body.webhook_url,
            "webhook_secret": secret,
            "runs": 0,
            "version": 0,
            "created_at": created,
            "updated_at": created,
        }
        run = None
        if body.enabled:
            self._place(watch, tenant, schedule, now)
            # The baseline runs at once; the schedule takes over from the next fire time.
            run = self._run_item(tenant, watch, "baseline", now)
            watch.update(runs=1, last_run_at=run["started_at"], last_research_id=run["research_id"])
        self._repo.create(tenant, watch, run)
        if run:
            self.start_run(run)
        return WatchCreated(**self._watch(watch).model_dump(), webhook_secret=secret)

    def get(self, tenant: str, watch_id: str) -> Watch:
        return self._watch(self._record(tenant, watch_id))

    def list(self, tenant: str, limit: int, cursor: str | None) -> Page[Watch]:
        records, next_cursor = self._repo.list_page(tenant, limit, cursor)
        return Page[Watch](items=[self._watch(r) for r in records], next_cursor=next_cursor)

    def update(self, tenant: str, watch_id: str, body: WatchUpdate) -> WatchCreated:
        given = body.model_dump(exclude_unset=True)
        for _ in range(5):
            record = self._record(tenant, watch_id)
            now = time.time()
            changes: dict[str, Any] = {"updated_at": rfc3339(datetime.fromtimestamp(now, UTC))}
            self._research_changes(record, given, changes)
            secret = self._webhook_changes(record, given, changes)
            due = self._schedule_changes(tenant, record, given, changes, now)
            # Conditional on the version read: a scheduler advancing the watch meanwhile makes us re-read.
            if self._repo.update(tenant, watch_id, int(record["version"]), changes, due):
                return WatchCreated(**self.get(tenant, watch_id).model_dump(), webhook_secret=secret)
        raise Conflict(f"watch {watch_id} kept changing while being updated; try again")

    @staticmethod
    def _research_changes(record: dict[str, Any], given: dict[str, Any], changes: dict[str, Any]) -> None:
        research_changes = {k: v for k, v in given.items() if k in RESEARCH_PARAMS}
        if not research_changes:
            return
        merged = {**json.loads(record["request"]), **research_changes}
        try:
            request = ResearchRequest.model_validate({k: v for k, v in merged.items() if v is not None})
        except ValidationError as error:
            raise InvalidInput(_first_error(error)) from error
        changes["request"] = request.model_dump_json(exclude_none=True)

    def _webhook_changes(self, record: dict[str, Any], given: dict[str, Any], changes: dict[str, Any]) -> str | None:
        """The new secret when this change gives the watch its first webhook (shown once, in the reply)."""
        if "webhook_url" not in given:
            return None
        url = given["webhook_url"]
        changes["webhook_url"] = url
        if not url:
            changes["webhook_secret"] = None
            return None
        self._webhooks.check(url)
        if record.get("webhook_secret"):
            return None
        secret = f"whsec_{secrets.token_urlsafe(32)}"
        changes["webhook_secret"] = secret
        return secret

    def _schedule_changes(
        self, tenant: str, record: dict[str, Any], given: dict[str, Any], changes: dict[str, Any], now: float
    ) -> str | None:
        """Sets the schedule fields in `changes`; returns the watch's due-index key (None: out of the index)."""
        watch_id = record["id"]
        enabled = record["enabled"] if given.get("enabled") is None else given["enabled"]
        changes["enabled"] = enabled
        if given.get("schedule") is not None:
            schedule = self._schedule(given["schedule"], now)
            changes["schedule"] = schedule.expression
        elif enabled != record["enabled"]:
            schedule = parse_schedule(record["schedule"], require_future=False)
        else:  # neither the schedule nor the flag changed: the next run time stays
            if enabled and record.get("next_run_at") is not None:
                return due_sort_key(int(record["next_run_at"]), tenant, watch_id, META)
            return None
        changes["next_run_at"] = None
        if not enabled:
            return None
        # A new schedule, or a re-enabled one: a rate counts from now, not from before the change.
        changes["schedule_anchor"] = int(now)
        moment = datetime.fromtimestamp(now, UTC)
        upcoming = schedule.next_after(moment, moment)
        if upcoming is None:
            return None
        changes["next_run_at"] = int(upcoming.timestamp())
        return due_sort_key(changes["next_run_at"], tenant, watch_id, META)

    def delete(self, tenant: str, watch_id: str) -> None:
        if not self._repo.delete(tenant, watch_id):
            raise NotFound(f"no watch {watch_id}")

    def run_now(self, tenant: str, watch_id: str) -> WatchRun:
        watch = self._record(tenant, watch_id)
        run = self._run_item(tenant, watch, "manual", time.time())
        if not self._repo.add_run(tenant, watch_id, run):
            raise NotFound(f"no watch {watch_id}")
        self.start_run(run)
        summary = self._runs.summary(tenant, watch_id, run["research_id"])
        assert summary is not None
        return summary

    def runs(self, tenant: str, watch_id: str, limit: int, cursor: str | None) -> Page[WatchRun]:
        self._record(tenant, watch_id)
        return self._runs.page(tenant, watch_id, limit, cursor)

    # --- the scheduler ---------------------------------------------------------------------------
    def run_due(self, now: float | None = None, limit: int = 100) -> dict[str, int]:
        """Start every watch whose next run time has come, and finish starts that were cut short."""
        now = time.time() if now is None else now
        counts = {"started": 0, "skipped": 0, "resumed": 0, "errors": 0}
        for shard in range(DUE_SHARDS):
            for item in self._repo.due(shard, int(now), limit):
                try:
                    if item["sk"] == META:
                        counts["started" if self._advance(item, now) else "skipped"] += 1
                    else:
                        self.start_run(item)
                        counts["resumed"] += 1
                except Exception:
                    # One watch's trouble must not hold up the others; a recorded run is resumed next tick.
                    logger.exception("a due watch could not be handled", extra={"watch": item.get("id")})
                    counts["errors"] += 1
        return counts

    def _advance(self, watch: dict[str, Any], now: float) -> bool:
        tenant, watch_id = watch["tenant"], watch["id"]
        schedule = parse_schedule(watch["schedule"], require_future=False)
        # The first fire time after now, not after the missed one: missed runs collapse into this one.
        upcoming = schedule.next_after(
            datetime.fromtimestamp(now, UTC), datetime.fromtimestamp(watch["schedule_anchor"], UTC)
        )
        run = self._run_item(tenant, watch, "schedule", now)
        run["due_at"] = int(watch["next_run_at"])
        moved = self._repo.advance(
            tenant,
            watch_id,
            expected_next_run=int(watch["next_run_at"]),
            next_run=int(upcoming.timestamp()) if upcoming else None,
            run=run,
        )
        if moved:
            self.start_run(run)
        return moved

    def start_run(self, run: dict[str, Any]) -> None:
        """Start (or finish starting) the research of a recorded run; idempotent on its research id."""
        tenant, watch_id = run["tenant"], run["watch_id"]
        error = None
        try:
            request = ResearchRequest.model_validate_json(run["request"])
            self._research.start(tenant, request, watch_id=watch_id, research_id=run["research_id"])
        except ValidationError as invalid:
            error = {"code": "invalid_request", "message": _first_error(invalid)}
        except DomainError as refused:  # e.g. its template is gone: the run fails, later runs still try
            error = {"code": refused.code, "message": refused.detail}
        if error:
            logger.warning("a watch run could not start", extra={"watch_id": watch_id, **error})
        self._repo.run_started(tenant, watch_id, run["sk"], error)

    # --- helpers ---------------------------------------------------------------------------------
    def _schedule(self, expression: str, now: float) -> Schedule:
        try:
            schedule = parse_schedule(expression)
        except InvalidSchedule as error:
            raise InvalidSchedule(f"schedule: {error.detail}") from error
        start = datetime.fromtimestamp(now, UTC)
        shortest = schedule.shortest_interval(start, stop_below=self._min_interval)
        if shortest is not None and shortest < self._min_interval:
            raise InvalidSchedule(
                f"schedule: {expression} can fire {int(shortest)} seconds apart; "
                f"watches may run at most every {self._min_interval} seconds"
            )
        return schedule

    def _place(self, watch: dict[str, Any], tenant: str, schedule: Schedule, now: float) -> None:
        upcoming = schedule.next_after(datetime.fromtimestamp(now, UTC), datetime.fromtimestamp(now, UTC))
        if upcoming is None:
            return
        watch["next_run_at"] = int(upcoming.timestamp())
        watch["gsi3pk"] = due_partition(tenant, watch["id"])
        watch["gsi3sk"] = due_sort_key(watch["next_run_at"], tenant, watch["id"], META)

    def _run_item(self, tenant: str, watch: dict[str, Any], trigger: RunTrigger, now: float) -> dict[str, Any]:
        research_id = f"res_{uuid.uuid4().hex}"
        started = rfc3339(datetime.fromtimestamp(now, UTC))
        grace_until = int(now) + self._grace
        return {
            "pk": f"T#{tenant}#W#{watch['id']}",
            "sk": run_sort_key(started, research_id),
            "tenant": tenant,
            "watch_id": watch["id"],
            "research_id": research_id,
            "trigger": trigger,
            "started_at": started,
            # The research parameters as they were when the run was due, so a resumed start runs exactly them.
            "request": watch["request"],
            "gsi3pk": due_partition(tenant, watch["id"]),
            "gsi3sk": due_sort_key(grace_until, tenant, watch["id"], research_id),
        }

    def _record(self, tenant: str, watch_id: str) -> dict[str, Any]:
        record = self._repo.get(tenant, watch_id)
        if record is None:
            raise NotFound(f"no watch {watch_id}")
        return record

    @staticmethod
    def _watch(record: dict[str, Any]) -> Watch:
        request = json.loads(record["request"])
        return Watch(
            id=record["id"],
            query=request.get("query"),
            template_id=request.get("template_id"),
            variables=request.get("variables"),
            depth=request.get("depth", "standard"),
            sources=request.get("sources", ["web"]),
            recency=request.get("recency"),
            domains=request.get("domains", []),
            max_cost_usd=request.get("max_cost_usd"),
            schedule=record["schedule"],
            enabled=record["enabled"],
            webhook_url=record.get("webhook_url"),
            next_run_at=_iso(record.get("next_run_at")) if record["enabled"] else None,
            last_run_at=record.get("last_run_at"),
            last_research_id=record.get("last_research_id"),
            runs=int(record.get("runs") or 0),
            created_at=record["created_at"],
            updated_at=record["updated_at"],
        )


def _first_error(error: ValidationError) -> str:
    issue = error.errors()[0]
    field = ".".join(str(p) for p in issue.get("loc", ())) or "body"
    return f"{field}: {issue.get('msg', 'invalid')}"
