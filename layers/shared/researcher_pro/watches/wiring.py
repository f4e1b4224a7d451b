"""The watches room's services, built once per container from the settings; and the event sinks of every
function that commits task events, since reacting to a watch's finished research belongs here.

Imports are inside the functions: a container loads only the parts it builds.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from researcher_pro.core.config import Settings

if TYPE_CHECKING:
    from researcher_pro.realtime.sinks import EventSink
    from researcher_pro.watches.history import RunHistory
    from researcher_pro.watches.notifier import WatchRunNotifier
    from researcher_pro.watches.repository import WatchRepository
    from researcher_pro.watches.runs import WatchRuns
    from researcher_pro.watches.scheduler import WatchScheduler
    from researcher_pro.watches.service import WatchService

    # The webhooks room's types, as its wiring (which builds them) names them.
    from researcher_pro.webhooks.wiring import DeliverySweeper, WebhookOutbox


@cache
def watch_repository(settings: Settings) -> WatchRepository:
    from researcher_pro.core.wiring import list_cursors
    from researcher_pro.watches.repository import WatchRepository

    return WatchRepository(settings.data_table, list_cursors(settings))


@cache
def watch_runs(settings: Settings) -> WatchRuns:
    from researcher_pro.research.wiring import research_records
    from researcher_pro.watches.runs import WatchRuns

    return WatchRuns(watch_repository(settings), lambda: research_records(settings), settings.watch_start_grace_seconds)


@cache
def run_history(settings: Settings) -> RunHistory:
    from researcher_pro.research.wiring import research_records
    from researcher_pro.watches.history import RunHistory

    return RunHistory(watch_repository(settings), research_records(settings))


@cache
def watch_service(settings: Settings) -> WatchService:
    from researcher_pro.watches.service import WatchService
    from researcher_pro.webhooks.wiring import webhook_service

    return WatchService(
        watch_repository(settings),
        watch_runs(settings),
        run_history(settings),
        webhook_service(settings),
        settings.min_schedule_seconds,
        settings.max_watches_per_tenant,
    )


@cache
def watch_scheduler(settings: Settings) -> WatchScheduler:
    from researcher_pro.access.wiring import admission
    from researcher_pro.watches.scheduler import WatchScheduler

    return WatchScheduler(watch_repository(settings), watch_runs(settings), admission(settings))


@cache
def watch_run_notifier(settings: Settings) -> WatchRunNotifier:
    from researcher_pro.realtime.wiring import live_sinks
    from researcher_pro.research.wiring import research_records
    from researcher_pro.watches.notifier import WatchRunNotifier

    return WatchRunNotifier(research_records(settings), run_history(settings), live_sinks(settings))


@cache
def webhook_outbox(settings: Settings) -> WebhookOutbox:
    """The webhooks outbox of task ends, with what a watch's run adds to its research's end:
    `watch.run_completed` (the notifier is built when a watch's research first ends)."""
    from researcher_pro.webhooks.wiring import webhook_outbox as outbox

    return outbox(settings, derive=(lambda tenant, event: watch_run_notifier(settings).webhook_events(tenant, event),))


@cache
def event_sinks(settings: Settings) -> tuple[EventSink, ...]:
    """Where a committed task event goes after its log: the WebSocket fan-out; the watch-run notifier, which
    turns a watch's finished research into `watch.run_completed` for the fan-out (built on the first event,
    since most functions commit few); and the webhooks outbox, which stages a task's end in the transaction
    that ends it and hands it on to webhooks after the commit."""
    from researcher_pro.realtime.sinks import LazySink
    from researcher_pro.realtime.wiring import live_sinks

    return (*live_sinks(settings), LazySink(lambda: watch_run_notifier(settings)), webhook_outbox(settings))


def webhook_sweeper(settings: Settings) -> DeliverySweeper:
    """The webhook deliveries' sweeper, draining the outbox as the functions that end tasks do."""
    from researcher_pro.webhooks.wiring import delivery_sweeper

    return delivery_sweeper(settings, webhook_outbox(settings))
