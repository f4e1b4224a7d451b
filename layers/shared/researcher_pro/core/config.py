"""Settings, read once from the environment. The only module that looks at os.environ.

Settings are a plain read-only class read by a few lines of our own, not a pydantic-settings model.
Measured here (the cold-start benchmark): importing pydantic-settings costs about 230 ms, and building a
first pydantic model about 180 ms, against about 360 ms for boto3 and Powertools together; the sweepers,
the scheduler and the WebSocket functions need no pydantic model to start, so settings must not be one.
(Nor a dataclass: generating a 45-field dataclass's methods costs 6 ms, more than the rest of this module.)
A field is read from `RP_<FIELD NAME>`, or from the name `ENV_NAMES` gives it, converted to the field's
type ("5" is 5; "true", "1", "yes" and "on" are True) and checked against its bounds; a bad value stops
the container at start with a message naming the variable.
"""

from __future__ import annotations

import json
import os
import types
import typing
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Literal, NamedTuple

VERSION = "0.1.0"
LOCAL_STACK_NAME = "researcher-pro-local"
ENV_PREFIX = "RP_"


class ModelPrice(NamedTuple):
    """US dollars per million tokens, plus a flat price per request (search APIs bill per request)."""

    input_per_million: float = 0.0
    output_per_million: float = 0.0
    per_request: float = 0.0


# Public list prices; override with RP_PRICES (JSON: {"model": {"input_per_million": ...}}).
DEFAULT_PRICES: dict[str, dict[str, float]] = {
    "gpt-4o-mini": {"input_per_million": 0.15, "output_per_million": 0.60},
    "gpt-4o": {"input_per_million": 2.50, "output_per_million": 10.00},
    "gpt-4.1-mini": {"input_per_million": 0.40, "output_per_million": 1.60},
    # Perplexity's Search API: $5 per 1000 requests, whatever the number of queries or results; no tokens.
    "perplexity-search": {"per_request": 0.005},
    "offline": {},
}


class Settings:
    """One container's settings, read-only. They key the caches of the services built from them (see the
    rooms' wiring modules), by identity: settings read afresh are a fresh container."""

    # Where things live (set by template.yaml, or by the local cloud from it).
    data_table: str = "researcher-pro-data"
    idempotency_table: str = "researcher-pro-idempotency"
    tasks_queue_url: str = ""
    artifacts_bucket: str = "researcher-pro-artifacts"
    stage: str = "dev"

    # Model providers. No key means the offline provider is used. Deployed (and in the local cloud), the keys
    # are in a Secrets Manager secret that only the task worker is told of and may read (providers/wiring.py);
    # every function knows from the flags alone whether a provider is configured. Outside a deployment
    # (tests, scripts) the keys may be given directly.
    provider_keys_secret_arn: str = ""  # JSON: {"openai_api_key": ..., "perplexity_api_key": ...}
    openai_configured: bool = False
    perplexity_configured: bool = False
    openai_api_key: str = ""
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    perplexity_api_key: str = ""
    perplexity_base_url: str = "https://api.perplexity.ai"

    # Provider call policy.
    provider_timeout_seconds: float = 60.0
    provider_retry_seconds: float = 120.0
    provider_max_attempts: int = 6
    cache_ttl_seconds: int = 86_400
    prices_json: str = ""

    # Task policy.
    max_step_attempts: int = 3
    stuck_after_seconds: int = 600
    max_sweeps: int = 3
    event_ttl_days: int = 30
    search_results_per_question: int = 8
    # Reading pages: limits per page, and how long a page read (or a failure to read it) is kept per tenant.
    fetch_max_bytes: int = 5 * 1024 * 1024
    fetch_timeout_seconds: float = 10.0
    fetch_allow_loopback: bool = False  # local testing only: pages on loopback (private addresses never)
    page_cache_ttl_seconds: int = 86_400
    subquestion_concurrency: int = 8  # 1 runs sub-questions one after another
    # The research loop: each depth's round limit (a request's max_rounds may lower or raise it, to 8), and
    # how many of each query's new top pages a round reads.
    rounds_quick: int = 1
    rounds_standard: int = 2
    rounds_deep: int = 4
    pages_per_query: int = 5
    # Analyses: texts longer than this are split on paragraph boundaries and analysed part by part.
    analysis_chunk_chars: int = 12_000

    # Documents: a file sent in the request body (multipart) may have this many bytes; larger ones, up to
    # 50 MiB, go through a presigned S3 upload whose URL lives this long.
    document_upload_max_bytes: int = 4 * 1024 * 1024
    document_upload_url_ttl_seconds: int = 900

    # Templates.
    max_template_versions: int = 100  # a template's PUTs beyond this are refused (409)

    # Reports.
    report_url_ttl_seconds: int = 900
    report_inline_bytes: int = 65_536  # bodies up to this come inline too

    # Watches.
    min_schedule_seconds: int = 3600  # a watch's schedule may not fire more often than this
    max_watches_per_tenant: int = 100
    watch_start_grace_seconds: int = 120  # a run not confirmed started by then is started by the scheduler

    # Webhooks: the deliveries' queue, how long one attempt may take, the waits between attempts (seconds,
    # comma-separated: at least 24 hours in all by default), when an endpoint that keeps failing is disabled.
    webhook_queue_url: str = ""
    webhook_allow_loopback: bool = False  # local testing only: loopback (and http) webhook URLs
    webhook_timeout_seconds: float = 5.0
    webhook_retry_seconds: str = "5,300,1800,7200,18000,36000,36000"
    webhook_disable_after_days: float = 5.0
    max_webhooks_per_tenant: int = 20

    # Real time: the WebSocket API. No management URL means events stay in their logs, nothing is pushed.
    connections_table: str = "researcher-pro-connections"
    ws_management_url: str = ""  # https://{api}.execute-api.{region}.amazonaws.com/{stage}
    ws_url: str = ""  # wss://{api}.execute-api.{region}.amazonaws.com/{stage}, what clients connect to
    connection_ttl_seconds: int = 7_200  # API Gateway closes every WebSocket after 2 hours
    delivery_lease_seconds: float = 10.0

    # Where rp-admin --local finds the local cloud.
    local_aws_port: int = 5000

    # API policy.
    cursor_secret_arn: str = ""  # the generated key that signs list cursors; only the API functions that list read it
    max_body_bytes: int = 2 * 1024 * 1024
    auth_cache_seconds: float = 10.0
    idempotency_ttl_seconds: int = 86_400
    # Work-starting POSTs per tenant per minute (research, analyses, reports, watch runs); 0 turns it off.
    starts_per_minute: int = 120
    # Each tenant's daily spending cap in US dollars, unless rp-admin set-budget gave it its own; 0: none.
    daily_budget_usd: float = 0.0

    def __init__(self, **values: Any) -> None:
        unknown = set(values) - set(self.__annotations__)
        if unknown:
            raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
        self.__dict__.update(values)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("settings are read-only")

    @property
    def offline_search(self) -> bool:
        return not (self.perplexity_configured or self.perplexity_api_key)

    @property
    def offline_model(self) -> bool:
        return not (self.openai_configured or self.openai_api_key)

    def prices(self) -> dict[str, ModelPrice]:
        table = dict(DEFAULT_PRICES)
        if self.prices_json:
            table.update(json.loads(self.prices_json))
        return {name: ModelPrice(**values) for name, values in table.items()}

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        """The settings named in `environ` (names are matched case-insensitively); the rest keep their defaults."""
        given = {name.upper(): value for name, value in environ.items()}
        values: dict[str, Any] = {}
        for field, kind in typing.get_type_hints(cls).items():
            name = ENV_NAMES.get(field, f"{ENV_PREFIX}{field.upper()}")
            if name in given:
                values[field] = _setting(name, given[name], kind, BOUNDS.get(field))
        return cls(**values)


def _setting(name: str, text: str, kind: Any, bounds: tuple[float, float] | None) -> Any:
    """`text` as a value of type `kind` (str, int, float, bool, a Literal, or one of these or None)."""
    options = typing.get_args(kind) if isinstance(kind, types.UnionType) else (kind,)
    if type(None) in options:
        if not text.strip():
            return None
        kind = next(option for option in options if option is not type(None))
    try:
        value: Any
        if kind is bool:
            if text.strip().lower() not in _BOOLEANS:
                raise ValueError("expected true or false")
            value = _BOOLEANS[text.strip().lower()]
        elif kind is int or kind is float:
            value = kind(text.strip())
        elif typing.get_origin(kind) is Literal:
            if text not in typing.get_args(kind):
                raise ValueError(f"expected one of {', '.join(typing.get_args(kind))}")
            value = text
        else:
            value = text
        if bounds and not bounds[0] <= value <= bounds[1]:
            raise ValueError(f"expected a value from {bounds[0]} to {bounds[1]}")
    except ValueError as error:
        raise ValueError(f"{name}={text!r} is not a valid setting: {error}") from None
    return value


_BOOLEANS = {"true": True, "1": True, "yes": True, "on": True, "false": False, "0": False, "no": False, "off": False}


# Settings that must lie within bounds.
BOUNDS: dict[str, tuple[float, float]] = {
    "analysis_chunk_chars": (1_000, 100_000),
    # A report's download URL is signed by the Lambda's temporary credentials and dies with them: an hour
    # at most (it is signed afresh on every GET).
    "report_url_ttl_seconds": (60, 3_600),
    "report_inline_bytes": (0, 262_144),
    "fetch_max_bytes": (64 * 1024, 50 * 1024 * 1024),
    "fetch_timeout_seconds": (1, 60),
    "page_cache_ttl_seconds": (60, 30 * 86_400),
    # Perplexity's Search API returns at most 20 results a query.
    "search_results_per_question": (1, 20),
    "rounds_quick": (1, 8),
    "rounds_standard": (1, 8),
    "rounds_deep": (1, 8),
    "pages_per_query": (0, 10),
    # A request reaches its Lambda as one JSON event of at most 6 MiB, its body base64-encoded (4 bytes for
    # every 3) when binary, as multipart is: 4 MiB of file, with the form's framing and the event around it,
    # comes to about 5.6 MB (tests/unit/test_document_files.py measures it).
    "document_upload_max_bytes": (64 * 1024, 4 * 1024 * 1024),
    # Signed by the API's temporary credentials, which die within the hour.
    "document_upload_url_ttl_seconds": (60, 3_600),
    # An attempt holds its delivery's lease for this long and must end well inside the queue's visibility.
    "webhook_timeout_seconds": (1, 20),
    "webhook_disable_after_days": (0.00001, 90),
    "max_webhooks_per_tenant": (1, 1_000),
}

# Settings whose environment variable is not RP_<FIELD>: the providers' own conventional names.
ENV_NAMES = {
    "openai_api_key": "OPENAI_API_KEY",
    "openai_base_url": "OPENAI_BASE_URL",
    "perplexity_api_key": "PERPLEXITY_API_KEY",
    "perplexity_base_url": "PERPLEXITY_BASE_URL",
    "prices_json": "RP_PRICES",
}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_environ(os.environ)


def invocation_trace_header() -> str | None:
    """The X-Ray trace header of the invocation being served: Lambda sets `_X_AMZN_TRACE_ID` afresh for each
    one (`Root=…;Parent=…;Sampled=…`), so it is read each time, never kept with the settings."""
    return os.environ.get("_X_AMZN_TRACE_ID") or None
