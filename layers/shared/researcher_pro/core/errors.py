"""Domain errors. The API maps each to one HTTP status in one place (api/errors.py)."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    title = "Bad request"
    code = "bad_request"

    def __init__(self, detail: str | None = None, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        # Problem details' `errors`: [{"field": "body.variables.company", "message": "..."}]
        self.errors = errors


class NotFound(DomainError):
    status = 404
    title = "Not found"
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    title = "Conflict"
    code = "conflict"


class InvalidCursor(DomainError):
    status = 422
    title = "Invalid cursor"
    code = "invalid_cursor"

    def __init__(self) -> None:
        super().__init__("The cursor was not issued by this API for this list")


class InvalidInput(DomainError):
    status = 422
    title = "Validation failed"
    code = "validation_failed"


class Unauthorized(DomainError):
    status = 401
    title = "Unauthorized"
    code = "unauthorized"


class TaskFailure(Exception):
    """A task cannot succeed; it ends `failed` with this machine-readable code."""

    code = "internal_error"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class BudgetExceeded(TaskFailure):
    code = "budget_exceeded"


class ProviderUnavailable(TaskFailure):
    code = "provider_unavailable"


class ProviderRejected(TaskFailure):
    code = "provider_rejected"


class ProviderBadOutput(TaskFailure):
    code = "provider_bad_output"


class RetryStep(Exception):
    """This attempt failed in a way another may not (say, model output that breaks the caller's schema):
    the step is retried from the queue, and after the last attempt the task fails with `code`."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class OutOfTime(Exception):
    """The invocation is about to time out; the step is retried in a fresh one."""


class RateLimited(DomainError):
    status = 429
    title = "Too many requests"
    code = "rate_limited"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
