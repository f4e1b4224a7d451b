"""Problem details (RFC 9457) in the OpenAPI document: the responses a route declares beside the ones every
route of its kind shares (those are added by api/contract.py). FastAPI; imported by routers, never by workers.

    @router.post("/{id}/cancel", responses=problems((409, "The research has already ended")))
"""

from __future__ import annotations

from typing import Any

PROBLEM_JSON = "application/problem+json"
PROBLEM_SCHEMA: dict[str, Any] = {"$ref": "#/components/schemas/Problem"}


def problem_response(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}}}
    if headers:
        response["headers"] = headers
    return response


def problems(*described: tuple[int, str]) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: each (status, when it is answered) as a problem+json response."""
    return {status: problem_response(description) for status, description in described}
