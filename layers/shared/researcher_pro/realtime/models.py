"""What a WebSocket client may send (the `$default` route, JSON with an `action`)."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, TypeAdapter, model_validator

from researcher_pro.core.models import MAX_EVENT_SEQ, StrictInput

TaskId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class _Target(StrictInput):
    research_id: TaskId | None = None
    analysis_id: TaskId | None = None
    report_id: TaskId | None = None

    def task(self) -> tuple[str, str] | None:
        for kind in ("research", "analysis", "report"):
            task_id = getattr(self, f"{kind}_id")
            if task_id is not None:
                return kind, task_id
        return None

    def _targets(self) -> int:
        return sum(getattr(self, f"{k}_id") is not None for k in ("research", "analysis", "report"))


class Subscribe(_Target):
    action: Literal["subscribe"]
    all: bool | None = None
    after: Annotated[int, Field(ge=0, le=MAX_EVENT_SEQ)] | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        targets = self._targets() + bool(self.all)
        if targets != 1:
            raise ValueError("subscribe needs exactly one of research_id, analysis_id, report_id or all: true")
        if self.all and self.after is not None:
            raise ValueError("after resumes one task's log: use it with research_id, analysis_id or report_id")
        return self


class Unsubscribe(_Target):
    action: Literal["unsubscribe"]
    all: bool | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        if self._targets() + bool(self.all) != 1:
            raise ValueError("unsubscribe needs exactly one of research_id, analysis_id, report_id or all: true")
        return self


class Ping(StrictInput):
    action: Literal["ping"]


ClientMessage = Subscribe | Unsubscribe | Ping
_CLIENT_MESSAGE: TypeAdapter[ClientMessage] = TypeAdapter(
    Annotated[Subscribe | Unsubscribe | Ping, Field(discriminator="action")]
)


def read_client_message(raw: object) -> ClientMessage:
    """A decoded client message as one of the actions; raises pydantic's ValidationError otherwise."""
    return _CLIENT_MESSAGE.validate_python(raw)
