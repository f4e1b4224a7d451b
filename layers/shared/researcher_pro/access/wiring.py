"""The access room's services, built once per container from the settings."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from researcher_pro.access.api_keys import ApiKeyService
    from researcher_pro.access.idempotency import IdempotentStarts
    from researcher_pro.access.rate_limits import StartLimiter

from researcher_pro.core.config import Settings


@cache
def api_keys(settings: Settings) -> ApiKeyService:
    from researcher_pro.access.api_key_repository import ApiKeyRepository
    from researcher_pro.access.api_keys import ApiKeyService

    return ApiKeyService(ApiKeyRepository(settings.data_table), settings.auth_cache_seconds)


@cache
def start_limiter(settings: Settings) -> StartLimiter:
    from researcher_pro.access.rate_limits import StartLimiter
    from researcher_pro.access.start_counter import StartCounter

    return StartLimiter(StartCounter(settings.data_table), settings.starts_per_minute)


@cache
def idempotent_starts(settings: Settings) -> IdempotentStarts:
    from researcher_pro.access.idempotency import IdempotentStarts

    return IdempotentStarts(settings.idempotency_table, settings.idempotency_ttl_seconds, start_limiter(settings).admit)
