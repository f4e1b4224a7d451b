"""The OpenAPI document the health function serves: every response each operation can give, described as the
API gives it. (schemathesis checks the same against the running API in tests/e2e/test_contract.py.)"""

from __future__ import annotations

from typing import Any

import pytest
from researcher_pro.api.app import create_app
from researcher_pro.api.document import whole_api
from researcher_pro.api.health import health_router
from researcher_pro.core.config import Settings


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    settings = Settings()
    app = create_app(settings, health_router(settings), described_by=lambda: whole_api(settings))
    return app.openapi()


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method.upper(), path, op) for path, ops in document["paths"].items() for method, op in ops.items()]


def test_every_problem_is_problem_json_with_the_problem_schema(document: dict[str, Any]) -> None:
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert document["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status", "detail"]
    for method, path, op in operations(document):
        for status, response in op["responses"].items():
            if status.startswith("4"):
                assert response["content"] == {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                }, (method, path, status)
            else:
                assert "application/problem+json" not in response.get("content", {}), (method, path, status)


def test_only_health_is_public_and_every_other_route_says_401(document: dict[str, Any]) -> None:
    assert document["security"] == [{"bearerAuth": []}]
    for method, path, op in operations(document):
        if path == "/v1/health":
            assert op["security"] == [] and "401" not in op["responses"]
        else:
            assert "security" not in op, (method, path)
            assert op["responses"]["401"]["headers"]["WWW-Authenticate"]["required"] is True


def test_statuses_follow_what_each_route_does(document: dict[str, Any]) -> None:
    statuses = {(m, p): set(op["responses"]) for m, p, op in operations(document)}
    assert statuses[("POST", "/v1/research")] == {"202", "400", "401", "409", "413", "422", "429"}
    assert statuses[("GET", "/v1/research/{research_id}")] == {"200", "401", "404"}
    assert statuses[("DELETE", "/v1/templates/{template_id}")] == {"204", "401", "403", "404"}
    assert statuses[("POST", "/v1/research/{research_id}/cancel")] == {"202", "401", "404", "409"}
    assert statuses[("POST", "/v1/analyses")] >= {"404", "409", "429"}
    assert statuses[("GET", "/v1/health")] == {"200"}
    for method, path, op in operations(document):
        has_body = "requestBody" in op
        assert ("400" in op["responses"]) == has_body == ("413" in op["responses"]), (method, path)
        if "429" in op["responses"]:
            header = op["responses"]["429"]["headers"]["Retry-After"]
            assert header["required"] is True and header["schema"]["type"] == "integer"


def test_limits_a_schema_cannot_state_are_described(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert "1000000 bytes as UTF-8" in schemas["DocumentCreate"]["properties"]["text"]["description"]
    assert "exactly one of `text` or `research_id`" in document["paths"]["/v1/analyses"]["post"]["description"]
    assert "either `query` or `template_id`" in document["paths"]["/v1/research"]["post"]["description"]
    assert "366 days" in document["paths"]["/v1/usage"]["get"]["description"]
    cursor = next(p for p in document["paths"]["/v1/research"]["get"]["parameters"] if p["name"] == "cursor")
    assert cursor["schema"]["anyOf"][0]["maxLength"] == 1024
