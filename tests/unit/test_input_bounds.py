"""What keeps client input that DynamoDB would refuse away from DynamoDB: id formats, signed and bounded
cursors, bounded event sequence numbers. moto does not enforce DynamoDB's key-size limits, so these rules
are tested here, directly."""

from __future__ import annotations

import base64
import json
import re

import pytest
from pydantic import ValidationError
from researcher_pro.core import ids
from researcher_pro.core.aws import storable_number
from researcher_pro.core.errors import InvalidCursor
from researcher_pro.core.models import MAX_EVENT_SEQ, MIN_COST_USD, NOT_BLANK
from researcher_pro.core.pagination import MAX_CURSOR_CHARS, Cursors
from researcher_pro.documents.models import DocumentCreate
from researcher_pro.realtime.models import read_client_message
from researcher_pro.research.models import ResearchRequest
from researcher_pro.tasks.kinds import KINDS
from researcher_pro.templates.models import TemplateInput, TemplateVariable, value_problem

KEY = {"pk": {"S": "T#acme#R#res_1"}, "sk": {"S": "META"}, "gsi1pk": {"S": "T#acme#R"}, "gsi1sk": {"S": "t#1"}}


@pytest.mark.parametrize("kind", [ids.RESEARCH, ids.ANALYSIS, ids.REPORT, ids.DOCUMENT, ids.WATCH, ids.TEMPLATE])
def test_every_id_we_issue_is_recognised_and_nothing_else_is(kind: ids.IdFormat) -> None:
    issued = kind.new()
    assert kind.issued(issued)
    assert issued.startswith(f"{kind.prefix}_") and len(issued) == len(kind.prefix) + 33
    others = [k for k in (ids.RESEARCH, ids.ANALYSIS, ids.REPORT, ids.DOCUMENT, ids.WATCH, ids.TEMPLATE) if k != kind]
    assert not any(other.issued(issued) for other in others)
    hex_part = issued.split("_", 1)[1]
    for bad in [
        "",
        kind.prefix,
        f"{kind.prefix}_",
        issued.upper(),
        issued + "0",
        issued[:-1],
        issued + "\n",
        f"{kind.prefix}_{hex_part[:-1]}g",
        f"{kind.prefix}-{hex_part}",
        f"{kind.prefix}_{hex_part}".replace("_", "_/", 1),
        "x" * 5000,
        f"{kind.prefix}_" + "é" * 32,
        None,
        42,
    ]:
        assert not kind.issued(bad), bad


def test_task_kinds_issue_the_ids_they_recognise() -> None:
    assert {name: kind.ids.prefix for name, kind in KINDS.items()} == {
        "research": "res",
        "analysis": "ana",
        "report": "rep",
        "document": "doc",  # a document's extraction task has the document's own id
    }


def test_template_ids_are_a_tenants_own_or_a_builtin_slug() -> None:
    assert ids.is_template_id(ids.TEMPLATE.new())
    assert ids.is_template_id("builtin-market-overview")
    for bad in ["builtin-", "builtin--x", "builtin-X", "builtin-" + "a" * 60, "../etc", "tpl_123", "res_" + "0" * 32]:
        assert not ids.is_template_id(bad), bad


def test_a_cursor_round_trips_only_for_its_own_list() -> None:
    cursors = Cursors(lambda: b"k1")
    cursor = cursors.encode(KEY)
    assert cursor is not None and len(cursor) < MAX_CURSOR_CHARS
    assert cursors.decode(cursor, "gsi1pk", "T#acme#R") == KEY
    with pytest.raises(InvalidCursor):
        cursors.decode(cursor, "gsi1pk", "T#mallory#R")  # another tenant's list
    assert cursors.encode(None) is None and cursors.decode(None, "gsi1pk", "T#acme#R") is None


def test_a_cursor_we_did_not_sign_is_refused() -> None:
    cursors = Cursors(lambda: b"k1")
    cursor = cursors.encode(KEY)
    assert cursor is not None
    payload, signature = cursor.split(".")
    forged_key = {**KEY, "gsi1sk": {"S": "z" * 2000}}  # a key DynamoDB would refuse
    forged = base64.urlsafe_b64encode(json.dumps(forged_key).encode()).decode().rstrip("=")
    for bad in [
        payload,  # unsigned, as cursors used to be
        f"{forged}.{signature}",  # another payload under a real signature
        f"{payload}.{signature[:-2]}AA",
        f"{payload}.{signature}.{signature}",
        Cursors(lambda: b"k2").encode(KEY),  # signed with another deployment's key
        "garbage",
        "é.é",
        "",
        "x" * (MAX_CURSOR_CHARS + 1),
    ]:
        with pytest.raises(InvalidCursor):
            cursors.decode(bad, "gsi1pk", "T#acme#R")


def test_a_signed_cursor_must_still_be_a_key_of_the_list() -> None:
    cursors = Cursors(lambda: b"k1")
    for position in [{"builtin": 3}, {**KEY, "extra": {"S": "x"}}, {**KEY, "sk": {"N": "1"}}]:
        with pytest.raises(InvalidCursor):
            cursors.decode(cursors.sign(position), "gsi1pk", "T#acme#R")
    assert cursors.open(cursors.sign({"builtin": 3})) == {"builtin": 3}


def test_the_signing_key_is_asked_for_once() -> None:
    asked: list[int] = []

    def key() -> bytes:
        asked.append(1)
        return b"k"

    cursors = Cursors(key)
    assert asked == []  # nothing asked until a cursor is needed
    for _ in range(3):
        cursors.decode(cursors.encode(KEY), "gsi1pk", "T#acme#R")
    assert asked == [1]


def test_websocket_after_is_bounded() -> None:
    assert read_client_message({"action": "subscribe", "research_id": "res_x", "after": MAX_EVENT_SEQ})
    with pytest.raises(ValidationError):
        read_client_message({"action": "subscribe", "research_id": "res_x", "after": MAX_EVENT_SEQ + 1})
    with pytest.raises(ValidationError):
        read_client_message({"action": "subscribe", "research_id": "res_x", "after": 10**400})


@pytest.mark.parametrize(
    ("value", "storable"),
    [
        (0, True),
        (-2.5, True),
        (1e-130, True),
        (9.9e125, True),
        (10**37, True),
        (1e-131, False),  # DynamoDB's smallest magnitude is 1E-130
        (5e-324, False),
        (1e126, False),  # and its largest below 1E+126
        (10**38 + 1, False),  # 39 significant digits
        (float("inf"), False),
        (float("nan"), False),
    ],
)
def test_numbers_are_storable_only_within_dynamodbs_range(value: float, storable: bool) -> None:
    assert storable_number(value) is storable


def test_template_numbers_are_refused_outside_dynamodbs_range() -> None:
    with pytest.raises(ValidationError, match="1E-130"):
        TemplateVariable(type="number", default=1e-200)
    variable = TemplateVariable(type="number", required=True)
    assert value_problem(variable, 10**40) is not None and value_problem(variable, 3.5) is None


def test_a_template_too_large_for_one_item_is_refused() -> None:
    big_list = {"type": "list", "default": ["y" * 400] * 50}
    variables = {f"v{i}": big_list for i in range(5)}
    with pytest.raises(ValidationError, match="bytes as compact JSON"):
        TemplateInput(name="n", prompt="p", variables=variables)
    assert TemplateInput(name="n", prompt="p", variables={"v0": big_list})


def test_research_variables_are_bounded_in_bytes() -> None:
    ResearchRequest(template_id="builtin-news-monitor", variables={"topic": "é" * 16_000})
    with pytest.raises(ValidationError, match="32768 bytes"):
        ResearchRequest(template_id="builtin-news-monitor", variables={"topic": "é" * 16_400})


def test_a_cost_cap_dynamodb_cannot_store_is_refused() -> None:
    assert ResearchRequest(query="q", max_cost_usd=MIN_COST_USD).max_cost_usd == MIN_COST_USD
    for tiny in (5e-324, 1e-200, MIN_COST_USD / 2):
        with pytest.raises(ValidationError):
            ResearchRequest(query="q", max_cost_usd=tiny)


@pytest.mark.parametrize("blank", ["", " ", "\t\n", "\u3000", "\ufeff", "\x85 "])
def test_blank_texts_are_refused_by_the_same_rule_the_schema_states(blank: str) -> None:
    pattern = re.compile(NOT_BLANK)
    assert pattern.search(blank) is None
    with pytest.raises(ValidationError):
        ResearchRequest(query=blank)
    with pytest.raises(ValidationError):
        DocumentCreate(title="t", text=blank)


def test_texts_are_checked_as_sent_and_trimmed_after() -> None:
    assert ResearchRequest(query="  what?  ").query == "what?"
    # A control character that str.strip() would remove is not whitespace to JSON Schema: it stays.
    assert ResearchRequest(query="\x1f").query == "\x1f"
    with pytest.raises(ValidationError):
        ResearchRequest(query="x" * 1999 + "  ")  # 2001 characters as sent
