"""/v1/templates"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Query, Response

from researcher_pro.access.dependencies import Tenant
from researcher_pro.core.models import Page
from researcher_pro.core.problems import problems
from researcher_pro.core.query import Cursor, Limit
from researcher_pro.templates.models import MAX_VERSION, RenderedTemplate, RenderRequest, Template, TemplateInput

if TYPE_CHECKING:
    from researcher_pro.templates.service import TemplateService

Version = Annotated[int | None, Query(ge=1, le=MAX_VERSION, description="A version number; the latest when omitted")]


def templates_router(templates: Callable[[], TemplateService]) -> APIRouter:
    """`templates` gives the service when a request needs it (it is built on first use)."""
    router = APIRouter(prefix="/v1/templates", tags=["templates"])

    @router.get("", summary="List templates: built-in ones first, then your own, newest first")
    def list_templates(tenant: Tenant, limit: Limit = 20, cursor: Cursor = None) -> Page[Template]:
        return templates().list(tenant, limit, cursor)

    @router.post("", status_code=201, summary="Create a template (version 1)")
    def create_template(body: TemplateInput, tenant: Tenant) -> Template:
        return templates().create(tenant, body)

    @router.get("/{template_id}", summary="Read a template, at its latest or a given version")
    def get_template(template_id: str, tenant: Tenant, version: Version = None) -> Template:
        return templates().resolve(tenant, template_id, version)

    @router.put(
        "/{template_id}",
        summary="Replace a template: writes a new immutable version",
        responses=problems(
            (403, "Built-in templates are read-only"),
            (409, "Another request is changing the template; try again"),
        ),
    )
    def update_template(template_id: str, body: TemplateInput, tenant: Tenant) -> Template:
        return templates().update(tenant, template_id, body)

    @router.delete(
        "/{template_id}",
        status_code=204,
        response_class=Response,
        summary="Delete a template and its versions",
        responses=problems((403, "Built-in templates are read-only")),
    )
    def delete_template(template_id: str, tenant: Tenant) -> Response:
        templates().delete(tenant, template_id)
        return Response(status_code=204)

    @router.get("/{template_id}/versions", summary="Every version of a template, newest first")
    def template_versions(template_id: str, tenant: Tenant, limit: Limit = 20, cursor: Cursor = None) -> Page[Template]:
        return templates().versions(tenant, template_id, limit, cursor)

    @router.post("/{template_id}/render", summary="Render the prompt and sections with these variables")
    def render_template(template_id: str, body: RenderRequest, tenant: Tenant) -> RenderedTemplate:
        return templates().render(tenant, template_id, body.variables, body.version)

    return router
