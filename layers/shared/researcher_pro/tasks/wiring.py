"""The tasks room's parts, built once per container from the settings."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from researcher_pro.core.config import Settings

if TYPE_CHECKING:
    from researcher_pro.realtime.sinks import EventSink
    from researcher_pro.tasks.cache import ResponseCache
    from researcher_pro.tasks.lifecycle import TaskLifecycle
    from researcher_pro.tasks.queue import TaskQueue
    from researcher_pro.tasks.repository import TaskRepository
    from researcher_pro.tasks.steps import TaskPolicy
    from researcher_pro.tasks.sweeper import TaskSweeper
    from researcher_pro.tasks.texts import TextStore


@cache
def task_queue(settings: Settings) -> TaskQueue:
    from researcher_pro.tasks.queue import TaskQueue

    return TaskQueue(settings.tasks_queue_url)


@cache
def task_repository(settings: Settings, kind: str) -> TaskRepository:
    from researcher_pro.core.wiring import list_cursors
    from researcher_pro.tasks.repository import TaskRepository

    return TaskRepository(settings.data_table, kind, list_cursors(settings))


@cache
def task_lifecycle(settings: Settings, kind: str, sinks: tuple[EventSink, ...]) -> TaskLifecycle:
    """How tasks of `kind` end, and where their events go after the log."""
    from researcher_pro.tasks.kinds import KINDS
    from researcher_pro.tasks.lifecycle import TaskLifecycle

    return TaskLifecycle(task_repository(settings, kind), KINDS[kind], settings.event_ttl_days * 86_400, sinks)


@cache
def task_policy(settings: Settings) -> TaskPolicy:
    from researcher_pro.access.wiring import daily_budgets
    from researcher_pro.tasks.steps import TaskPolicy

    return TaskPolicy(
        day_budget=daily_budgets(settings),
        prices=settings.prices(),
        event_ttl_seconds=settings.event_ttl_days * 86_400,
        max_step_attempts=settings.max_step_attempts,
        stuck_after_seconds=settings.stuck_after_seconds,
        concurrency=settings.subquestion_concurrency,
    )


@cache
def response_cache(settings: Settings) -> ResponseCache:
    from researcher_pro.tasks.cache import ResponseCache

    return ResponseCache(settings.data_table, settings.cache_ttl_seconds)


@cache
def text_store(settings: Settings) -> TextStore:
    from researcher_pro.tasks.texts import TextStore

    return TextStore(settings.artifacts_bucket)


@cache
def task_sweeper(settings: Settings, sinks: tuple[EventSink, ...]) -> TaskSweeper:
    from researcher_pro.tasks.kinds import KINDS
    from researcher_pro.tasks.sweeper import TaskSweeper

    lifecycles = {kind: task_lifecycle(settings, kind, sinks) for kind in KINDS}
    return TaskSweeper(lifecycles, task_queue(settings), settings.stuck_after_seconds, settings.max_sweeps)
