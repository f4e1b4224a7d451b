"""The usage room's service, built once per container from the settings."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from researcher_pro.core.config import Settings

if TYPE_CHECKING:
    from researcher_pro.usage.service import UsageService


@cache
def usage_service(settings: Settings) -> UsageService:
    from researcher_pro.access.wiring import daily_budgets
    from researcher_pro.usage.repository import UsageRepository
    from researcher_pro.usage.service import UsageService

    return UsageService(UsageRepository(settings.data_table), daily_budgets(settings))
