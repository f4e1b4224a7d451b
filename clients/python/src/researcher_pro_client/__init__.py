"""The Researcher Pro API from Python: `Client` and `AsyncClient`, their models and their errors."""

from researcher_pro_client.async_client import AsyncClient
from researcher_pro_client.client import Client
from researcher_pro_client.config import ConfigurationError
from researcher_pro_client.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    DocumentFailed,
    InternalServerError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    ResearcherProError,
    UnprocessableEntityError,
    WaitTimeout,
)
from researcher_pro_client.retries import RetryPolicy
from researcher_pro_client.version import __version__
from researcher_pro_client.webhooks import WebhookVerificationError, verify

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AsyncClient",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "ConfigurationError",
    "ConflictError",
    "DocumentFailed",
    "InternalServerError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResearcherProError",
    "RetryPolicy",
    "UnprocessableEntityError",
    "WaitTimeout",
    "WebhookVerificationError",
    "__version__",
    "verify",
]
