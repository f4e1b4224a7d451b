"""The fan-out and connection storage against moto, with the local WebSocket gateway (in this process)
serving the management API and real WebSocket clients on the other end."""

from __future__ import annotations

import dataclasses
import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from researcher_pro.access.api_key_repository import ApiKeyRepository
from researcher_pro.access.api_keys import ApiKeyService
from researcher_pro.core.aws import WriteContention, client
from researcher_pro.core.clock import rfc3339
from researcher_pro.core.config import get_settings
from researcher_pro.realtime.connections import MAX_TOPICS, Cohort, ConnectionRepository, Joined
from researcher_pro.realtime.fanout import Fanout
from researcher_pro.realtime.gateway import ConnectionGateway, PostRefused
from researcher_pro.realtime.messages import MAX_MESSAGE_BYTES
from researcher_pro.tasks.repository import TaskRepository
from websockets.sync.client import ClientConnection, connect

from infra.local.moto_tuning import lagging_indexes
from infra.local.template import Stack
from infra.local.ws_gateway import WebSocketGateway
from tests.harness import ROOT, free_port
from tests.integration.conftest import TEST_CURSORS, invoke, load_function

FAR_FUTURE = 2_000_000_000
FOLDERS = {
    "WsConnectFunction": "ws_connect",
    "WsDisconnectFunction": "ws_disconnect",
    "WsDefaultFunction": "ws_default",
}
EVENTS = Path(ROOT, "infra", "events")


@contextmanager
def patched_environment(**values: str) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    get_settings.cache_clear()
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        get_settings.cache_clear()


@dataclasses.dataclass
class Realtime:
    gateway: WebSocketGateway
    url: str
    fanout: Fanout
    management: ConnectionGateway
    connections: ConnectionRepository
    research: TaskRepository
    key: str


@pytest.fixture(scope="module")
def realtime(stack: Stack) -> Iterator[Realtime]:
    assert stack.websocket is not None
    port = free_port()
    api = stack.websocket
    # The three route handlers run in this process, with the management endpoint of this gateway.
    with patched_environment(RP_WS_MANAGEMENT_URL=f"http://127.0.0.1:{port}/{api.stage}"):
        handlers = {function: load_function(FOLDERS[function]) for function in api.routes.values()}
    gateway = WebSocketGateway(api, lambda function, event: invoke(handlers[function], event), port)
    gateway.start()
    settings = get_settings()
    management = ConnectionGateway(f"http://127.0.0.1:{port}/{api.stage}")
    connections = ConnectionRepository(settings.connections_table)
    research = TaskRepository(settings.data_table, "research", TEST_CURSORS)
    key, _ = ApiKeyService(ApiKeyRepository(settings.data_table)).issue("rt-tenant")
    yield Realtime(
        gateway=gateway,
        url=f"ws://127.0.0.1:{port}/{api.stage}?token={key}",
        fanout=Fanout(connections, management, {"research": research}, lease_seconds=5),
        management=management,
        connections=connections,
        research=research,
        key=key,
    )
    gateway.stop()


@contextmanager
def open_client(rt: Realtime) -> Iterator[tuple[ClientConnection, str]]:
    before = set(rt.gateway.connection_ids())
    with connect(rt.url) as client:
        (connection_id,) = set(rt.gateway.connection_ids()) - before
        yield client, connection_id


def new_research(rt: Realtime, tenant: str = "rt-tenant") -> str:
    research_id = f"res_{uuid.uuid4().hex}"
    now = rfc3339(datetime.now(UTC))
    record = {"id": research_id, "query": "q", "status": "running", "step": "plan"}
    record |= {"created_at": now, "updated_at": now}
    rt.research.create(tenant, record, due_at=time.time() + 600)
    return research_id


def append(rt: Realtime, research_id: str, seq: int, data: dict[str, Any] | None = None) -> dict[str, Any]:
    """Commit event `seq` to the log, as a step does."""
    event = {
        "type": "research.progress",
        "research_id": research_id,
        "stage": "search",
        "progress": 0.5,
        "message": f"event {seq}",
        "data": data or {},
        "ts": rfc3339(datetime.now(UTC)),
    }
    assert rt.research.transition(
        "rt-tenant", research_id, expected_seq=seq - 1, changes={}, event=event, event_ttl=3600
    )
    return {**event, "seq": seq}


def drain(rt: Realtime, client: ClientConnection, connection_id: str) -> list[dict[str, Any]]:
    """Everything sent to the client so far: a marker goes last, and reading stops at it."""
    rt.management.post(connection_id, b'{"type": "marker"}')
    received = []
    while (message := json.loads(client.recv(timeout=30)))["type"] != "marker":
        received.append(message)
    return received


def test_connections_and_subscriptions_are_stored_per_connection_and_found_per_tenant(realtime: Realtime) -> None:
    repo = realtime.connections
    repo.connect("conn-a", "tenant-a", "2026-01-01T00:00:00.000Z", FAR_FUTURE)
    assert repo.subscribe("conn-a", "tenant-a", "research:r1", 3, FAR_FUTURE)
    assert repo.subscribe("conn-a", "tenant-a", "all", None, FAR_FUTURE)
    assert not repo.subscribe("conn-missing", "tenant-a", "research:r1", 0, FAR_FUTURE)
    assert not repo.subscribe("conn-a", "tenant-b", "research:r1", 0, FAR_FUTURE)  # not its tenant
    assert [s["connection_id"] for s in repo.subscribers("tenant-a", "research:r1")] == ["conn-a"]
    assert repo.subscribers("tenant-b", "research:r1") == []
    assert "delivered" not in repo.subscribers("tenant-a", "all")[0]  # `all` resumes nothing
    connection, topics = repo.get_with_topics("conn-a")
    assert connection is not None and connection["tenant"] == "tenant-a" and topics == {"research:r1", "all"}

    # Delivery claims move `delivered` on from the last event sent, under a lease.
    def claim(after: int, seq: int, owner: str = "one") -> bool:
        now = time.time()
        return not repo.claim_many(
            "tenant-a", [("conn-a", after)], "research:r1", seq=seq, owner=owner, lease_until=now + 5, now=now
        )

    def delivered() -> int:
        (subscription,) = repo.subscriptions("tenant-a", ["conn-a"], "research:r1")
        return int(subscription["delivered"])

    assert not claim(after=2, seq=3)  # 3 is already delivered
    assert claim(after=3, seq=4)
    assert not claim(after=4, seq=5, owner="two")  # leased
    assert claim(after=4, seq=6)  # the holder goes on, a run of events at once
    assert repo.unclaim("tenant-a", "conn-a", "research:r1", seq=6, back_to=5, owner="one")  # 6 could not be sent
    assert claim(after=5, seq=6, owner="two")
    repo.release_many("tenant-a", ["conn-a"], "research:r1", "two")
    assert delivered() == 6 and claim(after=6, seq=7) and delivered() == 7

    repo.connect("conn-old", "tenant-a", "2026-01-01T00:00:00.000Z", int(time.time()) - 1)
    assert "conn-old" in repo.expired(time.time()) and "conn-a" not in repo.expired(time.time())
    assert repo.get_with_topics("conn-old")[0] is None  # expired items are filtered on read

    assert repo.disconnect("conn-a")
    assert repo.get_with_topics("conn-a")[0] is None and repo.subscribers("tenant-a", "research:r1") == []
    assert not claim(after=7, seq=8)  # nothing comes back to life
    assert repo.subscriptions("tenant-a", ["conn-a"], "research:r1") == []


def test_a_replay_racing_live_pushes_delivers_every_event_once_and_in_order(realtime: Realtime) -> None:
    research_id = new_research(realtime)
    with open_client(realtime) as (client, connection_id):
        for seq in range(1, 6):
            append(realtime, research_id, seq)  # before the client subscribed
        assert realtime.connections.subscribe(connection_id, "rt-tenant", f"research:{research_id}", 0, FAR_FUTURE)
        pushes: list[threading.Thread] = []

        def live() -> None:
            for seq in range(6, 41):
                event = append(realtime, research_id, seq)
                push = threading.Thread(target=realtime.fanout.emitted, args=("rt-tenant", event))
                push.start()
                pushes.append(push)

        committer = threading.Thread(target=live)
        committer.start()
        realtime.fanout.catch_up("rt-tenant", "research", research_id, connection_id, 0)
        committer.join()
        for push in pushes:
            push.join()
        received = drain(realtime, client, connection_id)
    assert [e["seq"] for e in received] == list(range(1, 41))
    assert received == realtime.research.events("rt-tenant", research_id, 0, 100)


def test_claims_of_many_subscriptions_are_taken_together_and_a_contended_one_is_left_out(realtime: Realtime) -> None:
    repo, topic = realtime.connections, f"research:{uuid.uuid4().hex}"
    for name in ("many-a", "many-b", "many-c"):
        repo.connect(name, "tenant-m", "2026-01-01T00:00:00.000Z", FAR_FUTURE)
        assert repo.subscribe(name, "tenant-m", topic, 0, FAR_FUTURE)
    now = time.time()
    assert not repo.claim_many("tenant-m", [("many-b", 0)], topic, seq=1, owner="other", lease_until=now + 5, now=now)
    refused = repo.claim_many(
        "tenant-m",
        [("many-a", 0), ("many-b", 0), ("many-c", 0)],
        topic,
        seq=1,
        owner="me",
        lease_until=now + 5,
        now=now,
    )
    assert refused == {1}

    def owners() -> dict[str, str | None]:
        return {
            s["connection_id"]: s.get("busy_owner")
            for s in repo.subscriptions("tenant-m", ["many-a", "many-b", "many-c"], topic)
        }

    assert owners() == {"many-a": "me", "many-b": "other", "many-c": "me"}
    repo.release_many("tenant-m", ["many-a", "many-b", "many-c"], topic, "me")  # b's lease is not ours: left alone
    assert owners() == {"many-a": None, "many-b": "other", "many-c": None}


def test_a_tasks_cohort_holds_the_subscriptions_in_step_and_each_leaves_it_on_its_own(realtime: Realtime) -> None:
    repo, research_id = realtime.connections, new_research(realtime)
    name = f"research:{research_id}"
    for seq in (1, 2):
        append(realtime, research_id, seq)

    def up_to(seq: int) -> dict[str, Any]:
        return realtime.research.logged_up_to("rt-tenant", research_id, seq)

    def members() -> frozenset[str]:
        cohort = repo.cohort("rt-tenant", name)
        return frozenset() if cohort is None else cohort.members

    a, b, c, d = (f"cohort-{letter}-{uuid.uuid4().hex[:8]}" for letter in "abcd")
    for connection_id in (a, b, c, d):
        repo.connect(connection_id, "rt-tenant", "2026-01-01T00:00:00.000Z", FAR_FUTURE)
    # Subscriptions whose replays ended at the task's last event, 2, join it together.
    assert repo.join(a, "rt-tenant", name, 2, FAR_FUTURE, up_to(2)) is Joined.MEMBER
    assert repo.join(b, "rt-tenant", name, 2, FAR_FUTURE, up_to(2)) is Joined.MEMBER
    assert repo.join(b, "rt-tenant", name, 2, FAR_FUTURE, up_to(2)) is Joined.REFUSED  # subscribed already
    assert repo.cohort("rt-tenant", name) == Cohort(delivered=2, members=frozenset({a, b}))
    assert [s["connection_id"] for s in repo.subscribers("rt-tenant", name)] == sorted([a, b])
    assert all("delivered" not in s for s in repo.subscribers("rt-tenant", name))  # the cohort's
    append(realtime, research_id, 3)
    assert repo.join(c, "rt-tenant", name, 2, FAR_FUTURE, up_to(2)) is Joined.LOGGED_MORE
    # Event 3 is logged and not claimed yet: a subscription replayed up to 3 cannot join a cohort at 2.
    assert repo.join(c, "rt-tenant", name, 3, FAR_FUTURE, up_to(3)) is Joined.ALONE
    assert repo.subscriptions("rt-tenant", [c], name) == [] and repo.get_with_topics(c)[1] == frozenset()

    now = time.time()
    assert repo.claim_cohort("rt-tenant", name, after=2, seq=3, owner="one", lease_until=now + 5, now=now) == {a, b}
    assert repo.claim_cohort("rt-tenant", name, after=3, seq=3, owner="two", lease_until=now + 5, now=now) is None
    # At 3, held or not, the cohort takes in a subscription sent up to 3: the next claim includes it.
    assert repo.join(c, "rt-tenant", name, 3, FAR_FUTURE, up_to(3)) is Joined.MEMBER

    def holder() -> str | None:
        cohort = repo.cohort("rt-tenant", name)
        return None if cohort is None else cohort.busy_owner

    assert not repo.release_cohort("rt-tenant", name, "one", if_holds=up_to(2))  # the task is at 3: still held
    assert holder() == "one"
    assert repo.release_cohort("rt-tenant", name, "one", if_holds=up_to(3)) and holder() is None

    # A member that could not be sent a run leaves it with its own `delivered`, only under its holder's lease.
    repo.leave_cohort("rt-tenant", name, a, owner="one", back_to=3)
    assert members() == {a, b, c}
    append(realtime, research_id, 4)
    assert repo.claim_cohort("rt-tenant", name, after=3, seq=4, owner="one", lease_until=now + 5, now=now) == {a, b, c}
    repo.leave_cohort("rt-tenant", name, a, owner="one", back_to=3)
    assert members() == {b, c} and repo.subscriptions("rt-tenant", [a], name)[0]["delivered"] == 3
    repo.release_cohort("rt-tenant", name, "one")
    # Dropped, written anew, disconnected: out of it.
    assert repo.drop("rt-tenant", name, b) and members() == {c}
    assert repo.subscribe(c, "rt-tenant", name, 4, FAR_FUTURE) and members() == frozenset()
    assert repo.join(d, "rt-tenant", name, 4, FAR_FUTURE, up_to(4)) is Joined.MEMBER and members() == {d}
    assert repo.disconnect(d) and members() == frozenset() and repo.subscriptions("rt-tenant", [d], name) == []


@contextmanager
def dynamodb_requests() -> Iterator[list[str]]:
    """The names of the DynamoDB operations this process calls meanwhile."""
    made: list[str] = []

    def count(model: Any, **_: Any) -> None:
        made.append(model.name)

    events = client("dynamodb").meta.events
    events.register("before-call.dynamodb", count)
    try:
        yield made
    finally:
        events.unregister("before-call.dynamodb", count)


def fanout_that_after_its_first_post(
    rt: Realtime, then: Callable[[], None], connections: ConnectionRepository | None = None
) -> Fanout:
    """A fan-out of the test's stack that runs `then` once, right after the first post it makes (posts go out side
    by side: whichever is first): what else happens while a push or a replay is on its way."""
    first = threading.Lock()

    class AfterFirstPost(ConnectionGateway):
        def post(self, connection_id: str, data: bytes) -> None:
            super().post(connection_id, data)
            if first.acquire(blocking=False):
                then()

    gateway = AfterFirstPost(rt.management.endpoint_url)
    return Fanout(connections or rt.connections, gateway, {"research": rt.research}, lease_seconds=5)


def commit_and_push(rt: Realtime, research_id: str, seq: int, committed: list[dict[str, Any]]) -> Callable[[], None]:
    """The task commits event `seq` and pushes it at once, through the stack's own fan-out; kept in `committed`."""

    def commit() -> None:
        committed.append(append(rt, research_id, seq))
        rt.fanout.emitted("rt-tenant", committed[-1])

    return commit


def subscribed_clients(
    realtime: Realtime, opened: ExitStack, research_id: str, count: int
) -> list[tuple[ClientConnection, str]]:
    """`count` WebSocket clients, each subscribed to the research from its start: (socket, connection id)."""
    clients = [opened.enter_context(open_client(realtime)) for _ in range(count)]
    for _, connection_id in clients:
        assert realtime.connections.subscribe(connection_id, "rt-tenant", f"research:{research_id}", 0, FAR_FUTURE)
    return clients


def cohort_members(
    realtime: Realtime, opened: ExitStack, research_id: str, count: int
) -> list[tuple[ClientConnection, str]]:
    """`count` WebSocket clients, each subscribed to the research from its start as a first subscribe writes
    them: in the task's cohort. (socket, connection id)"""
    clients = [opened.enter_context(open_client(realtime)) for _ in range(count)]
    for _, connection_id in clients:
        realtime.fanout.subscribe("rt-tenant", "research", research_id, connection_id, 0, [], FAR_FUTURE, fresh=True)
    cohort = realtime.connections.cohort("rt-tenant", f"research:{research_id}")
    assert cohort is not None and cohort.members == {connection_id for _, connection_id in clients}
    return clients


@dataclasses.dataclass(frozen=True)
class Kept:
    """One way a task's subscriptions are kept, and what a push to them costs."""

    subscribed: Callable[[Realtime, ExitStack, str, int], list[tuple[ClientConnection, str]]]
    release: str  # the repository's method that lets them go
    claim: str  # the DynamoDB operation that claims an event for all of them
    pushes_side_by_side_at_most: int  # DynamoDB requests for six events pushed side by side


KEPT = {
    "on their own": Kept(subscribed_clients, "release_many", "TransactWriteItems", 6 * 12),
    "in the cohort": Kept(cohort_members, "release_cohort", "UpdateItem", 6 * 8),
}


@pytest.mark.parametrize("kept", KEPT.values(), ids=KEPT.keys())
def test_an_event_reaches_many_subscribers_for_a_few_dynamodb_requests_each_event_once_in_order(
    realtime: Realtime, kept: Kept
) -> None:
    research_id = new_research(realtime)
    with ExitStack() as opened:
        clients = kept.subscribed(realtime, opened, research_id, 30)
        first = append(realtime, research_id, 1)
        with dynamodb_requests() as requests:
            realtime.fanout.emitted("rt-tenant", first)
        # Two subscriber lookups, then one claim for all 30, a read of what the task logged while they were sent
        # (nothing), and one release.
        assert sorted(requests) == sorted(["Query"] * 3 + [kept.claim, "TransactWriteItems"]), requests
        # Two events committed while nobody pushed: the next push finds every subscriber behind and sends both.
        append(realtime, research_id, 2)
        third = append(realtime, research_id, 3)
        with dynamodb_requests() as requests:
            realtime.fanout.emitted("rt-tenant", third)
        # And a read of the log, for what they missed.
        assert sorted(requests) == sorted(["Query"] * 4 + [kept.claim, "TransactWriteItems"]), requests
        realtime.fanout.emitted("rt-tenant", {**first, "seq": 2})  # a late push of what was sent: nothing
        for ws, connection_id in clients:
            assert [e["seq"] for e in drain(realtime, ws, connection_id)] == [1, 2, 3]


@pytest.mark.parametrize("kept", KEPT.values(), ids=KEPT.keys())
def test_events_pushed_side_by_side_reach_many_subscribers_in_order_for_a_few_requests_each(
    realtime: Realtime, kept: Kept
) -> None:
    """Steps that run side by side commit a task's events at the same moment, and each pushes its own: the one
    that holds the subscriptions' leases sends the others' events too, for all of them at once."""
    research_id = new_research(realtime)
    with ExitStack() as opened:
        clients = kept.subscribed(realtime, opened, research_id, 30)
        with dynamodb_requests() as requests:
            pushes = []
            for seq in range(1, 7):
                push = threading.Thread(
                    target=realtime.fanout.emitted, args=("rt-tenant", append(realtime, research_id, seq))
                )
                push.start()
                pushes.append(push)
            for push in pushes:
                push.join()
        for ws, connection_id in clients:
            assert [e["seq"] for e in drain(realtime, ws, connection_id)] == [1, 2, 3, 4, 5, 6]
    # One subscriber at a time, a single contended event would cost more than 30.
    assert len(requests) <= kept.pushes_side_by_side_at_most, sorted(requests)


def test_a_cohort_whose_posts_outlast_its_lease_is_held_on_and_each_member_gets_every_event_in_order(
    realtime: Realtime,
) -> None:
    research_id = new_research(realtime)

    class SlowPosts(ConnectionGateway):
        def post(self, connection_id: str, data: bytes) -> None:
            time.sleep(0.4)
            super().post(connection_id, data)

    gateway = SlowPosts(realtime.management.endpoint_url)
    slow = Fanout(realtime.connections, gateway, {"research": realtime.research}, lease_seconds=1.0, workers=8)

    def commit_and_push_later() -> None:
        time.sleep(1.2)  # once the first push's lease would have run out, while it still posts
        realtime.fanout.emitted("rt-tenant", append(realtime, research_id, 2))

    with ExitStack() as opened:
        clients = cohort_members(realtime, opened, research_id, 32)
        later = threading.Thread(target=commit_and_push_later)
        later.start()
        # 32 posts, 8 at a time, 0.4 s each: about 1.6 s, longer than the 1 s lease it claims the event with.
        slow.emitted("rt-tenant", append(realtime, research_id, 1))
        later.join()
        for ws, connection_id in clients:
            assert [e["seq"] for e in drain(realtime, ws, connection_id)] == [1, 2]


def test_a_subscription_that_cannot_join_a_contended_cohort_is_written_on_its_own_and_follows_live(
    realtime: Realtime,
) -> None:
    research_id = new_research(realtime)
    logged = append(realtime, research_id, 1)

    class Contended(ConnectionRepository):
        def join(self, *args: Any, **kwargs: Any) -> Joined:
            raise WriteContention("DynamoDB refused a write 8 times: TransactionConflict")

    contended = Fanout(
        Contended(realtime.connections._table), realtime.management, {"research": realtime.research}, lease_seconds=5
    )
    with open_client(realtime) as (ws, connection_id):
        contended.subscribe("rt-tenant", "research", research_id, connection_id, 0, [logged], FAR_FUTURE, fresh=True)
        (subscription,) = realtime.connections.subscriptions("rt-tenant", [connection_id], f"research:{research_id}")
        assert subscription["delivered"] == 1
        live = append(realtime, research_id, 2)
        realtime.fanout.emitted("rt-tenant", live)
        assert drain(realtime, ws, connection_id) == [logged, live]


def test_a_member_that_could_not_be_sent_an_event_leaves_the_cohort_and_gets_it_with_the_next(
    realtime: Realtime,
) -> None:
    research_id = new_research(realtime)
    refused: list[str] = []

    class RefusesOnePost(ConnectionGateway):
        def post(self, connection_id: str, data: bytes) -> None:
            if connection_id == unlucky and not refused:
                refused.append(connection_id)
                raise PostRefused(500, "InternalServerError", "the management API failed")
            super().post(connection_id, data)

    with ExitStack() as opened:
        clients = cohort_members(realtime, opened, research_id, 3)
        unlucky = clients[0][1]
        refusing = Fanout(
            realtime.connections,
            RefusesOnePost(realtime.management.endpoint_url),
            {"research": realtime.research},
            lease_seconds=5,
        )
        refusing.emitted("rt-tenant", append(realtime, research_id, 1))
        assert refused == [unlucky]
        cohort = realtime.connections.cohort("rt-tenant", f"research:{research_id}")
        assert cohort is not None and cohort.delivered == 1 and unlucky not in cohort.members
        realtime.fanout.emitted("rt-tenant", append(realtime, research_id, 2))
        for ws, connection_id in clients:
            assert [e["seq"] for e in drain(realtime, ws, connection_id)] == [1, 2]


def test_a_gone_member_is_taken_out_of_the_cohort_and_the_others_still_get_the_event(realtime: Realtime) -> None:
    research_id = new_research(realtime)
    name = f"research:{research_id}"
    gone = f"gone-member-{uuid.uuid4().hex[:8]}"  # on record, but not connected: the gateway answers 410
    realtime.connections.connect(gone, "rt-tenant", "2026-01-01T00:00:00.000Z", FAR_FUTURE)
    with open_client(realtime) as (ws, connection_id):
        for member in (gone, connection_id):
            realtime.fanout.subscribe("rt-tenant", "research", research_id, member, 0, [], FAR_FUTURE, fresh=True)
        assert realtime.connections.cohort("rt-tenant", name) == Cohort(0, frozenset({gone, connection_id}))
        event = append(realtime, research_id, 1)
        realtime.fanout.emitted("rt-tenant", event)
        assert drain(realtime, ws, connection_id) == [event]
    assert realtime.connections.cohort("rt-tenant", name) == Cohort(delivered=1, members=frozenset({connection_id}))
    assert realtime.connections.get_with_topics(gone)[0] is None
    assert realtime.connections.subscriptions("rt-tenant", [gone], name) == []


def test_a_member_that_leaves_the_task_is_sent_nothing_more(realtime: Realtime) -> None:
    research_id = new_research(realtime)

    def members() -> frozenset[str]:
        cohort = realtime.connections.cohort("rt-tenant", f"research:{research_id}")
        return frozenset() if cohort is None else cohort.members

    with open_client(realtime) as (ws, connection_id):
        ws.send(json.dumps({"action": "subscribe", "research_id": research_id}))
        assert json.loads(ws.recv(timeout=30))["type"] == "subscribed"
        deadline = time.monotonic() + 30
        while members() != {connection_id}:  # the acknowledgement goes before the subscription is written
            assert time.monotonic() < deadline, "the subscription never joined the task's cohort"
            time.sleep(0.05)
        ws.send(json.dumps({"action": "unsubscribe", "research_id": research_id}))
        assert json.loads(ws.recv(timeout=30))["type"] == "unsubscribed"
        assert members() == frozenset()
        realtime.fanout.emitted("rt-tenant", append(realtime, research_id, 1))
        assert drain(realtime, ws, connection_id) == []


def test_an_event_committed_while_its_subscribers_are_held_is_sent_by_the_holder(realtime: Realtime) -> None:
    research_id = new_research(realtime)
    committed: list[dict[str, Any]] = []

    # The task commits its next event while the first is on its way; its push is refused: the first holds the lease.
    holder = fanout_that_after_its_first_post(realtime, commit_and_push(realtime, research_id, 2, committed))
    with open_client(realtime) as (client, connection_id):
        assert realtime.connections.subscribe(connection_id, "rt-tenant", f"research:{research_id}", 0, FAR_FUTURE)
        holder.emitted("rt-tenant", append(realtime, research_id, 1))
        assert [e["seq"] for e in drain(realtime, client, connection_id)] == [1, 2]


@pytest.mark.parametrize("kept", KEPT.values(), ids=KEPT.keys())
def test_a_holder_of_many_subscriptions_sends_what_came_meanwhile_without_a_release_that_must_fail(
    realtime: Realtime, kept: Kept
) -> None:
    """After sending to many subscriptions, the holder reads the log before it lets go: an event committed while
    it sent goes out at once, not after a release of every subscription that the new event makes fail."""
    research_id = new_research(realtime)
    committed: list[dict[str, Any]] = []
    releases: list[bool] = []
    repository = ConnectionRepository(realtime.connections._table)
    release = getattr(repository, kept.release)

    def counted(*args: Any, **kwargs: Any) -> bool:
        releases.append(release(*args, **kwargs))
        return releases[-1]

    setattr(repository, kept.release, counted)
    # The push of the event committed meanwhile is refused: the first push holds the leases.
    holder = fanout_that_after_its_first_post(
        realtime, commit_and_push(realtime, research_id, 2, committed), repository
    )
    with ExitStack() as opened:
        clients = kept.subscribed(realtime, opened, research_id, 10)
        holder.emitted("rt-tenant", append(realtime, research_id, 1))
        for ws, connection_id in clients:
            assert [e["seq"] for e in drain(realtime, ws, connection_id)] == [1, 2]
    assert releases == [True]


def test_a_subscription_replays_what_it_missed_for_a_few_requests_and_then_follows_live(realtime: Realtime) -> None:
    research_id = new_research(realtime)
    logged = [append(realtime, research_id, seq) for seq in (1, 2, 3)]
    requests: list[str] = []

    def count(model: Any, **_: Any) -> None:
        if threading.current_thread() is not threading.main_thread():  # the route's, not this test's
            requests.append(model.name)

    with open_client(realtime) as (ws, connection_id):
        events = client("dynamodb").meta.events
        events.register("before-call.dynamodb", count)
        try:
            ws.send(json.dumps({"action": "subscribe", "research_id": research_id, "after": 1}))
            assert json.loads(ws.recv(timeout=30)) == {"type": "subscribed", "research_id": research_id, "after": 1}
            assert [json.loads(ws.recv(timeout=30)) for _ in range(2)] == logged[1:]
            deadline = time.monotonic() + 30
            while not realtime.connections.subscriptions("rt-tenant", [connection_id], f"research:{research_id}"):
                assert time.monotonic() < deadline, "the subscription was never written"
                time.sleep(0.05)
        finally:
            events.unregister("before-call.dynamodb", count)
        # The connection, with the topics it follows; the task and what it missed in one read; then, the replay
        # sent, the subscription written where it ended, in the task's cohort, with no lease to let go of.
        assert requests == ["GetItem", "Query", "TransactWriteItems"], requests
        cohort = realtime.connections.cohort("rt-tenant", f"research:{research_id}")
        assert cohort == Cohort(delivered=3, members=frozenset({connection_id}))
        live = append(realtime, research_id, 4)
        realtime.fanout.emitted("rt-tenant", live)
        assert drain(realtime, ws, connection_id) == [live]


def test_an_event_committed_while_a_subscription_is_written_is_not_missed(realtime: Realtime) -> None:
    research_id = new_research(realtime)
    for seq in (1, 2):
        append(realtime, research_id, seq)
    with open_client(realtime) as (ws, connection_id):
        # Subscribing from the task's last event, 2, as read: 3 is committed before the subscription is written,
        # so its committer did not find it.
        meanwhile = append(realtime, research_id, 3)
        realtime.fanout.subscribe("rt-tenant", "research", research_id, connection_id, 2, [], FAR_FUTURE)
        assert drain(realtime, ws, connection_id) == [meanwhile]


def test_a_subscription_made_just_before_the_task_ends_gets_its_last_event_while_indexes_lag(
    realtime: Realtime,
) -> None:
    """DynamoDB's indexes answer late. A push reads the subscribers as they are, so a subscription written a moment
    before the task's last event still gets it: no later event would bring it."""
    research_id = new_research(realtime)
    with lagging_indexes(seconds=60), open_client(realtime) as (ws, connection_id):
        realtime.fanout.subscribe("rt-tenant", "research", research_id, connection_id, 0, [], FAR_FUTURE, fresh=True)
        last = append(realtime, research_id, 1, {"final": True})
        realtime.fanout.emitted("rt-tenant", last)
        assert drain(realtime, ws, connection_id) == [last]


def test_an_event_committed_while_a_new_subscription_replays_is_sent_once_after_the_replay(
    realtime: Realtime,
) -> None:
    research_id = new_research(realtime)
    missed = [append(realtime, research_id, seq) for seq in (1, 2)]
    committed: list[dict[str, Any]] = []

    # The task commits its next event while the replay is on its way: its push finds no subscription, since the
    # new one is written after the replay.
    replaying = fanout_that_after_its_first_post(realtime, commit_and_push(realtime, research_id, 3, committed))
    with open_client(realtime) as (ws, connection_id):
        replaying.subscribe("rt-tenant", "research", research_id, connection_id, 0, missed, FAR_FUTURE, fresh=True)
        assert drain(realtime, ws, connection_id) == [*missed, *committed]
        live = append(realtime, research_id, 4)
        realtime.fanout.emitted("rt-tenant", live)
        assert drain(realtime, ws, connection_id) == [live]


def test_a_second_subscribe_racing_the_first_leaves_its_subscription_as_it_is(realtime: Realtime) -> None:
    """A client that subscribes twice at once: the second replay is sent while the first subscription, already
    written, gets a live event. The second must not write its subscription over the first and catch up: the
    live event would come twice."""
    research_id = new_research(realtime)
    missed = [append(realtime, research_id, seq) for seq in (1, 2)]
    committed: list[dict[str, Any]] = []

    # Pushed through the first subscription, while the second replay is on its way.
    second = fanout_that_after_its_first_post(realtime, commit_and_push(realtime, research_id, 3, committed))
    with open_client(realtime) as (ws, connection_id):
        realtime.fanout.subscribe(
            "rt-tenant", "research", research_id, connection_id, 0, missed, FAR_FUTURE, fresh=True
        )
        second.subscribe("rt-tenant", "research", research_id, connection_id, 0, missed, FAR_FUTURE, fresh=True)
        assert [e["seq"] for e in drain(realtime, ws, connection_id)] == [1, 2, 1, 3, 2]
        live = append(realtime, research_id, 4)
        realtime.fanout.emitted("rt-tenant", live)
        assert drain(realtime, ws, connection_id) == [live]


def test_a_task_left_while_its_first_subscription_replays_is_not_followed(realtime: Realtime) -> None:
    """The client unsubscribes as soon as it is told it is subscribed, while the replay is still on its way and
    the subscription not yet written: it must not be written after."""
    research_id = new_research(realtime)
    missed = [append(realtime, research_id, seq) for seq in (1, 2)]
    name = f"research:{research_id}"
    left: list[bool] = []

    with open_client(realtime) as (ws, connection_id):
        replaying = fanout_that_after_its_first_post(
            realtime, lambda: left.append(realtime.connections.unsubscribe(connection_id, "rt-tenant", name))
        )
        replaying.subscribe("rt-tenant", "research", research_id, connection_id, 0, missed, FAR_FUTURE, fresh=True)
        assert drain(realtime, ws, connection_id) == missed
        assert realtime.connections.subscribers("rt-tenant", name) == []
        realtime.fanout.emitted("rt-tenant", append(realtime, research_id, 3))
        assert drain(realtime, ws, connection_id) == []
        # And subscribing again follows the task again.
        realtime.fanout.subscribe("rt-tenant", "research", research_id, connection_id, 3, [], FAR_FUTURE)
        live = append(realtime, research_id, 4)
        realtime.fanout.emitted("rt-tenant", live)
        assert drain(realtime, ws, connection_id) == [live]
    assert left == [False]  # it was not subscribed yet when it left


def test_subscribing_again_replays_again_and_then_follows_live_once(realtime: Realtime) -> None:
    research_id = new_research(realtime)
    logged = [append(realtime, research_id, seq) for seq in (1, 2)]
    with open_client(realtime) as (ws, connection_id):
        for again in (False, True):
            if again:  # a first subscription is written after its replay is sent: the second must find it written
                deadline = time.monotonic() + 30
                while not realtime.connections.subscribers("rt-tenant", f"research:{research_id}"):
                    assert time.monotonic() < deadline, "the first subscription was never written"
                    time.sleep(0.05)
            ws.send(json.dumps({"action": "subscribe", "research_id": research_id, "after": 0}))
            assert json.loads(ws.recv(timeout=30)) == {"type": "subscribed", "research_id": research_id, "after": 0}
            assert [json.loads(ws.recv(timeout=30)) for _ in range(2)] == logged
        live = append(realtime, research_id, 3)
        realtime.fanout.emitted("rt-tenant", live)
        # The second subscription's replay may still hold it when the event is pushed: the holder then sends it.
        assert json.loads(ws.recv(timeout=30)) == live
        assert drain(realtime, ws, connection_id) == []


def test_a_gone_connection_is_deleted_and_the_others_still_get_the_event(realtime: Realtime) -> None:
    research_id = new_research(realtime)
    topic = f"research:{research_id}"
    realtime.connections.connect("gone-conn", "rt-tenant", "2026-01-01T00:00:00.000Z", FAR_FUTURE)
    assert realtime.connections.subscribe("gone-conn", "rt-tenant", topic, 0, FAR_FUTURE)
    # A subscription whose connection is no longer on record: a disconnect that stopped halfway leaves it.
    realtime.connections.connect("half-gone-conn", "rt-tenant", "2026-01-01T00:00:00.000Z", FAR_FUTURE)
    assert realtime.connections.subscribe("half-gone-conn", "rt-tenant", topic, 0, FAR_FUTURE)
    client("dynamodb").delete_item(
        TableName=get_settings().connections_table, Key={"pk": {"S": "C#half-gone-conn"}, "sk": {"S": "CONN"}}
    )
    with open_client(realtime) as (ws, connection_id):
        assert realtime.connections.subscribe(connection_id, "rt-tenant", topic, 0, FAR_FUTURE)
        event = append(realtime, research_id, 1)
        realtime.fanout.emitted("rt-tenant", event)
        assert drain(realtime, ws, connection_id) == [event]
    assert realtime.connections.get_with_topics("gone-conn")[0] is None
    assert realtime.connections.subscriptions("rt-tenant", ["gone-conn", "half-gone-conn"], topic) == []


def test_a_large_event_arrives_whole_in_one_frame_with_a_reference_to_the_rest(realtime: Realtime) -> None:
    research_id = new_research(realtime)
    with open_client(realtime) as (client, connection_id):
        assert realtime.connections.subscribe(connection_id, "rt-tenant", f"research:{research_id}", 0, FAR_FUTURE)
        event = append(realtime, research_id, 1, data={"answer": "A long answer. " * 5000})
        realtime.fanout.emitted("rt-tenant", event)
        realtime.management.post(connection_id, b'{"type": "marker"}')
        raw = client.recv(timeout=30)
        assert json.loads(client.recv(timeout=30)) == {"type": "marker"}
    received = json.loads(raw)
    assert len(raw.encode()) < MAX_MESSAGE_BYTES
    assert received["seq"] == 1 and received["truncated"] is True and received["data"] == {}
    assert received["ref"] == f"/v1/research/{research_id}/events?after=0&limit=1"
    assert received["message"] == event["message"]


def test_a_disconnect_forgets_the_connection(realtime: Realtime) -> None:
    with open_client(realtime) as (_, connection_id):
        assert realtime.connections.get_with_topics(connection_id)[0] is not None
    deadline = time.monotonic() + 30
    while realtime.connections.get_with_topics(connection_id)[0] is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert realtime.connections.get_with_topics(connection_id)[0] is None


def sample(name: str) -> dict[str, Any]:
    return dict(json.loads((EVENTS / name).read_text()))


def test_the_sample_events_of_the_websocket_functions(realtime: Realtime) -> None:
    from tests.integration.test_sample_events import SAMPLE_KEY, register_sample_key

    register_sample_key("sample")
    try:
        sample_connect_and_disconnect(realtime)
    finally:  # the other sample-event tests expect the key unregistered until they register it
        ApiKeyService(ApiKeyRepository(get_settings().data_table)).revoke(SAMPLE_KEY)
    swept = invoke(load_function("connection_sweeper"), sample("connection_sweeper/scheduled.json"))
    assert set(swept) == {"removed"}
    page = invoke(load_function("console"), sample("console/console.json"))
    assert page["statusCode"] == 200 and page["headers"]["content-type"].startswith("text/html")
    assert get_settings().ws_url in page["body"] and "script-src 'nonce-" in page["headers"]["content-security-policy"]


def sample_connect_and_disconnect(realtime: Realtime) -> None:
    connect_fn, disconnect_fn = load_function("ws_connect"), load_function("ws_disconnect")
    connection_id = sample("ws_connect/connect.json")["requestContext"]["connectionId"]
    assert invoke(connect_fn, sample("ws_connect/connect_bad_token.json"))["statusCode"] == 401
    assert realtime.connections.get_with_topics(connection_id)[0] is None
    assert invoke(connect_fn, sample("ws_connect/connect.json")) == {"statusCode": 200}
    assert realtime.connections.get_with_topics(connection_id)[0]["tenant"] == "sample"  # type: ignore[index]
    assert invoke(disconnect_fn, sample("ws_disconnect/disconnect.json")) == {"statusCode": 200}
    assert realtime.connections.get_with_topics(connection_id)[0] is None


def test_a_connection_follows_so_many_topics_at_most_and_is_told_to_open_another(realtime: Realtime) -> None:
    followed, new = new_research(realtime), new_research(realtime)
    with open_client(realtime) as (ws, connection_id):
        # The connection follows as many topics as it may already, one of them `followed`.
        topics = [f"research:{followed}", *(f"research:{uuid.uuid4().hex}" for _ in range(MAX_TOPICS - 1))]
        client("dynamodb").update_item(
            TableName=get_settings().connections_table,
            Key={"pk": {"S": f"C#{connection_id}"}, "sk": {"S": "CONN"}},
            UpdateExpression="ADD topics :topics",
            ExpressionAttributeValues={":topics": {"SS": topics}},
        )
        ws.send(json.dumps({"action": "subscribe", "research_id": new}))
        refused = json.loads(ws.recv(timeout=30))
        assert refused["type"] == "error" and "open another connection" in refused["detail"]
        ws.send(json.dumps({"action": "subscribe", "research_id": followed}))  # one it follows: as before
        assert json.loads(ws.recv(timeout=30)) == {"type": "subscribed", "research_id": followed, "after": 0}
    assert realtime.connections.subscribers("rt-tenant", f"research:{new}") == []


def test_messages_reach_the_default_route_and_are_answered_through_the_management_api(realtime: Realtime) -> None:
    with open_client(realtime) as (client, _):
        client.send(json.dumps({"action": "ping"}))
        assert json.loads(client.recv(timeout=30)) == {"type": "pong"}
        client.send(json.dumps({"action": "subscribe", "all": True}))
        assert json.loads(client.recv(timeout=30)) == {"type": "subscribed", "all": True}
