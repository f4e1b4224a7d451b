"""The SDK's models against the server's OpenAPI document: a field, a requiredness, a type, an enum value or a
limit that differs fails here, naming the schema and the field. When the server gains a field, add it to the
class of the same name in `researcher_pro_client.models` (and, for a request body, to the method that sends
it, in both clients)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import cache
from typing import Any

import pytest
from pydantic import BaseModel
from researcher_pro.api.document import whole_api
from researcher_pro.core.config import Settings
from researcher_pro_client import async_client, client, models

# FastAPI's own validation error shapes: the API answers problem+json instead, so no client reads them.
NOT_CLIENT_SHAPES = {"HTTPValidationError", "ValidationError"}
# Generic pages: their item schemas are checked on their own.
GENERIC = ("Page_", "EventPage_")
# What says nothing about the wire format.
IGNORED_KEYS = {"title", "description", "default", "examples"}
# The methods that send each request body, in both clients: their keyword arguments must cover its fields.
SENT_BY: dict[str, list[Callable[..., Any]]] = {
    "ResearchRequest": [client.ResearchResource.create, async_client.AsyncResearchResource.create],
    "AnalysisRequest": [client.AnalysesResource.create, async_client.AsyncAnalysesResource.create],
    "ReportRequest": [client.ReportsResource.create, async_client.AsyncReportsResource.create],
    "DocumentCreate": [client.DocumentsResource.create, async_client.AsyncDocumentsResource.create],
    "DocumentForm": [client.DocumentsResource.upload, async_client.AsyncDocumentsResource.upload],
    "UploadRequest": [client.DocumentsResource.start_upload, async_client.AsyncDocumentsResource.start_upload],
    "TemplateInput": [client.TemplatesResource.create, async_client.AsyncTemplatesResource.create],
    "RenderRequest": [client.TemplatesResource.render, async_client.AsyncTemplatesResource.render],
    "WatchRequest": [client.WatchesResource.create, async_client.AsyncWatchesResource.create],
    "WatchUpdate": [client.WatchesResource.update, async_client.AsyncWatchesResource.update],
    "WebhookCreate": [client.WebhooksResource.create, async_client.AsyncWebhooksResource.create],
    "WebhookUpdate": [client.WebhooksResource.update, async_client.AsyncWebhooksResource.update],
}


@cache
def server_schemas() -> dict[str, dict[str, Any]]:
    document = whole_api(Settings()).openapi()
    return dict(document["components"]["schemas"])


def mirrored() -> list[str]:
    return sorted(name for name in server_schemas() if name not in NOT_CLIENT_SHAPES and not name.startswith(GENERIC))


def wire_shape(node: Any) -> Any:
    """A JSON Schema reduced to what the wire format depends on; references by schema name."""
    if isinstance(node, dict):
        if "$ref" in node:
            return {"$ref": node["$ref"].rsplit("/", 1)[-1]}
        shape = {key: wire_shape(value) for key, value in node.items() if key not in IGNORED_KEYS}
        if "const" in shape:
            shape["enum"] = [shape.pop("const")]
        if "enum" in shape:
            shape["enum"] = sorted(shape["enum"])
        return shape
    if isinstance(node, list):
        return [wire_shape(item) for item in node]
    return node


def sdk_schema(name: str) -> dict[str, Any]:
    model = getattr(models, name, None)
    assert isinstance(model, type) and issubclass(model, BaseModel), f"the SDK has no model {name}"
    return model.model_json_schema(by_alias=True)


def test_every_schema_of_the_api_has_a_model_of_the_same_name() -> None:
    missing = [name for name in mirrored() if not isinstance(getattr(models, name, None), type)]
    assert not missing, f"the server's document has schemas the SDK lacks: {missing}"


@pytest.mark.parametrize("name", mirrored())
def test_the_model_has_the_schemas_fields_types_enums_and_limits(name: str) -> None:
    server, sdk = server_schemas()[name], sdk_schema(name)
    theirs, ours = wire_shape(server.get("properties", {})), wire_shape(sdk.get("properties", {}))
    assert sorted(theirs) == sorted(ours), (
        f"{name}: fields only the server has: {sorted(set(theirs) - set(ours))}; "
        f"only the SDK has: {sorted(set(ours) - set(theirs))}"
    )
    for field in theirs:
        assert ours[field] == theirs[field], f"{name}.{field}: the server says {theirs[field]}, the SDK {ours[field]}"
    assert sorted(sdk.get("required", [])) == sorted(server.get("required", [])), f"{name}: required fields differ"
    if server.get("additionalProperties") is False:
        assert sdk.get("additionalProperties") is False, f"{name} is a strict request body; the SDK's must be too"


def test_pages_hold_models_the_sdk_has() -> None:
    for name, schema in server_schemas().items():
        if name.startswith(GENERIC):
            item = schema["properties"]["items"]["items"]["$ref"].rsplit("/", 1)[-1]
            assert isinstance(getattr(models, item, None), type), f"{name} holds {item}, which the SDK lacks"
            paging = "next_after" if name.startswith("EventPage_") else "next_cursor"
            assert set(schema["properties"]) == {"items", paging}, f"{name}: {sorted(schema['properties'])}"


@pytest.mark.parametrize("body", sorted(SENT_BY))
def test_each_request_field_can_be_sent(body: str) -> None:
    fields = set(server_schemas()[body]["properties"])
    for method in SENT_BY[body]:
        params = set(inspect.signature(method).parameters) - {"self"}
        missing = fields - params
        assert not missing, f"{method.__qualname__} cannot send {body}'s {sorted(missing)}"


def test_a_field_the_server_adds_later_is_kept_not_refused() -> None:
    source = models.Source.model_validate({"n": 1, "url": "https://a.example", "title": "A", "language": "en"})
    assert source.model_extra == {"language": "en"}
