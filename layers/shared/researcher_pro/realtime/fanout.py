"""The WebSocket fan-out: committed task events pushed to the connections subscribed to them.

Guarantee, per subscription to a task (`research:<id>` and the like): the client receives every
event of that task's log after the subscription's starting point, in `seq` order, each exactly once,
whether it arrives by the replay a `subscribe` with `after` starts or by a live push from whatever
committed the event (the worker, the API's cancel). Unless the connection goes away, or a send
keeps failing after its retries (then the event is retried with the next one the task commits, and
the client can always read `GET /v1/research/{id}/events?after=`).

How: the subscription item holds `delivered`, the seq of the last event sent. Sending event `s`
first *claims* it with one conditional write, `delivered: s-1 → s`, which also takes a short lease
(`busy_owner`/`busy_until`), and only the claim's winner sends. So no seq is sent twice, and no seq
is sent before the one before it was claimed; the lease keeps the sends themselves in order (a
second sender cannot claim `s+1` while `s` is still on its way). Whoever sends — a replay or a live
push, the code is the same `_pump` — goes on reading the log after its last event, releases the
lease, and reads the log once more before it stops. Every event is *committed before* its
committer pumps, so for each committed event `e` one of these holds:
- the committer's pump claims and sends `e` itself;
- its claim fails because `delivered` is already at or past `e`: sent;
- its claim fails because another pump holds the lease: that pump's last log read comes after its
  release, which comes after this failure, which comes after `e` was committed, so it sends `e`;
- its claim fails because `delivered` moved since it was read: the pump re-reads the subscription
  consistently and carries on from there, filling any gap from the log itself.
A subscription written after an event's committer looked for subscribers still gets that event:
`subscribe` records where it starts before anything can be missed, then pumps from there.

At scale: a live event's committer claims every subscription that is up to date in one transaction,
posts to them all at once on a bounded pool (one kept-alive connection each), lets them all go in one
transaction and reads the log once for all of them, so an event costs the same few DynamoDB requests
whether one client follows the task or hundreds. A claim the transaction could not take (contended,
moved on, unsubscribed) is left to that subscription's own pump, which is the protocol above as it is.

Events that belong to no task, and `all` subscriptions (seq is per task, so there is nothing to
resume), are pushed live at most once per connection: a connection that also follows the event's
task gets it only through that subscription.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from enum import Enum
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from researcher_pro.core import metric_names
from researcher_pro.core.observability import add_metric, logger
from researcher_pro.realtime.connections import ConnectionRepository
from researcher_pro.realtime.gateway import POSTS_AT_ONCE, ConnectionGateway, ConnectionGone
from researcher_pro.realtime.messages import ALL, encode, task_of, topic
from researcher_pro.tasks.repository import TaskRepository

LOG_PAGE = 100
MAX_ROUNDS = 50  # bounds one pump; whatever is left is picked up by the next event's pump


class Sent(Enum):
    OK = "ok"
    GONE = "gone"  # 410: the connection was deleted
    FAILED = "failed"  # still failing after retries


class Fanout:
    def __init__(
        self,
        connections: ConnectionRepository,
        gateway: ConnectionGateway,
        logs: Mapping[str, TaskRepository],
        lease_seconds: float = 10.0,
        workers: int = POSTS_AT_ONCE,
    ) -> None:
        self._connections = connections
        self._gateway = gateway
        self._logs = logs
        self._lease = lease_seconds
        self._workers = workers
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    # --- EventSink -------------------------------------------------------------------------------
    def emitted(self, tenant: str, event: dict[str, Any]) -> None:
        task = task_of(event)
        seq = event.get("seq")
        pool = self._executor()
        # Both lookups at once: they are on the path from append to arrival.
        everything = pool.submit(self._connections.subscribers, tenant, ALL)
        followers: list[dict[str, Any]] = []
        if task is not None:
            followers = self._connections.subscribers(tenant, topic(*task))
        covered = {sub["connection_id"] for sub in followers}
        sends = []
        if task is None or not (isinstance(seq, int) and task[0] in self._logs):
            sends = [pool.submit(self.send, sub["connection_id"], event) for sub in followers]
            followers = []
        for sub in everything.result():
            if sub["connection_id"] not in covered:
                covered.add(sub["connection_id"])
                sends.append(pool.submit(self.send, sub["connection_id"], event))
        if task is not None and followers:
            self._deliver(tenant, task[0], task[1], followers, event)
        for sent in sends:
            sent.result()

    def _deliver(
        self, tenant: str, kind: str, task_id: str, followers: list[dict[str, Any]], event: dict[str, Any]
    ) -> None:
        """`event` to every subscription of its task, by the protocol above, with its DynamoDB writes shared:
        the subscriptions whose last event sent is the one before it are claimed in one transaction, sent to
        at once, and let go in one transaction, then the log is read once for all of them. Any other (behind,
        contended, or a send that failed) goes through its own pump."""
        seq, name = int(event["seq"]), topic(kind, task_id)
        ready = [sub for sub in followers if sub.get("delivered") == seq - 1]
        behind = [sub for sub in followers if isinstance(sub.get("delivered"), int) and sub["delivered"] < seq - 1]
        pool = self._executor()
        alone = [
            pool.submit(self._pump, tenant, kind, task_id, sub["connection_id"], sub["delivered"], event)
            for sub in behind
        ]
        if ready:
            owner, now = uuid.uuid4().hex, time.time()
            claims = [(str(sub["connection_id"]), seq - 1) for sub in ready]
            refused = self._connections.claim_many(
                claims, name, seq=seq, owner=owner, lease_until=now + self._lease, now=now
            )
            for position in sorted(refused):
                alone.append(pool.submit(self._pump, tenant, kind, task_id, claims[position][0], seq - 1, event))
            claimed = [connection_id for position, (connection_id, _) in enumerate(claims) if position not in refused]
            outcomes = list(pool.map(lambda connection_id: self.send(connection_id, event), claimed))
            sent = [
                connection_id for connection_id, outcome in zip(claimed, outcomes, strict=True) if outcome is Sent.OK
            ]
            for connection_id, outcome in zip(claimed, outcomes, strict=True):
                if outcome is Sent.FAILED:
                    self._connections.unclaim(connection_id, name, seq=seq, back_to=seq - 1, owner=owner)
            if sent:
                self._connections.release_many(sent, name, owner)
                # Let go, then read: an event whose pump found our lease is in the log by now.
                if self._logs[kind].events(tenant, task_id, seq, 1):
                    alone += [pool.submit(self._pump, tenant, kind, task_id, c, seq, None) for c in sent]
        for pumped in alone:
            pumped.result()

    # --- for subscribe ---------------------------------------------------------------------------
    def catch_up(self, tenant: str, kind: str, task_id: str, connection_id: str, delivered: int) -> None:
        """Send what the log holds after `delivered`, then leave the rest to live pushes."""
        self._pump(tenant, kind, task_id, connection_id, delivered, None)

    def send(self, connection_id: str, message: dict[str, Any]) -> Sent:
        """One message to one connection. A 410 deletes the connection; other errors are logged."""
        try:
            self._gateway.post(connection_id, encode(message))
        except ConnectionGone:
            logger.info("connection gone; deleting it", extra={"connection_id": connection_id})
            self._connections.disconnect(connection_id)
            return Sent.GONE
        except Exception:
            logger.exception("could not reach a connection", extra={"connection_id": connection_id})
            add_metric(metric_names.PUSH_FAILURES, MetricUnit.Count, 1)
            return Sent.FAILED
        add_metric(metric_names.PUSHES, MetricUnit.Count, 1)
        return Sent.OK

    # --- the delivery protocol (see the module docstring) ---------------------------------------
    def _pump(
        self,
        tenant: str,
        kind: str,
        task_id: str,
        connection_id: str,
        delivered: int | None,
        known: dict[str, Any] | None,
    ) -> None:
        if delivered is None:
            return
        name, owner = topic(kind, task_id), uuid.uuid4().hex
        holding = False
        for _ in range(MAX_ROUNDS):
            if known is not None and known["seq"] <= delivered:
                return  # already sent by a pump that reads the log on after it
            if known is not None and known["seq"] == delivered + 1:
                pending = [known]
            else:
                if holding:
                    # Release, then read: an event whose pump found our lease is in the log by now.
                    self._connections.release(connection_id, name, owner)
                    holding = False
                pending = self._logs[kind].events(tenant, task_id, delivered, LOG_PAGE)
            known = None
            if not pending:
                return
            delivered, holding, go_on = self._send_in_order(connection_id, name, owner, delivered, pending)
            if not go_on:
                return
        if holding:
            self._connections.release(connection_id, name, owner)

    def _send_in_order(
        self, connection_id: str, name: str, owner: str, delivered: int, pending: list[dict[str, Any]]
    ) -> tuple[int, bool, bool]:
        """Claim and send each event in turn: (last seq delivered, lease held, whether to read on)."""
        holding = False
        for event in pending:
            seq = int(event["seq"])
            now = time.time()
            lease = now + self._lease
            if not self._connections.claim(
                connection_id, name, after=delivered, seq=seq, owner=owner, lease_until=lease, now=now
            ):
                current = self._connections.subscription(connection_id, name)
                if current is None or current.get("delivered") is None:
                    return delivered, holding, False  # unsubscribed or disconnected
                if current.get("busy_owner") not in (None, owner) and float(current.get("busy_until", 0)) >= now:
                    return delivered, holding, False  # the lease holder reads the log after it lets go
                return int(current["delivered"]), holding, True  # moved on meanwhile: carry on from there
            holding = True
            outcome = self.send(connection_id, event)
            if outcome is Sent.GONE:
                return delivered, False, False
            if outcome is Sent.FAILED:
                self._connections.unclaim(connection_id, name, seq=seq, back_to=delivered, owner=owner)
                return delivered, False, False
            delivered = seq
        return delivered, holding, True

    def _executor(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="fanout")
            return self._pool
