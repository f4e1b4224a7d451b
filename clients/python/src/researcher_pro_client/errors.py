"""Every error the client raises. An answer the API refused carries its RFC 9457 problem detail."""

from __future__ import annotations

from typing import Any

import httpx

from researcher_pro_client.retries import retry_after_seconds


class ResearcherProError(Exception):
    """The root of everything this package raises."""


class APIConnectionError(ResearcherProError):
    """The API could not be reached (after the retries), or the connection broke before an answer."""


class APITimeoutError(APIConnectionError):
    """The API did not answer in time (after the retries)."""


class WaitTimeout(ResearcherProError):
    """A task was still not finished when `wait` gave up; it keeps running on the server."""

    def __init__(self, task_id: str, status: str, timeout: float) -> None:
        super().__init__(f"{task_id} is still {status} after {timeout:g} s; it keeps running")
        self.task_id = task_id
        self.status = status


class DocumentFailed(ResearcherProError):
    """A file sent through storage could not be read (encrypted, damaged, no text layer, not a document):
    `document.error` says why, and nothing of the file is kept."""

    def __init__(self, document: Any) -> None:
        error = document.error
        reason = f"{error.code}: {error.message}" if error else "failed"
        super().__init__(f"{document.id} failed: {reason}")
        self.document = document


class APIError(ResearcherProError):
    """The API answered with an error status. `str(error)` is one line fit to show a user."""

    def __init__(self, response: httpx.Response, problem: dict[str, Any]) -> None:
        self.response = response
        self.status: int = response.status_code
        self.type: str = str(problem.get("type") or "about:blank")
        self.title: str = str(problem.get("title") or response.reason_phrase or "Error")
        self.detail: str = str(problem.get("detail") or self.title)
        errors = problem.get("errors")
        self.errors: list[dict[str, Any]] = (
            [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []
        )
        self.problem = problem
        super().__init__(self._line())

    @property
    def code(self) -> str:
        """The machine-readable kind of problem: the last part of `type` (`validation_failed`, …)."""
        return self.type.rstrip("/").rsplit("/", 1)[-1]

    def _line(self) -> str:
        fields = "; ".join(
            f"{e.get('field')}: {e.get('message')}" for e in self.errors if e.get("field") and e.get("message")
        )
        detail = f"{self.detail} ({fields})" if fields and len(fields) < 300 else self.detail
        return f"{self.status} {self.title}: {detail}"


class BadRequestError(APIError):
    """400, and any other 4xx without a class of its own."""


class AuthenticationError(APIError):
    """401: the API key is missing, unknown or revoked."""


class PermissionDeniedError(APIError):
    """403: the key may not do this (a built-in template is read-only, …)."""


class NotFoundError(APIError):
    """404: no such resource for this tenant."""


class ConflictError(APIError):
    """409: the resource is not in a state that allows this (a report of an unfinished research, …)."""


class PayloadTooLargeError(APIError):
    """413: the request body is over the API's limit."""


class UnprocessableEntityError(APIError):
    """422: the request was refused by validation; `errors` names each field."""


class RateLimitError(APIError):
    """429: too many starts, or the tenant's daily budget is spent. `retry_after` says when to try again."""

    @property
    def retry_after(self) -> float | None:
        return retry_after_seconds(self.response.headers.get("retry-after"))


class InternalServerError(APIError):
    """5xx: the API failed (after the retries). Always a bug on the server's side."""


BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def error_for(response: httpx.Response) -> APIError:
    """The typed error for an error response, with its problem detail (or what stands in for one)."""
    problem: dict[str, Any]
    try:
        body = response.json()
        problem = body if isinstance(body, dict) else {}
    except ValueError:
        problem = {}
    if not problem.get("detail"):
        # Not a problem document (a proxy, a gateway): keep what it said, briefly.
        text = response.text.strip().splitlines()
        problem = {**problem, "detail": text[0][:200] if text else response.reason_phrase}
    kind = BY_STATUS.get(response.status_code)
    if kind is None:
        kind = InternalServerError if response.status_code >= 500 else BadRequestError
    return kind(response, problem)
