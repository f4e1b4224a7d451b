"""Research templates: the tenant's own (versioned, in DynamoDB) and the built-in ones (read-only, shipped).

Other services use two calls:
    TemplateService.resolve(tenant, template_id, version=None) -> Template
    TemplateService.render(tenant, template_id, variables, version=None) -> RenderedTemplate
Both raise NotFound for a template the tenant cannot see; render raises InvalidInput naming each
missing, mistyped or unknown variable as `body.variables.<name>`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cached_property
from importlib import resources
from typing import Any

from researcher_pro.core.clock import rfc3339
from researcher_pro.core.errors import Conflict, Forbidden, InvalidCursor, InvalidInput, NotFound
from researcher_pro.core.ids import BUILTIN_TEMPLATE_PREFIX, TEMPLATE, is_builtin_template_id, is_template_id
from researcher_pro.core.models import Page
from researcher_pro.core.pagination import Cursors
from researcher_pro.templates import sandbox as template_rendering
from researcher_pro.templates.models import (
    RenderedSection,
    RenderedTemplate,
    Template,
    TemplateInput,
    value_problem,
)
from researcher_pro.templates.repository import TemplateRepository

MAX_RENDERED_TITLE_CHARS = 500
ADD_VERSION_ATTEMPTS = 3


class BuiltinCatalog:
    """The templates shipped in researcher_pro/templates/builtin/*.json, read once per container."""

    def __init__(self, package: str = "researcher_pro", folder: tuple[str, ...] = ("templates", "builtin")) -> None:
        self._package = package
        self._folder = folder

    @cached_property
    def _by_id(self) -> dict[str, Template]:
        root = resources.files(self._package).joinpath(*self._folder)
        templates: dict[str, Template] = {}
        for entry in sorted(root.iterdir(), key=lambda e: e.name):
            if not entry.name.endswith(".json"):
                continue
            raw = json.loads(entry.read_text(encoding="utf-8"))
            body = TemplateInput.model_validate({k: v for k, v in raw.items() if k in TemplateInput.model_fields})
            template = Template(
                id=raw["id"],
                version=raw["version"],
                created_at=raw["created_at"],
                updated_at=raw.get("updated_at", raw["created_at"]),
                builtin=True,
                **body.model_dump(),
            )
            if not is_builtin_template_id(template.id) or template.id in templates:
                raise ValueError(f"built-in template {entry.name}: bad or duplicate id {template.id}")
            templates[template.id] = template
        return dict(sorted(templates.items(), key=lambda item: item[1].name))

    def all(self) -> list[Template]:
        return list(self._by_id.values())

    def get(self, template_id: str) -> Template | None:
        return self._by_id.get(template_id)


class TemplateService:
    def __init__(
        self, repo: TemplateRepository, builtins: BuiltinCatalog, cursors: Cursors, max_versions: int = 100
    ) -> None:
        self._max_versions = max_versions
        self._repo = repo
        self._builtins = builtins
        self._cursors = cursors

    # --- for other services ----------------------------------------------------------------------
    def resolve(self, tenant: str, template_id: str, version: int | None = None) -> Template:
        """The template at `version` (the latest when None), built-in or the tenant's own."""
        if not is_template_id(template_id):  # not an id we issue: missing, without asking storage
            raise NotFound(_missing(template_id, version))
        if template_id.startswith(BUILTIN_TEMPLATE_PREFIX):
            builtin = self._builtins.get(template_id)
            if builtin is None or version not in (None, builtin.version):
                raise NotFound(_missing(template_id, version))
            return builtin
        record = (
            self._repo.get(tenant, template_id)
            if version is None
            else self._repo.get_version(tenant, template_id, version)
        )
        if record is None:
            raise NotFound(_missing(template_id, version))
        return Template.model_validate(record)

    def render(
        self, tenant: str, template_id: str, variables: Mapping[str, Any], version: int | None = None
    ) -> RenderedTemplate:
        return render_template(self.resolve(tenant, template_id, version), variables)

    # --- the API ---------------------------------------------------------------------------------
    def create(self, tenant: str, body: TemplateInput) -> Template:
        _check_texts(body)
        now = rfc3339(datetime.now(UTC))
        record = {
            "id": TEMPLATE.new(),
            **_content(body),
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        self._repo.create(tenant, record)
        return Template.model_validate(record)

    def update(self, tenant: str, template_id: str, body: TemplateInput) -> Template:
        """A PUT: the body becomes a new, immutable version."""
        self._refuse_builtin(template_id)
        _check_texts(body)
        for _ in range(ADD_VERSION_ATTEMPTS):
            head = self.resolve(tenant, template_id)
            # Versions only grow, one conditional write at a time, so a check before the write holds.
            if head.version >= self._max_versions:
                raise Conflict(
                    f"template {template_id} has {head.version} versions, as many as a template may have: "
                    "create a new template instead"
                )
            record = {
                "id": template_id,
                **_content(body),
                "version": head.version + 1,
                "created_at": head.created_at,
                "updated_at": rfc3339(datetime.now(UTC)),
            }
            if self._repo.add_version(tenant, record):
                return Template.model_validate(record)
        raise Conflict(f"template {template_id} is being changed by another request; try again")

    def delete(self, tenant: str, template_id: str) -> None:
        """Removes the template and every version of it. Research that used it keeps what was rendered."""
        self._refuse_builtin(template_id)
        if not TEMPLATE.issued(template_id) or not self._repo.delete(tenant, template_id):
            raise NotFound(_missing(template_id, None))

    def list(self, tenant: str, limit: int, cursor: str | None) -> Page[Template]:
        """Built-in templates first (by name), then the tenant's own, newest first; one cursor walks both."""
        builtins = self._builtins.all()
        offset = self._builtin_offset(cursor, len(builtins))
        if offset is None:
            return self._own_page(tenant, limit, cursor)
        items = builtins[offset : offset + limit]
        after = offset + len(items)
        if after < len(builtins):
            return Page[Template](items=items, next_cursor=self._cursors.sign({"builtin": after}))
        if len(items) == limit:
            own, _ = self._repo.list_page(tenant, 1, None)
            return Page[Template](items=items, next_cursor=self._cursors.sign({"builtin": after}) if own else None)
        own_page = self._own_page(tenant, limit - len(items), None)
        return Page[Template](items=items + own_page.items, next_cursor=own_page.next_cursor)

    def versions(self, tenant: str, template_id: str, limit: int, cursor: str | None) -> Page[Template]:
        """Every version, newest first."""
        if template_id.startswith(BUILTIN_TEMPLATE_PREFIX):
            if cursor is not None:
                raise InvalidCursor()
            return Page[Template](items=[self.resolve(tenant, template_id)])
        self.resolve(tenant, template_id)
        records, next_cursor = self._repo.versions_page(tenant, template_id, limit, cursor)
        return Page[Template](items=[Template.model_validate(r) for r in records], next_cursor=next_cursor)

    # --- helpers ---------------------------------------------------------------------------------
    def _own_page(self, tenant: str, limit: int, cursor: str | None) -> Page[Template]:
        records, next_cursor = self._repo.list_page(tenant, limit, cursor)
        return Page[Template](items=[Template.model_validate(r) for r in records], next_cursor=next_cursor)

    def _builtin_offset(self, cursor: str | None, count: int) -> int | None:
        """0 for the first page; the built-in offset for a cursor inside the built-ins; None for a cursor in the
        tenant's own templates (which the repository checks)."""
        if cursor is None:
            return 0
        position = self._cursors.open(cursor)
        if set(position) != {"builtin"}:
            return None
        offset = position["builtin"]
        if not isinstance(offset, int) or isinstance(offset, bool) or not 0 < offset <= count:
            raise InvalidCursor()
        return offset

    def _refuse_builtin(self, template_id: str) -> None:
        if self._builtins.get(template_id) is not None:
            raise Forbidden(f"{template_id} is a built-in template and is read-only; create your own from it")


def render_template(template: Template, variables: Mapping[str, Any]) -> RenderedTemplate:
    values = bind_variables(template, variables)
    prompt = _render(template.prompt, values, "prompt", template_rendering.MAX_RENDERED_CHARS)
    if not prompt.strip():
        raise InvalidInput(
            "The rendered prompt is empty", [{"field": "body.variables", "message": "the rendered prompt is empty"}]
        )
    budget = template_rendering.MAX_RENDERED_CHARS
    sections = []
    for index, section in enumerate(template.sections):
        title = _render(section.title, values, f"sections.{index}.title", MAX_RENDERED_TITLE_CHARS)
        instructions = _render(section.instructions, values, f"sections.{index}.instructions", budget)
        budget -= len(instructions)
        sections.append(RenderedSection(title=" ".join(title.split()) or section.title, instructions=instructions))
    return RenderedTemplate(template_id=template.id, version=template.version, prompt=prompt, sections=sections)


def bind_variables(template: Template, given: Mapping[str, Any]) -> dict[str, Any]:
    """The values a template renders with: the given ones checked against their types, defaults for the rest."""
    errors: list[dict[str, Any]] = []
    declared = ", ".join(sorted(template.variables)) or "none"
    for name in sorted(set(given) - set(template.variables)):
        errors.append(
            {"field": f"body.variables.{name}", "message": f"unknown variable; this template declares: {declared}"}
        )
    values: dict[str, Any] = {}
    for name, variable in template.variables.items():
        if name not in given:
            if variable.required:
                errors.append({"field": f"body.variables.{name}", "message": f"required {variable.type} is missing"})
            else:
                values[name] = variable.default
            continue
        problem = value_problem(variable, given[name])
        if problem:
            errors.append({"field": f"body.variables.{name}", "message": problem})
        else:
            values[name] = given[name]
    if errors:
        raise InvalidInput(f"Invalid variables: {', '.join(e['field'] for e in errors)}", errors)
    return values


def _render(source: str, values: Mapping[str, Any], where: str, limit: int) -> str:
    try:
        return template_rendering.render(source, values, max(limit, 0))
    except template_rendering.RenderFailure as failure:
        message = f"{where}: {failure}"
        raise InvalidInput(
            f"The template could not be rendered: {message}", [{"field": "body.variables", "message": message}]
        ) from failure


def _check_texts(body: TemplateInput) -> None:
    """Every text of a template must compile in the sandbox and use only declared variables."""
    types = {name: variable.type for name, variable in body.variables.items()}
    texts = [("body.prompt", body.prompt)]
    for index, section in enumerate(body.sections):
        texts += [
            (f"body.sections.{index}.title", section.title),
            (f"body.sections.{index}.instructions", section.instructions),
        ]
    errors = [
        {"field": field, "message": problem}
        for field, text in texts
        for problem in template_rendering.check(text, types)
    ]
    if errors:
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        raise InvalidInput(f"Invalid template: {detail}"[:2000], errors)


def _content(body: TemplateInput) -> dict[str, Any]:
    return body.model_dump(mode="json", exclude_none=True)


def _missing(template_id: str, version: int | None) -> str:
    return f"no template {template_id}" + (f" version {version}" if version is not None else "")
