"""The one place that turns errors into RFC 9457 problem details."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from researcher_pro.core.errors import DomainError, RateLimited
from researcher_pro.core.observability import logger
from researcher_pro.core.problems import PROBLEM_JSON

TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Validation failed",
    429: "Too many requests",
    500: "Internal server error",
}


def problem(
    status: int,
    detail: str,
    code: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"/problems/{code}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc)


async def _validation(request: Request, error: Exception) -> JSONResponse:
    if not isinstance(error, RequestValidationError):  # registered for it alone; never on a request path
        return await _unexpected(request, error)
    issues = list(error.errors())
    if any(issue.get("type") == "json_invalid" for issue in issues):
        return problem(
            400,
            "The request body is not valid JSON",
            "malformed_json",
            [{"field": "body", "message": str(i.get("ctx", {}).get("error", "invalid JSON"))} for i in issues],
        )
    errors = [
        {"field": _field(issue.get("loc", ())), "message": str(issue.get("msg", "")), "type": issue.get("type")}
        for issue in issues
    ]
    fields = ", ".join(sorted({e["field"] for e in errors}))
    return problem(422, f"Invalid request: {fields}", "validation_failed", errors)


async def _domain(request: Request, error: Exception) -> JSONResponse:
    if not isinstance(error, DomainError):
        return await _unexpected(request, error)
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
    if isinstance(error, RateLimited):
        headers = {"Retry-After": str(error.retry_after)}
    return problem(error.status, error.detail, error.code, error.errors, headers=headers)


async def _http(request: Request, error: Exception) -> JSONResponse:
    if not isinstance(error, StarletteHTTPException):
        return await _unexpected(request, error)
    code = {404: "no_such_route", 405: "method_not_allowed"}.get(error.status_code, "http_error")
    detail = error.detail if isinstance(error.detail, str) else TITLES.get(error.status_code, "Error")
    return problem(error.status_code, detail, code, headers=getattr(error, "headers", None))


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    logger.exception("unhandled error", extra={"path": request.url.path})
    return problem(500, "An internal error occurred; it has been logged", "internal_error")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
