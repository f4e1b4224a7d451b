"""Every endpoint of the API as a description of one call: method, path, body and how to read the answer.
The sync and the async client send the same calls, so both stay exactly alike."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import BaseModel

from researcher_pro_client.models import (
    Analysis,
    AnalysisEvent,
    Delivery,
    Document,
    DocumentUpload,
    DocumentWithText,
    EventPage,
    Health,
    Page,
    RenderedTemplate,
    Report,
    ReportEvent,
    Research,
    ResearchEvent,
    ResearchSummary,
    Template,
    TemplateSection,
    TemplateVariable,
    UploadForm,
    UsageReport,
    Watch,
    WatchCreated,
    WatchRun,
    Webhook,
    WebhookCreated,
    WebhookSecret,
)


@dataclass(frozen=True)
class Call[T]:
    method: str
    path: str
    parse: Callable[[httpx.Response], T]
    params: Mapping[str, Any] = field(default_factory=dict)
    json: Any = None
    files: Mapping[str, tuple[str, bytes, str]] | None = None
    data: Mapping[str, str] | None = None
    # Starts work: sent with an Idempotency-Key, so a retry starts nothing new.
    starts_work: bool = False
    idempotency_key: str | None = None
    # Safe to send twice (GET, DELETE, PUT, and POSTs that change nothing the second time).
    repeatable: bool = True
    authenticated: bool = True

    def query(self) -> dict[str, Any]:
        return {k: v for k, v in self.params.items() if v is not None}


def _model[M: BaseModel](model: type[M]) -> Callable[[httpx.Response], M]:
    return lambda response: model.model_validate_json(response.content)


def _nothing(_: httpx.Response) -> None:
    return None


def _segment(value: str) -> str:
    # An id is opaque: it must not be able to change the path it is put in.
    return quote(value, safe="")


def body(fields: Mapping[str, Any], extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A request body of the fields that were given (None means "not given", so the server's default holds)."""
    sent = {name: value for name, value in fields.items() if value is not None}
    return {**sent, **(extra or {})}


# --- health and usage ------------------------------------------------------------------------------------


def health() -> Call[Health]:
    return Call("GET", "/v1/health", _model(Health), authenticated=False)


def usage(from_date: str | None, to_date: str | None) -> Call[UsageReport]:
    return Call("GET", "/v1/usage", _model(UsageReport), params={"from": from_date, "to": to_date})


# --- research --------------------------------------------------------------------------------------------


def create_research(fields: Mapping[str, Any], idempotency_key: str | None) -> Call[Research]:
    return Call(
        "POST", "/v1/research", _model(Research), json=fields, starts_work=True, idempotency_key=idempotency_key
    )


def list_research(limit: int | None, cursor: str | None, status: str | None) -> Call[Page[ResearchSummary]]:
    params = {"limit": limit, "cursor": cursor, "status": status}
    return Call("GET", "/v1/research", _model(Page[ResearchSummary]), params=params)


def get_research(research_id: str) -> Call[Research]:
    return Call("GET", f"/v1/research/{_segment(research_id)}", _model(Research))


def cancel_research(research_id: str) -> Call[Research]:
    return Call("POST", f"/v1/research/{_segment(research_id)}/cancel", _model(Research))


def delete_research(research_id: str) -> Call[None]:
    return Call("DELETE", f"/v1/research/{_segment(research_id)}", _nothing)


def research_events(research_id: str, after: int, limit: int | None) -> Call[EventPage[ResearchEvent]]:
    path = f"/v1/research/{_segment(research_id)}/events"
    return Call("GET", path, _model(EventPage[ResearchEvent]), params={"after": after, "limit": limit})


# --- analyses --------------------------------------------------------------------------------------------


def create_analysis(fields: Mapping[str, Any], idempotency_key: str | None) -> Call[Analysis]:
    return Call(
        "POST", "/v1/analyses", _model(Analysis), json=fields, starts_work=True, idempotency_key=idempotency_key
    )


def list_analyses(limit: int | None, cursor: str | None, status: str | None) -> Call[Page[Analysis]]:
    params = {"limit": limit, "cursor": cursor, "status": status}
    return Call("GET", "/v1/analyses", _model(Page[Analysis]), params=params)


def get_analysis(analysis_id: str) -> Call[Analysis]:
    return Call("GET", f"/v1/analyses/{_segment(analysis_id)}", _model(Analysis))


def analysis_events(analysis_id: str, after: int, limit: int | None) -> Call[EventPage[AnalysisEvent]]:
    path = f"/v1/analyses/{_segment(analysis_id)}/events"
    return Call("GET", path, _model(EventPage[AnalysisEvent]), params={"after": after, "limit": limit})


# --- reports ---------------------------------------------------------------------------------------------


def create_report(fields: Mapping[str, Any], idempotency_key: str | None) -> Call[Report]:
    return Call("POST", "/v1/reports", _model(Report), json=fields, starts_work=True, idempotency_key=idempotency_key)


def list_reports(limit: int | None, cursor: str | None, status: str | None) -> Call[Page[Report]]:
    params = {"limit": limit, "cursor": cursor, "status": status}
    return Call("GET", "/v1/reports", _model(Page[Report]), params=params)


def get_report(report_id: str) -> Call[Report]:
    return Call("GET", f"/v1/reports/{_segment(report_id)}", _model(Report))


def report_events(report_id: str, after: int, limit: int | None) -> Call[EventPage[ReportEvent]]:
    path = f"/v1/reports/{_segment(report_id)}/events"
    return Call("GET", path, _model(EventPage[ReportEvent]), params={"after": after, "limit": limit})


def download(url: str) -> Call[bytes]:
    """A report body from its signed download URL: no API key goes with it (the URL is the credential)."""
    return Call("GET", url, lambda response: response.content, authenticated=False)


# --- documents -------------------------------------------------------------------------------------------


def create_document(fields: Mapping[str, Any]) -> Call[Document]:
    return Call("POST", "/v1/documents", _model(Document), json=fields, repeatable=False)


def upload_document(filename: str, content: bytes, media_type: str, title: str | None) -> Call[Document]:
    data = {"title": title} if title else None
    files = {"file": (filename, content, media_type)}
    return Call("POST", "/v1/documents", _model(Document), files=files, data=data, repeatable=False)


def start_upload(fields: Mapping[str, Any]) -> Call[DocumentUpload]:
    return Call("POST", "/v1/documents/uploads", _model(DocumentUpload), json=fields, repeatable=False)


def send_upload(form: UploadForm, filename: str, content: bytes, media_type: str) -> Call[None]:
    """The file to storage with its signed form (the form is the credential: no API key goes with it).
    Sending it again puts the same bytes at the same key."""
    files = {"file": (filename, content, media_type)}
    return Call(form.method, form.url, _nothing, data=form.fields, files=files, authenticated=False)


def list_documents(limit: int | None, cursor: str | None) -> Call[Page[Document]]:
    return Call("GET", "/v1/documents", _model(Page[Document]), params={"limit": limit, "cursor": cursor})


def get_document(document_id: str) -> Call[DocumentWithText]:
    return Call("GET", f"/v1/documents/{_segment(document_id)}", _model(DocumentWithText))


def delete_document(document_id: str) -> Call[None]:
    return Call("DELETE", f"/v1/documents/{_segment(document_id)}", _nothing)


# --- templates -------------------------------------------------------------------------------------------


def list_templates(limit: int | None, cursor: str | None) -> Call[Page[Template]]:
    return Call("GET", "/v1/templates", _model(Page[Template]), params={"limit": limit, "cursor": cursor})


def create_template(fields: Mapping[str, Any]) -> Call[Template]:
    return Call("POST", "/v1/templates", _model(Template), json=fields, repeatable=False)


def get_template(template_id: str, version: int | None) -> Call[Template]:
    return Call("GET", f"/v1/templates/{_segment(template_id)}", _model(Template), params={"version": version})


def update_template(template_id: str, fields: Mapping[str, Any]) -> Call[Template]:
    # Each PUT writes a new version: sending it twice would write two.
    path = f"/v1/templates/{_segment(template_id)}"
    return Call("PUT", path, _model(Template), json=fields, repeatable=False)


def delete_template(template_id: str) -> Call[None]:
    return Call("DELETE", f"/v1/templates/{_segment(template_id)}", _nothing)


def template_versions(template_id: str, limit: int | None, cursor: str | None) -> Call[Page[Template]]:
    path = f"/v1/templates/{_segment(template_id)}/versions"
    return Call("GET", path, _model(Page[Template]), params={"limit": limit, "cursor": cursor})


def render_template(template_id: str, fields: Mapping[str, Any]) -> Call[RenderedTemplate]:
    return Call("POST", f"/v1/templates/{_segment(template_id)}/render", _model(RenderedTemplate), json=fields)


def template_fields(
    name: str,
    prompt: str,
    description: str | None,
    variables: Mapping[str, TemplateVariable | Mapping[str, Any]] | None,
    sections: Sequence[TemplateSection | Mapping[str, Any]] | None,
    extra: Mapping[str, Any] | None,
) -> dict[str, Any]:
    def plain(value: Any) -> Any:
        return (
            value.model_dump(exclude_defaults=True) if isinstance(value, TemplateVariable | TemplateSection) else value
        )

    return body(
        {
            "name": name,
            "prompt": prompt,
            "description": description,
            "variables": {k: plain(v) for k, v in variables.items()} if variables is not None else None,
            "sections": [plain(s) for s in sections] if sections is not None else None,
        },
        extra,
    )


# --- watches ---------------------------------------------------------------------------------------------


def create_watch(fields: Mapping[str, Any], idempotency_key: str | None) -> Call[WatchCreated]:
    return Call(
        "POST", "/v1/watches", _model(WatchCreated), json=fields, starts_work=True, idempotency_key=idempotency_key
    )


def list_watches(limit: int | None, cursor: str | None) -> Call[Page[Watch]]:
    return Call("GET", "/v1/watches", _model(Page[Watch]), params={"limit": limit, "cursor": cursor})


def get_watch(watch_id: str) -> Call[Watch]:
    return Call("GET", f"/v1/watches/{_segment(watch_id)}", _model(Watch))


def update_watch(watch_id: str, fields: Mapping[str, Any]) -> Call[WatchCreated]:
    return Call("PATCH", f"/v1/watches/{_segment(watch_id)}", _model(WatchCreated), json=fields)


def delete_watch(watch_id: str) -> Call[None]:
    return Call("DELETE", f"/v1/watches/{_segment(watch_id)}", _nothing)


def run_watch(watch_id: str, idempotency_key: str | None) -> Call[WatchRun]:
    path = f"/v1/watches/{_segment(watch_id)}/run"
    return Call("POST", path, _model(WatchRun), starts_work=True, idempotency_key=idempotency_key)


def watch_runs(watch_id: str, limit: int | None, cursor: str | None) -> Call[Page[WatchRun]]:
    path = f"/v1/watches/{_segment(watch_id)}/runs"
    return Call("GET", path, _model(Page[WatchRun]), params={"limit": limit, "cursor": cursor})


# --- webhooks --------------------------------------------------------------------------------------------


def create_webhook(fields: Mapping[str, Any]) -> Call[WebhookCreated]:
    # Not repeatable: a retry after a lost answer would register a second endpoint with another secret.
    return Call("POST", "/v1/webhooks", _model(WebhookCreated), json=fields, repeatable=False)


def list_webhooks(limit: int | None, cursor: str | None) -> Call[Page[Webhook]]:
    return Call("GET", "/v1/webhooks", _model(Page[Webhook]), params={"limit": limit, "cursor": cursor})


def get_webhook(webhook_id: str) -> Call[Webhook]:
    return Call("GET", f"/v1/webhooks/{_segment(webhook_id)}", _model(Webhook))


def update_webhook(webhook_id: str, fields: Mapping[str, Any]) -> Call[Webhook]:
    return Call("PATCH", f"/v1/webhooks/{_segment(webhook_id)}", _model(Webhook), json=fields)


def delete_webhook(webhook_id: str) -> Call[None]:
    return Call("DELETE", f"/v1/webhooks/{_segment(webhook_id)}", _nothing)


def test_webhook(webhook_id: str) -> Call[Delivery]:
    return Call("POST", f"/v1/webhooks/{_segment(webhook_id)}/test", _model(Delivery), repeatable=False)


def rotate_webhook_secret(webhook_id: str) -> Call[WebhookSecret]:
    # Not repeatable: a retry would replace the secret the lost answer held, and drop the one still in use.
    path = f"/v1/webhooks/{_segment(webhook_id)}/rotate-secret"
    return Call("POST", path, _model(WebhookSecret), repeatable=False)


def webhook_deliveries(webhook_id: str, limit: int | None, cursor: str | None) -> Call[Page[Delivery]]:
    path = f"/v1/webhooks/{_segment(webhook_id)}/deliveries"
    return Call("GET", path, _model(Page[Delivery]), params={"limit": limit, "cursor": cursor})


def retry_delivery(webhook_id: str, delivery_id: str) -> Call[Delivery]:
    path = f"/v1/webhooks/{_segment(webhook_id)}/deliveries/{_segment(delivery_id)}/retry"
    return Call("POST", path, _model(Delivery))
