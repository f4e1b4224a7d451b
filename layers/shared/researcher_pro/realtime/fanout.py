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
second sender cannot claim `s+1` while `s` is still on its way). A sender with several events at hand
(a replay, a subscription that fell behind) claims a run of them at once, `delivered: s-1 → t`, and
sends `s`…`t` in order under its lease; a send that fails gives back what it did not send (`delivered`
back to the last event sent). Whoever sends — a replay or a live push, the code is the same `_pump` —
lets go of the lease only in a transaction that also checks that the task has logged no event after
the last one sent; when it has, the pump holds on, reads the log and sends that too. Every event is
*committed before* its committer pumps, so for each committed event `e` one of these holds:
- the committer's pump claims and sends `e` itself;
- its claim fails because `delivered` is already at or past `e`: sent, or in a run on its way under
  the lease of whoever claimed it (which gives back what it could not send);
- its claim fails because another pump holds the lease: that pump lets go only in a transaction that
  finds no event after its last one, which comes after this failure, which comes after `e` was
  committed, so it holds on and sends `e`;
- its claim fails because `delivered` moved since it was read: the pump re-reads the subscription
  consistently and carries on from there, filling any gap from the log itself.
A subscription written after an event's committer looked for subscribers still gets that event:
`subscribe` reads what the log holds after its starting point first, then writes the subscription
already claimed up to the last event read, in the transaction that checks the task has logged nothing
after it. An event committed later finds the subscription (and the lease, as above); one committed
between the read and the write fails that transaction, and the subscription is then written where it
starts and caught up from the log. A connection with no subscription to the task yet is sent what the
log held first (nothing else can send to a subscription that does not exist), and its subscription is then
written where that replay ended, unleased, in the same checked transaction: no lease to let go of after.

At scale, subscriptions are pumped together: a live event's committer groups the task's subscriptions
by the last event sent to them, and for each group claims the run of events in one transaction (per
hundred), posts it to all of them at once on a bounded pool of kept-alive connections, and lets them go
in one transaction (with the check above). So an event costs the same few DynamoDB requests whether one
client follows the task or hundreds, and so do events committed while another pump holds the leases
(steps running side by side): the holder sends them all in its next round. The
claims a transaction could not take are read again in one batch: those another pump holds are left to
it, those that moved on are pumped on from where they are, and the gone or unsubscribed are dropped.

Most subscriptions are in step, and those are kept together in the task's cohort (realtime/connections.py):
one item with the `delivered` and the lease they share and the list of them, claimed and let go as one
subscription is, with one write each however many follow the task; the claim says who is in it. A first
subscription joins it where its replay ended, in the transaction that writes it, and only if the cohort is
at that same event (or empty and free): then every event after it comes through the cohort, and none before
it (the replay sent those). A subscription that cannot join (the cohort is a claim behind) is written on its
own, as above. A member a send fails for leaves the cohort under the holder's lease, with its own `delivered`
at the last event it was sent, and is caught up on its own from the next event; a member that is written
anew, dropped or disconnected leaves it in that same write, or before its item goes, so it is never sent an
event twice. The argument above holds for the cohort as for one subscription. Its holder keeps its lease for
as long as its posts take (a thousand members, or a few whose posts time out, outlast one lease), so a pump
that comes after cannot claim the next event and send it first. A cohort written too often to join at once is
not waited for: the subscription is written on its own.

Events that belong to no task, and `all` subscriptions (seq is per task, so there is nothing to
resume), are pushed live at most once per connection: a connection that also follows the event's
task gets it only through that subscription.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from enum import Enum
from functools import partial
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from researcher_pro.core import metric_names
from researcher_pro.core.aws import WriteContention
from researcher_pro.core.observability import add_metric, logger
from researcher_pro.realtime.connections import Cohort, ConnectionRepository, Joined
from researcher_pro.realtime.gateway import POSTS_AT_ONCE, ConnectionGateway, ConnectionGone
from researcher_pro.realtime.messages import ALL, encode, task_of, topic
from researcher_pro.tasks.repository import TaskRepository

LOG_PAGE = 100
MAX_ROUNDS = 50  # bounds one pump; whatever is left is picked up by the next event's pump
EVENTS_PER_CLAIM = 20  # events a pump claims with one write (a replay's, or a subscription behind)
COHORT_PUMPS_AT_ONCE = 4  # tasks' cohorts pumped side by side by one container (steps that commit together)


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
        self._pools: dict[bool, ThreadPoolExecutor] = {}
        self._pool_lock = threading.Lock()

    # --- EventSink -------------------------------------------------------------------------------
    def emitted(self, tenant: str, event: dict[str, Any]) -> None:
        task = task_of(event)
        seq = event.get("seq")
        pool = self._executor()
        # Both lookups at once: they are on the path from append to arrival. The task's subscribers do not wait
        # for the other: `all` is pushed at most once, in no particular order with the task's own pushes.
        everything = pool.submit(self._connections.subscribers, tenant, ALL)
        followers: list[dict[str, Any]] = []
        cohort: Cohort | None = None
        if task is not None:
            followers, cohort = self._connections.followers(tenant, topic(*task))
        covered = {sub["connection_id"] for sub in followers} | (cohort.members if cohort else frozenset())
        sends = []
        if task is None or not (isinstance(seq, int) and task[0] in self._logs):
            sends = [pool.submit(self.send, connection_id, event) for connection_id in sorted(covered)]
            followers, cohort = [], None
        if task is not None and (followers or cohort):
            self._deliver(tenant, task[0], task[1], followers, cohort, event)
        for sub in everything.result():
            if sub["connection_id"] not in covered:
                covered.add(sub["connection_id"])
                sends.append(pool.submit(self.send, sub["connection_id"], event))
        for sent in sends:
            sent.result()

    def _deliver(
        self,
        tenant: str,
        kind: str,
        task_id: str,
        followers: list[dict[str, Any]],
        cohort: Cohort | None,
        event: dict[str, Any],
    ) -> None:
        """`event` to every subscription of its task. The cohort's members are pumped together, and the other
        subscriptions grouped by the last event sent to them, each group together: those whose last event is
        the one before are sent `event` itself, the others what the log holds after their last event."""
        seq = int(event["seq"])
        members = None
        if cohort is not None and cohort.members and cohort.delivered < seq:
            # Side by side with the subscriptions on their own, on a pool of its own: the other is for posts.
            known = [event] if cohort.delivered == seq - 1 else None
            members = self._executor(pumps=True).submit(
                self._pump_cohort, tenant, kind, task_id, cohort.delivered, known
            )
        groups: dict[int, list[str]] = {}
        for sub in followers:
            delivered = sub.get("delivered")
            # At or past `event`: sent, or on its way from a pump that reads the log on after it.
            if isinstance(delivered, int) and delivered < seq:
                groups.setdefault(delivered, []).append(str(sub["connection_id"]))
        if seq - 1 in groups:
            self._pump(tenant, kind, task_id, groups.pop(seq - 1), seq - 1, [event])
        for delivered, connection_ids in sorted(groups.items()):
            self._pump(tenant, kind, task_id, connection_ids, delivered, None)
        if members is not None:
            members.result()

    # --- for subscribe ---------------------------------------------------------------------------
    def subscribe(
        self,
        tenant: str,
        kind: str,
        task_id: str,
        connection_id: str,
        start: int,
        missed: list[dict[str, Any]],
        expires_at: int,
        *,
        fresh: bool = False,
    ) -> None:
        """Subscribe a connection to a task from `start` and send it `missed`, the events the log held after
        `start` when it was read. The subscription is written already claimed up to the last of them, in the
        transaction that checks the task has logged nothing since; when it has, it is written as it is and
        caught up from the log. A `fresh` subscription (the connection had none to this task when it asked) is
        sent what it missed first, since no push can reach it before it is written, and is then written where the
        replay ended, with nothing to claim and so nothing to let go of. A fresh subscription is written only if
        the connection still has none: not over one that another subscribe wrote meanwhile, nor after the client
        left the task while this one was on its way."""
        name, owner = topic(kind, task_id), uuid.uuid4().hex
        if fresh and missed:
            outcome, sent_up_to = self._send_run(connection_id, missed)
            if outcome is Sent.GONE:
                return
            start, missed = (start if sent_up_to is None else sent_up_to), []
        last = int(missed[-1]["seq"]) if missed else start
        logged_up_to = self._logs[kind].logged_up_to(tenant, task_id, last)
        # A fresh subscription joins the task's cohort if it can; where the cohort is elsewhere, it is on its own.
        joined = self._join(connection_id, tenant, name, last, expires_at, logged_up_to) if fresh else None
        if joined is Joined.MEMBER or joined is Joined.REFUSED:
            return
        subscribed = (
            None
            if joined is Joined.LOGGED_MORE
            else self._connections.subscribe(
                connection_id,
                tenant,
                name,
                last,
                expires_at,
                lease=(owner, time.time() + self._lease) if missed else None,
                if_holds=logged_up_to,
                only_new=fresh,
            )
        )
        if subscribed is None:  # the task logged more meanwhile
            if self._connections.subscribe(connection_id, tenant, name, start, expires_at, only_new=fresh):
                self.catch_up(tenant, kind, task_id, connection_id, start)
        elif subscribed and missed:
            self._pump(tenant, kind, task_id, [connection_id], start, missed, owner=owner, claimed=last)

    def _join(
        self, connection_id: str, tenant: str, name: str, last: int, expires_at: int, logged_up_to: dict[str, Any]
    ) -> Joined:
        """`join`, or ALONE when the cohort is written too often to join it now (every push writes it twice):
        the subscription is then written on its own, which does not write the cohort."""
        try:
            return self._connections.join(connection_id, tenant, name, last, expires_at, logged_up_to)
        except WriteContention:
            logger.warning("a task's cohort is contended; subscribing on its own", extra={"topic": name})
            return Joined.ALONE

    def catch_up(self, tenant: str, kind: str, task_id: str, connection_id: str, delivered: int) -> None:
        """Send what the log holds after `delivered`, then leave the rest to live pushes."""
        self._pump(tenant, kind, task_id, [connection_id], delivered, None)

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
        group: list[str],
        delivered: int,
        known: list[dict[str, Any]] | None,
        rounds: int = MAX_ROUNDS,
        *,
        owner: str | None = None,
        claimed: int | None = None,
    ) -> None:
        """Send the subscriptions of `group`, every one of them sent up to `delivered`, the events after it
        (`known`, or what the log holds), a run at a time: each run claimed for the whole group in one
        transaction per hundred (unless `owner` has claimed them up to `claimed` already) and sent to every
        subscription at once, in order for each; the group is let go in one transaction per hundred once the
        task has logged nothing more."""
        name, owner = topic(kind, task_id), owner or uuid.uuid4().hex
        pending = known if known is not None else self._logs[kind].events(tenant, task_id, delivered, LOG_PAGE)
        holding = claimed is not None
        for _ in range(rounds):
            if not group or not pending:
                break
            run, pending = pending[:EVENTS_PER_CLAIM], pending[EVENTS_PER_CLAIM:]
            last, now = int(run[-1]["seq"]), time.time()
            refused: set[int] = set()
            if claimed is None or last > claimed:
                refused = self._connections.claim_many(
                    tenant,
                    [(connection_id, delivered) for connection_id in group],
                    name,
                    seq=last,
                    owner=owner,
                    lease_until=now + self._lease,
                    now=now,
                )
                claimed, holding = last, True
            claimed_group = [connection_id for i, connection_id in enumerate(group) if i not in refused]
            outcomes = list(self._executor().map(self._send_run, claimed_group, [run] * len(claimed_group)))
            if refused:
                self._settle(tenant, kind, task_id, [group[i] for i in sorted(refused)], owner, rounds - 1)
            group, failed = self._still_held(tenant, name, claimed_group, outcomes, delivered)
            for connection_id, back_to in failed:
                self._connections.unclaim(tenant, connection_id, name, seq=claimed, back_to=back_to, owner=owner)
            delivered = last
            if group and not pending and delivered == claimed:
                release = partial(self._connections.release_many, tenant, group, name, owner)
                more = self._let_go_or_more(tenant, kind, task_id, delivered, release, read_first=len(group) > 1)
                if more is None:
                    return
                pending = more
        if holding and group:
            self._connections.release_many(tenant, group, name, owner)

    def _pump_cohort(
        self,
        tenant: str,
        kind: str,
        task_id: str,
        delivered: int,
        known: list[dict[str, Any]] | None,
    ) -> None:
        """`_pump` for the task's cohort: the members, every one of them sent up to `delivered`, are sent the
        events after it a run at a time, each run claimed for all of them with one write to the cohort (which
        says who the members are as it is claimed), and the cohort is let go with one write."""
        name, owner = topic(kind, task_id), uuid.uuid4().hex
        log = self._logs[kind]
        pending = known if known is not None else log.events(tenant, task_id, delivered, LOG_PAGE)
        holding = False
        for _ in range(MAX_ROUNDS):
            if not pending:
                break
            run, pending = pending[:EVENTS_PER_CLAIM], pending[EVENTS_PER_CLAIM:]
            last, now = int(run[-1]["seq"]), time.time()
            members = self._connections.claim_cohort(
                tenant, name, after=delivered, seq=last, owner=owner, lease_until=now + self._lease, now=now
            )
            if members is None:
                # As `_settle`: gone, or held by another pump (which reads the log after it lets go), is left
                # alone (and let go, if we held it: a subscription that joins it later must not find it held);
                # moved on since it was read, it is pumped on from where it is.
                cohort = self._connections.cohort(tenant, name)
                if cohort is None or not cohort.members or cohort.leased_to_another(owner, now):
                    break
                delivered, pending = cohort.delivered, log.events(tenant, task_id, cohort.delivered, LOG_PAGE)
                continue
            holding = True
            ordered = sorted(members)
            outcomes = self._send_to_members(tenant, name, owner, ordered, run)
            if outcomes is None:  # the cohort is another pump's now
                return
            _, failed = self._still_held(tenant, name, ordered, outcomes, delivered)
            for connection_id, back_to in failed:
                self._connections.leave_cohort(tenant, name, connection_id, owner=owner, back_to=back_to)
            delivered = last
            if not pending:
                release = partial(self._connections.release_cohort, tenant, name, owner)
                more = self._let_go_or_more(tenant, kind, task_id, delivered, release, read_first=True)
                if more is None:
                    return
                pending = more
        if holding:
            self._connections.release_cohort(tenant, name, owner)

    def _send_to_members(
        self, tenant: str, name: str, owner: str, members: list[str], run: list[dict[str, Any]]
    ) -> list[tuple[Sent, int | None]] | None:
        """`run` to every member at once, our lease on the cohort held longer for as long as the posts take (a
        thousand members, or a few whose posts time out, outlast one lease): how each ended, or None when the
        lease was lost meanwhile (the posts not begun by then are not made)."""
        sends = [self._executor().submit(self._send_run, member, run) for member in members]
        pending = set(sends)
        while pending:
            _, pending = wait(pending, timeout=self._lease / 2)
            if pending and not self._connections.renew_cohort(tenant, name, owner, time.time() + self._lease):
                for send in pending:
                    send.cancel()
                logger.warning("lost the lease on a task's cohort while posting to it", extra={"topic": name})
                return None
        return [send.result() for send in sends]

    def _still_held(
        self, tenant: str, name: str, sent_to: list[str], outcomes: list[tuple[Sent, int | None]], delivered: int
    ) -> tuple[list[str], list[tuple[str, int]]]:
        """The subscriptions a run was sent to, every one of them sent up to `delivered` before it, that are still
        held, and those it failed for, each with the last event it was sent (to be given back what it was not: it
        gets that after the next event the task commits). A gone one is deleted."""
        held, failed = [], []
        for connection_id, (outcome, sent_up_to) in zip(sent_to, outcomes, strict=True):
            if outcome is Sent.OK:
                held.append(connection_id)
            elif outcome is Sent.FAILED:
                failed.append((connection_id, delivered if sent_up_to is None else sent_up_to))
            else:
                # Deleting the connection deleted the subscriptions it listed. This one goes too, in case the
                # connection was deleted before (a disconnect that stopped halfway).
                self._connections.drop(tenant, name, connection_id)
        return held, failed

    def _let_go_or_more(
        self,
        tenant: str,
        kind: str,
        task_id: str,
        delivered: int,
        release: Callable[..., bool],
        *,
        read_first: bool,
    ) -> list[dict[str, Any]] | None:
        """Let go (`release`, with `if_holds` the check that the task logged nothing after `delivered`), or what
        the task logged after `delivered` when it did: None once let go. An event whose pump found our lease is in
        the log by then, so we hold on, read it and send it. After sends to many subscriptions the log is read
        first (`read_first`): events may well have come meanwhile (steps side by side), and a release that must
        fail would only delay them."""
        log = self._logs[kind]
        if read_first and (logged := log.events(tenant, task_id, delivered, LOG_PAGE)):
            return logged
        if release(if_holds=log.logged_up_to(tenant, task_id, delivered)):
            return None
        return log.events(tenant, task_id, delivered, LOG_PAGE)

    def _settle(self, tenant: str, kind: str, task_id: str, refused: list[str], owner: str, rounds: int) -> None:
        """Subscriptions whose claim was refused, read again as they are now. Gone, unsubscribed, or leased by
        another pump (which reads the log after it lets go): nothing to do. Moved on since they were read: pumped
        on from where they are."""
        now, moved = time.time(), dict[int, list[str]]()
        for sub in self._connections.subscriptions(tenant, refused, topic(kind, task_id)):
            delivered = sub.get("delivered")
            if delivered is None:
                continue
            if sub.get("busy_owner") not in (None, owner) and float(sub.get("busy_until", 0)) >= now:
                continue
            moved.setdefault(int(delivered), []).append(str(sub["connection_id"]))
        for delivered, group in sorted(moved.items()):
            self._pump(tenant, kind, task_id, group, delivered, None, rounds)

    def _send_run(self, connection_id: str, run: list[dict[str, Any]]) -> tuple[Sent, int | None]:
        """The events of `run` to one connection, in order, up to the first that could not be sent: how it
        ended, and the seq of the last event sent (None for none)."""
        sent_up_to = None
        for event in run:
            outcome = self.send(connection_id, event)
            if outcome is not Sent.OK:
                return outcome, sent_up_to
            sent_up_to = int(event["seq"])
        return Sent.OK, sent_up_to

    def _executor(self, *, pumps: bool = False) -> ThreadPoolExecutor:
        """The pool for posts, or (`pumps`) the one for pumps of task cohorts, which post on the other."""
        with self._pool_lock:
            if pumps not in self._pools:
                workers, name = (COHORT_PUMPS_AT_ONCE, "fanout-cohort") if pumps else (self._workers, "fanout")
                self._pools[pumps] = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
            return self._pools[pumps]
