"""What every task resource (research, analyses, reports) reads alike: one task by id, a page of the
list, and the event log. Each kind names its models; another tenant's task is 404, like a missing one,
and so is an id we could not have issued (it never reaches storage)."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from pydantic import BaseModel

from researcher_pro.core.errors import NotFound
from researcher_pro.core.models import Page, Usage
from researcher_pro.tasks.kinds import KINDS
from researcher_pro.tasks.models import EventPage, TaskEvent
from researcher_pro.tasks.repository import USAGE_FIELDS, TaskRepository


def resource_fields(record: dict[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    """The record's fields that `model` has, with usage gathered from its one-counter-per-figure attributes.

    A client's free-form object (a JSON Schema, a structured answer) is stored as JSON text, `<field>_json`,
    so DynamoDB neither turns its numbers into Decimals nor refuses its empty strings; it is decoded here."""
    usage = Usage(**{name: record.get(f"usage_{name}", 0) for name in USAGE_FIELDS})
    fields = {k: v for k, v in record.items() if k in model.model_fields}
    for key, text in record.items():
        name = key.removesuffix("_json")
        if key.endswith("_json") and name in model.model_fields and isinstance(text, str):
            fields[name] = json.loads(text)
    return {**fields, "usage": usage}


def list_attributes(model: type[BaseModel], omit: Collection[str] = ()) -> tuple[str, ...]:
    """What a list reads of each record: the summary model's fields (usage is stored as one counter per figure)."""
    fields = set(model.model_fields) - {"usage", *omit}
    return tuple(sorted(fields | {f"usage_{name}" for name in USAGE_FIELDS}))


class TaskResources[R: BaseModel, S: BaseModel, E: TaskEvent]:
    def __init__(
        self,
        repo: TaskRepository,
        resource: type[R],
        summary: type[S],
        event: type[E],
        *,
        omit_from_lists: Collection[str] = (),
    ) -> None:
        self.repo = repo
        self._ids = KINDS[repo.kind].ids
        self._resource = resource
        self._summary = summary
        self._event = event
        self._list_attributes = list_attributes(summary, omit_from_lists)
        # Concrete generic models (Page[ResearchSummary]): a page of a bare type variable would
        # serialise its items as plain BaseModels, that is, empty.
        self._page: type[Page[S]] = Page[summary]  # type: ignore[valid-type]
        self._event_page: type[EventPage[E]] = EventPage[event]  # type: ignore[valid-type]

    def record(self, tenant: str, task_id: str) -> dict[str, Any]:
        record = self.find(tenant, task_id)
        if record is None:
            raise self.missing(task_id)
        return record

    def find(self, tenant: str, task_id: str) -> dict[str, Any] | None:
        """The task's record, or None when there is none: not the tenant's, or not an id of this kind."""
        return self.repo.get(tenant, task_id) if self._ids.issued(task_id) else None

    def missing(self, task_id: str) -> NotFound:
        return NotFound(f"no {self.repo.kind} {task_id}")

    def get(self, tenant: str, task_id: str) -> R:
        return self.present(self.record(tenant, task_id))

    def present(self, record: dict[str, Any], **extra: Any) -> R:
        return self._resource.model_validate({**resource_fields(record, self._resource), **extra})

    def list(self, tenant: str, limit: int, cursor: str | None, status: str | None) -> Page[S]:
        records, next_cursor = self.repo.list_page(tenant, limit, cursor, status, self._list_attributes)
        items = [self._summary.model_validate(resource_fields(r, self._summary)) for r in records]
        return self._page(items=items, next_cursor=next_cursor)

    def events(self, tenant: str, task_id: str, after: int, limit: int) -> EventPage[E]:
        self.record(tenant, task_id)
        items = [self._event.model_validate(e) for e in self.repo.events(tenant, task_id, after, limit)]
        return self._event_page(items=items, next_after=items[-1].seq if items else after)
