"""Watches as the API sees them: saved research that re-runs on a schedule. Create, read, change, delete,
run now, and list runs."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from researcher_pro.core.clock import epoch_rfc3339
from researcher_pro.core.errors import Conflict, InvalidInput, NotFound
from researcher_pro.core.ids import WATCH
from researcher_pro.core.models import Page
from researcher_pro.research.models import ResearchRequest
from researcher_pro.watches.history import RunHistory
from researcher_pro.watches.models import (
    RESEARCH_PARAMS,
    Watch,
    WatchCreated,
    WatchRequest,
    WatchRun,
    WatchUpdate,
    first_error,
)
from researcher_pro.watches.repository import WatchRepository
from researcher_pro.watches.runs import WatchRuns
from researcher_pro.watches.schedules import InvalidSchedule, Schedule, parse_schedule
from researcher_pro.webhooks.service import WebhookService


class WatchService:
    def __init__(
        self,
        repo: WatchRepository,
        runs: WatchRuns,
        history: RunHistory,
        webhooks: WebhookService,
        min_interval_seconds: int,
        max_watches: int,
    ) -> None:
        self._repo = repo
        self._runs = runs
        self._history = history
        self._webhooks = webhooks
        self._min_interval = min_interval_seconds
        self._max_watches = max_watches

    # --- the API ---------------------------------------------------------------------------------
    def create(self, tenant: str, body: WatchRequest) -> WatchCreated:
        now = time.time()
        schedule = self._schedule(body.schedule, now)
        if body.webhook_url:
            self._webhooks.check_watch_url(body.webhook_url)
        request = ResearchRequest.model_validate(body.model_dump(include=set(RESEARCH_PARAMS), exclude_unset=True))
        watch_id = WATCH.new()
        created = epoch_rfc3339(now)
        # The watch's webhook is a webhook of its own (it receives this watch's runs), made first so that the
        # watch is never without the webhook it names.
        webhook_id, secret = (None, None)
        if body.webhook_url:
            webhook_id, secret = self._webhooks.create_for_watch(tenant, watch_id, body.webhook_url)
        watch: dict[str, Any] = {
            "id": watch_id,
            "request": request.model_dump_json(exclude_none=True),
            "schedule": schedule.expression,
            "schedule_anchor": int(now),
            "enabled": body.enabled,
            "webhook_url": body.webhook_url,
            "webhook_id": webhook_id,
            "runs": 0,
            "version": 0,
            "created_at": created,
            "updated_at": created,
        }
        run = None
        if body.enabled:
            moment = datetime.fromtimestamp(now, UTC)
            upcoming = schedule.next_after(moment, moment)
            if upcoming is not None:
                watch["next_run_at"] = int(upcoming.timestamp())
            # The baseline runs at once; the schedule takes over from the next fire time.
            run = self._runs.new_run(watch, "baseline", now)
            watch.update(runs=1, last_run_at=run["started_at"], last_research_id=run["research_id"])
        if not self._repo.create(tenant, watch, run, self._runs.resume_at(now), self._max_watches):
            if webhook_id:
                self._webhooks.delete_for_watch(tenant, webhook_id)
            raise Conflict(
                f"this tenant has {self._max_watches} watches, as many as it may have: delete one to create another"
            )
        if run:
            self._runs.start(tenant, run)
        return WatchCreated(**self._watch(watch).model_dump(), webhook_secret=secret)

    def get(self, tenant: str, watch_id: str) -> Watch:
        return self._watch(self._record(tenant, watch_id))

    def list(self, tenant: str, limit: int, cursor: str | None) -> Page[Watch]:
        records, next_cursor = self._repo.list_page(tenant, limit, cursor)
        return Page[Watch](items=[self._watch(r) for r in records], next_cursor=next_cursor)

    def update(self, tenant: str, watch_id: str, body: WatchUpdate) -> WatchCreated:
        given = body.model_dump(exclude_unset=True)
        if given.get("webhook_url"):
            self._webhooks.check_watch_url(given["webhook_url"])
        for _ in range(5):
            record = self._record(tenant, watch_id)
            now = time.time()
            changes: dict[str, Any] = {"updated_at": epoch_rfc3339(now)}
            self._research_changes(record, given, changes)
            next_run = self._schedule_changes(record, given, changes, now)
            webhook = self._webhook_changes(tenant, record, given, changes)
            # Conditional on the version read: a scheduler moving the watch on meanwhile makes us re-read.
            if self._repo.update(tenant, watch_id, int(record["version"]), changes, next_run):
                return WatchCreated(**self.get(tenant, watch_id).model_dump(), webhook_secret=webhook.commit())
            webhook.undo()
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
            raise InvalidInput(first_error(error)) from error
        changes["request"] = request.model_dump_json(exclude_none=True)

    def _webhook_changes(
        self, tenant: str, record: dict[str, Any], given: dict[str, Any], changes: dict[str, Any]
    ) -> _WebhookChange:
        """Sets the webhook fields in `changes`; what to do with the watch's webhook once they are written."""
        change = _WebhookChange(self._webhooks, tenant)
        if "webhook_url" not in given:
            return change
        url, webhook_id = given["webhook_url"], record.get("webhook_id")
        changes["webhook_url"] = url
        if not url:
            changes["webhook_id"] = None
            change.deleted = webhook_id
        elif webhook_id:
            change.moved = (webhook_id, url)
        else:  # the watch's first webhook (or the first since watches' webhooks became webhooks of their own)
            change.created = self._webhooks.create_for_watch(tenant, record["id"], url)
            changes["webhook_id"] = change.created[0]
        changes["webhook_secret"] = None  # the secret is the webhook's now
        return change

    def _schedule_changes(
        self, record: dict[str, Any], given: dict[str, Any], changes: dict[str, Any], now: float
    ) -> int | None:
        """Sets the schedule fields in `changes`; returns when the watch is due next (None: not at all)."""
        enabled = record["enabled"] if given.get("enabled") is None else given["enabled"]
        changes["enabled"] = enabled
        if given.get("schedule") is not None:
            schedule = self._schedule(given["schedule"], now)
            changes["schedule"] = schedule.expression
        elif enabled != record["enabled"]:
            schedule = parse_schedule(record["schedule"], require_future=False)
        else:  # neither the schedule nor the flag changed: the next run time stays
            if enabled and record.get("next_run_at") is not None:
                return int(record["next_run_at"])
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
        return int(changes["next_run_at"])

    def delete(self, tenant: str, watch_id: str) -> None:
        record = self._record(tenant, watch_id)
        if not self._repo.delete(tenant, watch_id):
            raise NotFound(f"no watch {watch_id}")
        if record.get("webhook_id"):
            self._webhooks.delete_for_watch(tenant, record["webhook_id"])

    def run_now(self, tenant: str, watch_id: str) -> WatchRun:
        watch = self._record(tenant, watch_id)
        now = time.time()
        run = self._runs.new_run(watch, "manual", now)
        if not self._repo.add_run(tenant, watch_id, run, self._runs.resume_at(now)):
            raise NotFound(f"no watch {watch_id}")
        self._runs.start(tenant, run)
        summary = self._history.summary(tenant, watch_id, run["research_id"])
        if summary is None:  # deleted between the start and this read
            raise NotFound(f"no watch {watch_id}")
        return summary

    def runs(self, tenant: str, watch_id: str, limit: int, cursor: str | None) -> Page[WatchRun]:
        self._record(tenant, watch_id)
        return self._history.page(tenant, watch_id, limit, cursor)

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

    def _record(self, tenant: str, watch_id: str) -> dict[str, Any]:
        # An id we could not have issued is missing without asking storage.
        record = self._repo.get(tenant, watch_id) if WATCH.issued(watch_id) else None
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
            max_rounds=request.get("max_rounds"),
            max_duration_s=request.get("max_duration_s"),
            output_schema=request.get("output_schema"),
            schedule=record["schedule"],
            enabled=record["enabled"],
            webhook_url=record.get("webhook_url"),
            webhook_id=record.get("webhook_id"),
            next_run_at=epoch_rfc3339(record["next_run_at"])
            if record["enabled"] and record.get("next_run_at") is not None
            else None,
            last_run_at=record.get("last_run_at"),
            last_research_id=record.get("last_research_id"),
            runs=int(record.get("runs") or 0),
            created_at=record["created_at"],
            updated_at=record["updated_at"],
        )


class _WebhookChange:
    """What a watch's update does to the watch's webhook: done once the watch's own change is written
    (`commit`), or undone when it was not (`undo`: the update is tried again from a fresh read)."""

    def __init__(self, webhooks: WebhookService, tenant: str) -> None:
        self._webhooks = webhooks
        self._tenant = tenant
        self.created: tuple[str, str] | None = None  # (id, secret) of a new webhook
        self.moved: tuple[str, str] | None = None  # (id, url)
        self.deleted: str | None = None

    def commit(self) -> str | None:
        """The new webhook's secret, when the watch has a new webhook."""
        if self.moved:
            self._webhooks.change_watch_url(self._tenant, *self.moved)
        if self.deleted:
            self._webhooks.delete_for_watch(self._tenant, self.deleted)
        return self.created[1] if self.created else None

    def undo(self) -> None:
        if self.created:
            self._webhooks.delete_for_watch(self._tenant, self.created[0])
