"""The real-time room's parts, built once per container from the settings."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from researcher_pro.realtime.connections import ConnectionRepository
    from researcher_pro.realtime.fanout import Fanout
    from researcher_pro.realtime.gateway import ConnectionGateway
    from researcher_pro.realtime.service import RealtimeService
    from researcher_pro.realtime.sinks import EventSink
    from researcher_pro.tasks.repository import TaskRepository

from researcher_pro.core.config import Settings


@cache
def connection_gateway(settings: Settings) -> ConnectionGateway:
    from researcher_pro.realtime.gateway import ConnectionGateway

    return ConnectionGateway(settings.ws_management_url)


@cache
def connections(settings: Settings) -> ConnectionRepository:
    from researcher_pro.realtime.connections import ConnectionRepository

    return ConnectionRepository(settings.connections_table)


def task_logs(settings: Settings) -> dict[str, TaskRepository]:
    """Every kind's event log, for replays; the kinds share one table."""
    from researcher_pro.tasks.kinds import KINDS
    from researcher_pro.tasks.wiring import task_repository

    return {kind: task_repository(settings, kind) for kind in KINDS}


@cache
def fanout(settings: Settings) -> Fanout:
    from researcher_pro.realtime.fanout import Fanout

    return Fanout(
        connections(settings),
        connection_gateway(settings),
        task_logs(settings),
        lease_seconds=settings.delivery_lease_seconds,
    )


@cache
def live_sinks(settings: Settings) -> tuple[EventSink, ...]:
    """The WebSocket fan-out; nothing when no WebSocket API is configured (events stay in their logs)."""
    return (fanout(settings),) if settings.ws_management_url else ()


@cache
def realtime_service(settings: Settings) -> RealtimeService:
    from researcher_pro.access.wiring import api_keys
    from researcher_pro.realtime.service import RealtimeService

    return RealtimeService(
        api_keys(settings),
        connections(settings),
        fanout(settings),
        connection_gateway(settings),
        task_logs(settings),
        settings.connection_ttl_seconds,
    )
