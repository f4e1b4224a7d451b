"""The access room's services, built once per container from the settings."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from researcher_pro.access.api_keys import ApiKeyService
    from researcher_pro.access.budgets import DailyBudgets
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
def daily_budgets(settings: Settings) -> DailyBudgets:
    from researcher_pro.access.budget_repository import BudgetRepository
    from researcher_pro.access.budgets import DailyBudgets

    return DailyBudgets(BudgetRepository(settings.data_table), settings.daily_budget_usd)


def admission(settings: Settings) -> Callable[[str], None]:
    """What every start of work passes, the API's and the scheduler's: the tenant's daily budget, then its
    start rate. Raises RateLimited."""
    budgets, limiter = daily_budgets(settings), start_limiter(settings)

    def admit(tenant: str) -> None:
        budgets.admit(tenant)  # first: a refused start must not use up the tenant's rate
        limiter.admit(tenant)

    return admit


@cache
def idempotent_starts(settings: Settings) -> IdempotentStarts:
    from researcher_pro.access.idempotency import IdempotentStarts

    return IdempotentStarts(settings.idempotency_table, settings.idempotency_ttl_seconds, admission(settings))
