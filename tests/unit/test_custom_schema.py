"""The caller's schema: what strict mode is sent, what is refused, and how the output is checked."""

from __future__ import annotations

from typing import Any

import pytest
from researcher_pro.core.json_schema import OutputMismatch, SchemaRefused, check_schema, output_check

PEOPLE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "people": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "maxLength": 20},
                    "role": {"enum": ["ceo", "cto"]},
                    "age": {"type": ["integer", "null"]},
                },
                "required": ["name"],
            },
        },
        "kind": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
    },
    "required": ["people"],
}


def test_every_object_is_closed_and_every_property_required() -> None:
    strict = check_schema(PEOPLE)
    person = strict["properties"]["people"]["items"]
    assert strict["additionalProperties"] is False and person["additionalProperties"] is False
    assert strict["required"] == ["people", "kind"] and person["required"] == ["name", "role", "age"]
    # Optional properties become nullable; keywords strict mode does not take are left out.
    assert person["properties"]["role"] == {"anyOf": [{"enum": ["ceo", "cto"]}, {"type": "null"}]}
    assert person["properties"]["age"]["type"] == ["integer", "null"]
    assert "maxLength" not in person["properties"]["name"]
    assert strict["properties"]["kind"]["anyOf"][:2] == [{"type": "string"}, {"type": "integer"}]


def test_nulls_forced_on_optional_properties_are_dropped_before_the_check() -> None:
    check = output_check(PEOPLE)
    output = {"people": [{"name": "Ada", "role": None, "age": None}], "kind": None}
    # `age` allows null in the caller's own schema, so its null stays.
    assert check(output) == {"people": [{"name": "Ada", "age": None}]}


@pytest.mark.parametrize(
    ("output", "where"),
    [
        ({"people": [{"name": "A" * 21, "role": None, "age": None}], "kind": None}, "$.people[0].name"),
        ({"people": [{"name": "Ada", "role": "cfo", "age": None}], "kind": None}, "$.people[0].role"),
        ({"people": "Ada", "kind": None}, "$.people"),
    ],
)
def test_output_that_breaks_the_callers_schema_is_named(output: dict[str, Any], where: str) -> None:
    with pytest.raises(OutputMismatch, match=rf"^{where.replace('[', r'\[').replace('$', r'\$')}"):
        output_check(PEOPLE)(output)


@pytest.mark.parametrize(
    ("schema", "reason"),
    [
        ({"type": "object", "properties": {"a": {"not": {"type": "string"}}}}, "'not'"),
        ({"type": "object", "properties": {"a": {"type": "array"}}}, "needs one schema for its items"),
        ({"type": "object", "properties": {"a": True}}, "true/false schemas"),
        ({"type": "object", "patternProperties": {"^a": {"type": "string"}}}, "patternProperties"),
        (
            {
                "type": "object",
                "properties": {
                    "a": {
                        "type": "object",
                        "additionalProperties": {"type": "string"},
                        "properties": {"b": {"type": "string"}},
                    }
                },
            },
            "additionalProperties",
        ),
        (
            {"type": "object", "properties": {"a": {"anyOf": [{"type": "string"}], "oneOf": [{"type": "string"}]}}},
            "either anyOf or oneOf",
        ),
    ],
)
def test_schemas_without_a_strict_form_are_refused_with_the_place(schema: dict[str, Any], reason: str) -> None:
    with pytest.raises(SchemaRefused, match=reason):
        check_schema(schema)


def test_local_definitions_and_recursion_are_kept() -> None:
    tree = {
        "type": "object",
        "properties": {"root": {"$ref": "#/$defs/node"}},
        "required": ["root"],
        "$defs": {
            "node": {
                "type": "object",
                "properties": {
                    "label": {"type": "string"},
                    "children": {"type": "array", "items": {"$ref": "#/$defs/node"}},
                },
                "required": ["label", "children"],
            }
        },
    }
    strict = check_schema(tree)
    assert strict["properties"]["root"] == {"$ref": "#/$defs/node"}
    assert strict["$defs"]["node"]["properties"]["children"]["items"] == {"$ref": "#/$defs/node"}
    assert output_check(tree)({"root": {"label": "a", "children": [{"label": "b", "children": []}]}})
