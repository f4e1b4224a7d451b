from __future__ import annotations

import json

import pytest
from researcher_pro.realtime.messages import MAX_MESSAGE_BYTES, encode, ref_path, task_of
from researcher_pro.realtime.service import RealtimeService

from infra.local.template import load_stack
from tests.harness import ROOT


def event(**extra: object) -> dict[str, object]:
    return {"type": "research.progress", "seq": 7, "research_id": "res_1", "stage": "search", "progress": 0.4,
            "message": "Searching", "data": {}, "ts": "2026-01-01T00:00:00.000Z", **extra}  # fmt: skip


def test_a_small_event_is_sent_as_it_is() -> None:
    assert json.loads(encode(event())) == event()


@pytest.mark.parametrize(
    "big",
    [
        {"data": {"answer": "word " * 20_000}},
        {"message": "é" * 40_000},  # two bytes per character
        {"message": "x" * 40_000, "data": {"answer": "y" * 40_000}},
    ],
)
def test_a_large_event_fits_one_frame_and_points_to_where_it_can_be_read_whole(big: dict[str, object]) -> None:
    sent = encode(event(**big))
    decoded = json.loads(sent)
    assert len(sent) < MAX_MESSAGE_BYTES
    assert decoded["truncated"] is True and decoded["data"] == {}
    assert decoded["ref"] == "/v1/research/res_1/events?after=6&limit=1"
    assert (decoded["seq"], decoded["type"], decoded["research_id"]) == (7, "research.progress", "res_1")


def test_events_belong_to_the_task_named_by_their_kind_id() -> None:
    assert task_of({"analysis_id": "ana_1"}) == ("analysis", "ana_1")
    assert task_of({"type": "watch.run_completed"}) is None
    assert ref_path({"report_id": "rep_1", "seq": 2}) == "/v1/reports/rep_1"


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (None, "empty message"),
        ("x" * 5000, "too long"),
        ('{"action": "subscribe", "research_id": "a", "analysis_id": "b"}', "exactly one of"),
        ('{"action": "unsubscribe"}', "exactly one of"),
        ('{"action": "subscribe", "research_id": ""}', "research_id"),
    ],
)
def test_client_messages_are_strict(body: str | None, problem: str) -> None:
    message, detail = RealtimeService._parse(body)
    assert message is None and detail is not None and problem in detail


def test_client_messages_that_are_fine() -> None:
    message, detail = RealtimeService._parse('{"action": "subscribe", "analysis_id": "ana_1", "after": 4}')
    assert detail is None and message is not None
    assert message.task() == ("analysis", "ana_1")  # type: ignore[union-attr]


def test_the_websocket_api_is_read_from_the_template_and_its_urls_point_at_the_local_gateway() -> None:
    stack = load_stack(ROOT, "s", {"Stage": "prod"}, "http://aws", "ws://127.0.0.1:4555")
    assert stack.websocket is not None
    assert stack.websocket.routes == {
        "$connect": "WsConnectFunction",
        "$disconnect": "WsDisconnectFunction",
        "$default": "WsDefaultFunction",
    }
    assert (stack.websocket.stage, stack.websocket.selection_expression) == ("prod", "$request.body.action")
    worker = stack.functions["TaskWorkerFunction"].environment
    assert worker["RP_WS_MANAGEMENT_URL"] == "http://127.0.0.1:4555/prod"
    assert stack.functions["ConsoleFunction"].environment["RP_WS_URL"] == "ws://127.0.0.1:4555/prod"
    assert worker["RP_CONNECTIONS_TABLE"] == "s-ConnectionsTable"
    assert ("ConnectionSweeperFunction", "rate(15 minutes)") in {(s.function, s.expression) for s in stack.schedules}
