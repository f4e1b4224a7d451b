"""/v1/templates"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from researcher_pro.api.dependencies import ContainerDep, Cursor, Limit, Tenant
from researcher_pro.models.common import Page
from researcher_pro.models.templates import RenderedTemplate, RenderRequest, Template, TemplateInput

router = APIRouter(prefix="/v1/templates", tags=["templates"])
Version = Annotated[int | None, Query(ge=1, description="A version number; the latest when omitted")]


@router.get("", summary="List templates: built-in ones first, then your own, newest first")
def list_templates(tenant: Tenant, services: ContainerDep, limit: Limit = 20, cursor: Cursor = None) -> Page[Template]:
    return services.templates.list(tenant, limit, cursor)


@router.post("", status_code=201, summary="Create a template (version 1)")
def create_template(body: TemplateInput, tenant: Tenant, services: ContainerDep) -> Template:
    return services.templates.create(tenant, body)


@router.get("/{template_id}", summary="Read a template, at its latest or a given version")
def get_template(template_id: str, tenant: Tenant, services: ContainerDep, version: Version = None) -> Template:
    return services.templates.resolve(tenant, template_id, version)


@router.put("/{template_id}", summary="Replace a template: writes a new immutable version")
def update_template(template_id: str, body: TemplateInput, tenant: Tenant, services: ContainerDep) -> Template:
    return services.templates.update(tenant, template_id, body)


@router.delete("/{template_id}", status_code=204, response_class=Response, summary="Delete a template and its versions")
def delete_template(template_id: str, tenant: Tenant, services: ContainerDep) -> Response:
    services.templates.delete(tenant, template_id)
    return Response(status_code=204)


@router.get("/{template_id}/versions", summary="Every version of a template, newest first")
def template_versions(
    template_id: str, tenant: Tenant, services: ContainerDep, limit: Limit = 20, cursor: Cursor = None
) -> Page[Template]:
    return services.templates.versions(tenant, template_id, limit, cursor)


@router.post("/{template_id}/render", summary="Render the prompt and sections with these variables")
def render_template(template_id: str, body: RenderRequest, tenant: Tenant, services: ContainerDep) -> RenderedTemplate:
    return services.templates.render(tenant, template_id, body.variables, body.version)
