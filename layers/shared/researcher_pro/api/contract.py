"""The OpenAPI document, made exact: every response each operation can give, as the API enforces it.

FastAPI describes an operation's success and a generic 422. From what each route really depends on, this
adds the rest, so that a client (and schemathesis, which `make test` runs against the local cloud) can rely
on the document alone:
- 401, with `WWW-Authenticate`, on every route that needs an API key (it depends on `current_tenant`), and
  `security: []` on the routes that need none;
- 400 (malformed JSON), 413 (a body over the size limit) and 422 on routes that take a JSON body, and 422
  on routes with a parameter that can be invalid (a path id is never invalid: one we did not issue is 404);
- 404 on routes that name a resource in their path (a missing one, another tenant's, or an id we could not
  have issued, all alike);
- 409, 422 and 429 (with `Retry-After`) on routes that start work (they depend on `starts`): an
  Idempotency-Key still in progress or reused with another body, and the tenant's start rate;
- every problem as `application/problem+json`, described by the `Problem` schema.
A route that reads its body itself (one that takes more than one media type) declares each body's schema in
its `openapi_extra`; those become components, as FastAPI's own bodies are.
What only some routes can answer (403, and most 409s) each route declares itself (core/problems.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from researcher_pro.access.dependencies import current_tenant, starts
from researcher_pro.core.problems import PROBLEM_JSON, problem_response

PROBLEM: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details; every 4xx (and a 5xx, which is always a bug) is one of these.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "/problems/<code>, e.g. /problems/not_found"},
        "title": {"type": "string"},
        "status": {"type": "integer", "description": "The HTTP status, repeated"},
        "detail": {"type": "string", "description": "What went wrong, for a person"},
        "errors": {
            "type": "array",
            "description": "For invalid input: each field (`body.query`, `query.limit`, ...) and what is wrong with it",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "type": {"type": "string", "description": "A machine-readable kind of error"},
                },
            },
        },
    },
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    }
}
WWW_AUTHENTICATE = {
    "WWW-Authenticate": {"description": "Always `Bearer`", "required": True, "schema": {"type": "string"}}
}


def make_exact(document: dict[str, Any], app: FastAPI, max_body_bytes: int) -> dict[str, Any]:
    """`document` (app's OpenAPI document) with every response each operation can give."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    schemas["Problem"] = PROBLEM
    # Routes as the app serves them (with their routers' prefixes and dependencies), as FastAPI describes them.
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        needs = {dependency.call for dependency in _dependencies(route.dependant)}
        for method in route.methods or ():
            operation = document["paths"][route.path_format][method.lower()]
            _hoist_body_schemas(operation, schemas)
            _describe(operation, needs, max_body_bytes)
    return document


def _describe(operation: dict[str, Any], needs: set[Callable[..., Any] | None], max_body_bytes: int) -> None:
    responses: dict[str, Any] = operation["responses"]
    parameters: list[dict[str, Any]] = operation.get("parameters", [])
    has_body = "requestBody" in operation
    add: dict[str, dict[str, Any]] = {}
    if current_tenant in needs:
        add["401"] = problem_response("No API key, or one that is not valid", WWW_AUTHENTICATE)
    else:
        operation["security"] = []
    if has_body:
        add["400"] = problem_response("The body is not valid JSON")
        add["413"] = problem_response(f"The body is larger than {max_body_bytes} bytes")
    if any(p["in"] == "path" for p in parameters):
        add["404"] = problem_response("No such resource: it does not exist, or it is not yours")
    if starts in needs:
        add["409"] = problem_response("A request with this Idempotency-Key is still being processed")
        add["429"] = problem_response("The tenant may start no more work now; try after Retry-After", RETRY_AFTER)
    if has_body or any(not _always_valid(p) for p in parameters):
        add["422"] = problem_response("Invalid input: `errors` names each field and what is wrong with it")
    else:
        responses.pop("422", None)
    for status, response in add.items():
        declared = responses.get(status)
        if declared is None or "content" not in declared or "application/json" in declared["content"]:
            # FastAPI's generic 422 (application/json) becomes a problem; a route's own description stays.
            description = declared["description"] if declared and status != "422" else response["description"]
            responses[status] = {**response, "description": description}
        elif status in ("401", "429"):
            declared.setdefault("headers", response.get("headers", {}))
    for status, response in responses.items():
        if status.startswith("4") and PROBLEM_JSON not in response.get("content", {}):
            raise ValueError(f"{operation['operationId']}: {status} is not described as a problem")


def _hoist_body_schemas(operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    """Request body schemas given inline (a model's JSON Schema, named by its title) as components."""
    for media in operation.get("requestBody", {}).get("content", {}).values():
        schema = media.get("schema", {})
        name = schema.get("title")
        if name and "$ref" not in schema:
            schemas.update(schema.pop("$defs", {}))
            schemas[name] = schema
            media["schema"] = {"$ref": f"#/components/schemas/{name}"}


def _always_valid(parameter: dict[str, Any]) -> bool:
    """A path id takes any string (one we did not issue is 404, not 422)."""
    schema = parameter.get("schema", {})
    constraints = set(schema) - {"type", "title", "description"}
    return parameter["in"] == "path" and schema.get("type") == "string" and not constraints


def _dependencies(dependant: Dependant) -> Iterator[Dependant]:
    for dependency in dependant.dependencies:
        yield dependency
        yield from _dependencies(dependency)
