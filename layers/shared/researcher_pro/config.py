"""Settings, read once from the environment. The only module that looks at os.environ."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

VERSION = "0.1.0"
LOCAL_STACK_NAME = "researcher-pro-local"


class ModelPrice(BaseSettings):
    """US dollars per million tokens, plus a flat price per request (search APIs bill per request)."""

    model_config = SettingsConfigDict(extra="forbid")

    input_per_million: float = 0.0
    output_per_million: float = 0.0
    per_request: float = 0.0


# Public list prices; override with RP_PRICES (JSON: {"model": {"input_per_million": ...}}).
DEFAULT_PRICES: dict[str, dict[str, float]] = {
    "gpt-4o-mini": {"input_per_million": 0.15, "output_per_million": 0.60},
    "gpt-4o": {"input_per_million": 2.50, "output_per_million": 10.00},
    "gpt-4.1-mini": {"input_per_million": 0.40, "output_per_million": 1.60},
    "sonar": {"input_per_million": 1.00, "output_per_million": 1.00, "per_request": 0.005},
    "sonar-pro": {"input_per_million": 3.00, "output_per_million": 15.00, "per_request": 0.006},
    "perplexity/sonar": {"input_per_million": 1.00, "output_per_million": 1.00, "per_request": 0.005},
    "offline": {},
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RP_", extra="ignore", populate_by_name=True)

    # Where things live (set by template.yaml, or by the local cloud from it).
    data_table: str = "researcher-pro-data"
    idempotency_table: str = "researcher-pro-idempotency"
    tasks_queue_url: str = ""
    artifacts_bucket: str = "researcher-pro-artifacts"
    stage: str = "dev"

    # Model providers. No key means the offline provider is used.
    openai_api_key: str = Field(default="", validation_alias=AliasChoices("OPENAI_API_KEY"))
    openai_base_url: str | None = Field(default=None, validation_alias=AliasChoices("OPENAI_BASE_URL"))
    openai_model: str = "gpt-4o-mini"
    perplexity_api_key: str = Field(default="", validation_alias=AliasChoices("PERPLEXITY_API_KEY"))
    perplexity_base_url: str = Field(
        default="https://api.perplexity.ai", validation_alias=AliasChoices("PERPLEXITY_BASE_URL")
    )
    perplexity_model: str = "perplexity/sonar"
    perplexity_api: Literal["agent", "sonar"] = "agent"

    # Provider call policy.
    provider_timeout_seconds: float = 60.0
    provider_retry_seconds: float = 120.0
    provider_max_attempts: int = 6
    cache_ttl_seconds: int = 86_400
    prices_json: str = Field(default="", validation_alias=AliasChoices("RP_PRICES"))

    # Task policy.
    max_step_attempts: int = 3
    stuck_after_seconds: int = 600
    max_sweeps: int = 3
    event_ttl_days: int = 30
    search_results_per_question: int = 8
    subquestion_concurrency: int = 8  # 1 runs sub-questions one after another
    # Analyses: texts longer than this are split on paragraph boundaries and analysed part by part.
    analysis_chunk_chars: int = Field(default=12_000, ge=1_000, le=100_000)

    # Reports.
    report_url_ttl_seconds: int = Field(default=900, ge=60, le=604_800)  # SigV4 allows at most 7 days
    report_inline_bytes: int = Field(default=65_536, ge=0, le=262_144)  # bodies up to this come inline too

    # Watches.
    min_schedule_seconds: int = 3600  # a watch's schedule may not fire more often than this
    watch_start_grace_seconds: int = 120  # a run not confirmed started by then is started by the scheduler
    webhook_allow_loopback: bool = False  # local testing only: loopback (and http) webhook URLs
    webhook_timeout_seconds: float = 5.0
    webhook_attempts: int = 3

    # Real time: the WebSocket API. No management URL means events stay in their logs, nothing is pushed.
    connections_table: str = "researcher-pro-connections"
    ws_management_url: str = ""  # https://{api}.execute-api.{region}.amazonaws.com/{stage}
    ws_url: str = ""  # wss://{api}.execute-api.{region}.amazonaws.com/{stage}, what clients connect to
    connection_ttl_seconds: int = 7_200  # API Gateway closes every WebSocket after 2 hours
    delivery_lease_seconds: float = 10.0

    # Where rp-admin --local finds the local cloud.
    local_aws_port: int = 5000

    # API policy.
    max_body_bytes: int = 2 * 1024 * 1024
    auth_cache_seconds: float = 10.0
    idempotency_ttl_seconds: int = 86_400
    # Work-starting POSTs per tenant per minute (research, analyses, reports, watch runs); 0 turns it off.
    starts_per_minute: int = 120

    @field_validator("openai_base_url", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return value or None

    @property
    def offline_search(self) -> bool:
        return not self.perplexity_api_key

    @property
    def offline_model(self) -> bool:
        return not self.openai_api_key

    def prices(self) -> dict[str, ModelPrice]:
        table = dict(DEFAULT_PRICES)
        if self.prices_json:
            table.update(json.loads(self.prices_json))
        return {name: ModelPrice(**values) for name, values in table.items()}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
