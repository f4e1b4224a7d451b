"""The WebSocket API's rules: who may connect, what a client may subscribe to, how it is answered.

Replies go back through the management API like every other message (the routes have no route
responses), so a reply and the events it starts arrive in the order they were sent.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from researcher_pro.access.api_keys import ApiKeyService
from researcher_pro.core.clock import rfc3339
from researcher_pro.core.observability import logger
from researcher_pro.realtime.connections import MAX_TOPICS, ConnectionRepository
from researcher_pro.realtime.fanout import LOG_PAGE, Fanout
from researcher_pro.realtime.gateway import ConnectionGateway
from researcher_pro.realtime.messages import ALL, topic
from researcher_pro.tasks.kinds import KINDS
from researcher_pro.tasks.repository import TaskRepository

if TYPE_CHECKING:
    from researcher_pro.realtime.models import ClientMessage, Subscribe, Unsubscribe

MAX_CLIENT_MESSAGE_CHARS = 4096
ACTIONS = ("subscribe", "unsubscribe", "ping")


class RealtimeService:
    def __init__(
        self,
        api_keys: ApiKeyService,
        connections: ConnectionRepository,
        fanout: Fanout,
        gateway: ConnectionGateway,
        tasks: Mapping[str, TaskRepository],
        connection_ttl_seconds: int,
    ) -> None:
        self._api_keys = api_keys
        self._connections = connections
        self._fanout = fanout
        self._gateway = gateway
        self._tasks = tasks
        self._ttl = connection_ttl_seconds

    # --- $connect / $disconnect ------------------------------------------------------------------
    def connect(self, connection_id: str, token: str | None) -> str:
        """Register the connection for the key's tenant; raises Unauthorized for a bad key."""
        tenant = self._api_keys.authenticate(token)
        now = time.time()
        self._connections.connect(connection_id, tenant, rfc3339(datetime.now(UTC)), int(now) + self._ttl)
        return tenant

    def disconnect(self, connection_id: str) -> None:
        self._connections.disconnect(connection_id)

    # --- $default --------------------------------------------------------------------------------
    def receive(self, connection_id: str, body: str | None, binary: bool = False) -> None:
        connection, topics = self._connections.get_with_topics(connection_id)
        if connection is None:
            # Not ours (or expired): nothing may be sent to it but a goodbye.
            try:
                self._gateway.close(connection_id)
            except Exception:
                logger.exception("could not close an unknown connection", extra={"connection_id": connection_id})
            return
        tenant, expires_at = str(connection["tenant"]), int(connection["ttl"])
        message, problem = (None, "binary frames are not understood: send JSON text") if binary else self._parse(body)
        if problem is not None or message is None:
            self._reply(connection_id, {"type": "error", "detail": problem or "the message could not be read"})
            return
        if message.action == "ping":
            self._reply(connection_id, {"type": "pong"})
        elif message.action == "subscribe":
            self._subscribe(connection_id, tenant, expires_at, message, topics)
        else:
            self._unsubscribe(connection_id, tenant, message)

    def _subscribe(
        self, connection_id: str, tenant: str, expires_at: int, message: Subscribe, topics: frozenset[str]
    ) -> None:
        task = message.task()
        name = ALL if task is None else topic(*task)
        if name not in topics and len(topics) >= MAX_TOPICS:
            detail = f"this connection follows {MAX_TOPICS} topics already: open another connection for more"
            self._reply(connection_id, {"type": "error", "detail": detail})
            return
        if task is None:
            self._reply(connection_id, {"type": "subscribed", "all": True})
            self._connections.subscribe(connection_id, tenant, ALL, None, expires_at)
            return
        kind, task_id = task
        # An id we could not have issued is answered like a missing task, without asking storage.
        record: dict[str, Any] | None = None
        missed: list[dict[str, Any]] = []
        if kind in self._tasks and KINDS[kind].ids.issued(task_id):
            if message.after is None:
                record = self._tasks[kind].get(tenant, task_id)
            else:  # and what it missed, in the same read
                record, missed = self._tasks[kind].record_and_events(tenant, task_id, message.after, LOG_PAGE)
        if record is None:
            # Another tenant's task is answered exactly like one that does not exist.
            self._reply(connection_id, {"type": "error", "detail": f"no {kind} {task_id}", f"{kind}_id": task_id})
            return
        start = message.after if message.after is not None else int(record.get("event_seq") or 0)
        # The acknowledgement goes first, so it precedes every event this subscription brings.
        self._reply(connection_id, {"type": "subscribed", f"{kind}_id": task_id, "after": start})
        self._fanout.subscribe(
            tenant, kind, task_id, connection_id, start, missed, expires_at, fresh=name not in topics
        )

    def _unsubscribe(self, connection_id: str, tenant: str, message: Unsubscribe) -> None:
        task = message.task()
        name = ALL if task is None else topic(*task)
        self._connections.unsubscribe(connection_id, tenant, name)
        target: dict[str, Any] = {"all": True} if task is None else {f"{task[0]}_id": task[1]}
        self._reply(connection_id, {"type": "unsubscribed", **target})

    def _reply(self, connection_id: str, message: dict[str, Any]) -> None:
        self._fanout.send(connection_id, message)

    @staticmethod
    def _parse(body: str | None) -> tuple[ClientMessage | None, str | None]:
        if not body:
            return None, 'empty message: send JSON such as {"action": "ping"}'
        if len(body) > MAX_CLIENT_MESSAGE_CHARS:
            return None, f"message too long: at most {MAX_CLIENT_MESSAGE_CHARS} characters"
        try:
            raw = json.loads(body)
        except ValueError:
            return None, "the message is not JSON"
        if not isinstance(raw, dict):
            return None, "the message must be a JSON object with an action"
        action = raw.get("action")
        if action not in ACTIONS:
            return None, f"unknown action {action!r}: expected one of {', '.join(ACTIONS)}"
        # Imported here: $connect and $disconnect, and the sweeper, never read a client message.
        from pydantic import ValidationError

        from researcher_pro.realtime.models import read_client_message

        try:
            return read_client_message(raw), None
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(p) for p in first["loc"][1:]) or "message"
            return None, f"{where}: {first['msg']}"

    # --- the connection sweeper ------------------------------------------------------------------
    def sweep(self, now: float | None = None) -> dict[str, int]:
        """Close and forget connections past API Gateway's 2-hour limit (DynamoDB's TTL is late)."""
        removed = 0
        for connection_id in self._connections.expired(now or time.time()):
            try:
                self._gateway.close(connection_id)
            except Exception:
                logger.exception("could not close an expired connection", extra={"connection_id": connection_id})
            removed += self._connections.disconnect(connection_id)
        return {"removed": removed}
