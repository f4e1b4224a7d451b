"""The templates room's service, built once per container from the settings."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from researcher_pro.core.config import Settings

if TYPE_CHECKING:
    from researcher_pro.templates.service import TemplateService


@cache
def template_service(settings: Settings) -> TemplateService:
    from researcher_pro.core.wiring import list_cursors
    from researcher_pro.templates.repository import TemplateRepository
    from researcher_pro.templates.service import BuiltinCatalog, TemplateService

    cursors = list_cursors(settings)
    return TemplateService(
        TemplateRepository(settings.data_table, cursors), BuiltinCatalog(), cursors, settings.max_template_versions
    )
