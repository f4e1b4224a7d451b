"""Webhooks as the API reads and writes them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from researcher_pro.core.models import NOT_BLANK, TRIMMED, StrictInput
from researcher_pro.webhooks.events import EventType

WebhookUrl = Annotated[str, StringConstraints(min_length=1, max_length=2048, pattern=NOT_BLANK), TRIMMED]
Description = Annotated[str, StringConstraints(max_length=500)]
Events = Annotated[list[EventType], Field(min_length=1, max_length=8)]
DeliveryStatus = Literal["pending", "succeeded", "failed"]


class WebhookCreate(StrictInput):
    url: WebhookUrl = Field(description="https, resolving only to public addresses; redirects are not followed")
    events: Events = Field(description="The event types sent to this endpoint")
    description: Description = ""


class WebhookUpdate(StrictInput):
    """Only the fields sent change. `enabled: true` re-enables an endpoint that was disabled for failing."""

    url: WebhookUrl | None = None
    events: Events | None = None
    description: Description | None = None
    enabled: bool | None = None


class Webhook(BaseModel):
    id: str
    url: str
    events: list[EventType]
    description: str
    enabled: bool
    disabled_reason: str | None = Field(None, description="Why the endpoint was disabled, when it was")
    failing_since: str | None = Field(None, description="Since when every attempt has failed (null: the last worked)")
    watch_id: str | None = Field(
        None, description="The watch whose webhook_url this is: it receives that watch's runs, and changes with it"
    )
    created_at: str
    updated_at: str


class WebhookCreated(Webhook):
    secret: str = Field(description="The signing secret (`whsec_…`), shown only in this response")


class WebhookSecret(BaseModel):
    secret: str = Field(description="The new signing secret (`whsec_…`), shown only in this response")
    previous_secret_expires_at: str = Field(description="Until then deliveries are signed with the old secret too")


class DeliveryAttempt(BaseModel):
    at: str
    status_code: int | None = Field(None, description="The endpoint's HTTP status, when it answered")
    error: str | None = Field(None, description="Why the attempt failed without an answer (timeout, refused address)")
    duration_ms: int


class Delivery(BaseModel):
    id: str = Field(description="The `webhook-id` header of every attempt")
    webhook_id: str
    event_type: str
    payload: dict[str, Any] = Field(description="The body sent: `type`, `timestamp` and `data`")
    status: DeliveryStatus
    attempts: list[DeliveryAttempt]
    last_status: int | None = Field(None, description="The HTTP status of the last attempt, when it had one")
    next_attempt_at: str | None = Field(None, description="When it is tried next (null: it is not)")
    detail: str | None = Field(None, description="Why it is no longer tried, when it is not")
    created_at: str
