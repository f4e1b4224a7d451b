"""The synchronous client. `async_client.AsyncClient` has the same methods, awaitable."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, Self

import httpx

from researcher_pro_client import calls
from researcher_pro_client.calls import Call, body
from researcher_pro_client.config import Config
from researcher_pro_client.errors import DocumentFailed, PayloadTooLargeError, WaitTimeout
from researcher_pro_client.files import MULTIPART_MAX_BYTES, FileInput, file_part
from researcher_pro_client.follow import STREAMS, TaskKind, follow
from researcher_pro_client.models import (
    DOCUMENT_DONE,
    TERMINAL_STATUSES,
    Analysis,
    AnalysisEvent,
    AnalysisKind,
    Delivery,
    Depth,
    Document,
    DocumentUpload,
    DocumentWithText,
    EventPage,
    Health,
    Page,
    Recency,
    RenderedTemplate,
    Report,
    ReportEvent,
    ReportFormat,
    Research,
    ResearchEvent,
    ResearchSummary,
    SourceKind,
    Status,
    Template,
    TemplateSection,
    TemplateVariable,
    UsageReport,
    Watch,
    WatchCreated,
    WatchRun,
    Webhook,
    WebhookCreated,
    WebhookEventType,
    WebhookSecret,
)
from researcher_pro_client.retries import RetryPolicy
from researcher_pro_client.transport import SyncTransport

DEFAULT_WAIT_SECONDS = 600.0
DEFAULT_POLL_SECONDS = 1.0


class Client:
    """The Researcher Pro API.

    `Client()` reads `RP_API_URL`, `RP_API_KEY` and `RP_WS_URL`; arguments win over them (see `config`).
    Calls that start work carry an `Idempotency-Key` (yours, or a fresh one) that is the same on every
    retry; 429, 5xx and broken connections are retried per `retries`; errors are `errors.APIError`s.
    """

    def __init__(
        self,
        api_url: str | None = None,
        api_key: str | None = None,
        *,
        ws_url: str | bool | None = None,
        retries: RetryPolicy | None = None,
        timeout: float | httpx.Timeout | None = None,
        http_client: httpx.Client | None = None,
        poll_interval: float = DEFAULT_POLL_SECONDS,
    ) -> None:
        self.config = Config.resolve(api_url, api_key, ws_url)
        http = http_client or (httpx.Client(timeout=timeout) if timeout is not None else None)
        self._transport = SyncTransport(self.config, retries or RetryPolicy(), http)
        self._ws_url: str | None = self.config.ws_url
        self.poll_interval = poll_interval
        self.research = ResearchResource(self)
        self.analyses = AnalysesResource(self)
        self.reports = ReportsResource(self)
        self.documents = DocumentsResource(self)
        self.templates = TemplatesResource(self)
        self.watches = WatchesResource(self)
        self.webhooks = WebhooksResource(self)

    def send[T](self, call: Call[T]) -> T:
        return self._transport.send(call)

    def health(self) -> Health:
        return self.send(calls.health())

    def usage(self, from_date: str | None = None, to_date: str | None = None) -> UsageReport:
        """Tokens, model calls, cache hits and cost per day (dates are YYYY-MM-DD)."""
        return self.send(calls.usage(from_date, to_date))

    def ws_url(self) -> str:
        """The WebSocket API's URL ("" when there is none): configured, or as the API's health reports it."""
        if self._ws_url is None:
            self._ws_url = self.health().ws_url or ""
        return self._ws_url

    def _follow(self, kind: TaskKind, task_id: str, after: int) -> Iterator[Any]:
        return follow(self.send, STREAMS[kind], task_id, after, self.ws_url(), self.config.api_key, self.poll_interval)

    def _wait(self, call: Call[Any], task_id: str, timeout: float, poll_interval: float | None) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            resource = self.send(call)
            if resource.status in TERMINAL_STATUSES:
                return resource
            if time.monotonic() >= deadline:
                raise WaitTimeout(task_id, resource.status, timeout)
            time.sleep(min(poll_interval or self.poll_interval, max(0.0, deadline - time.monotonic())))

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


class ResearchResource:
    def __init__(self, client: Client) -> None:
        self._client = client

    def create(
        self,
        query: str | None = None,
        *,
        depth: Depth | None = None,
        sources: Sequence[SourceKind] | None = None,
        recency: Recency | None = None,
        domains: Sequence[str] | None = None,
        max_cost_usd: float | None = None,
        template_id: str | None = None,
        variables: Mapping[str, Any] | None = None,
        max_rounds: int | None = None,
        max_duration_s: int | None = None,
        output_schema: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> Research:
        """Start a research run (`query`, or `template_id` with `variables`); it comes back `queued`.
        `extra_body` sends fields this version of the client does not know yet."""
        fields = body(
            {
                "query": query,
                "depth": depth,
                "sources": sources,
                "recency": recency,
                "domains": domains,
                "max_cost_usd": max_cost_usd,
                "template_id": template_id,
                "variables": variables,
                "max_rounds": max_rounds,
                "max_duration_s": max_duration_s,
                "output_schema": output_schema,
            },
            extra_body,
        )
        return self._client.send(calls.create_research(fields, idempotency_key))

    def get(self, research_id: str) -> Research:
        return self._client.send(calls.get_research(research_id))

    def list(
        self, *, limit: int | None = None, cursor: str | None = None, status: Status | None = None
    ) -> Page[ResearchSummary]:
        return self._client.send(calls.list_research(limit, cursor, status))

    def cancel(self, research_id: str) -> Research:
        return self._client.send(calls.cancel_research(research_id))

    def delete(self, research_id: str) -> None:
        self._client.send(calls.delete_research(research_id))

    def events_page(self, research_id: str, *, after: int = 0, limit: int | None = None) -> EventPage[ResearchEvent]:
        """One page of the run's progress log, from after `after`."""
        return self._client.send(calls.research_events(research_id, after, limit))

    def events(self, research_id: str, *, after: int = 0) -> Iterator[ResearchEvent]:
        """Every event after `after`, once and in order, live as the run makes them, ending with the run."""
        return self._client._follow("research", research_id, after)

    def wait(
        self, research_id: str, *, timeout: float = DEFAULT_WAIT_SECONDS, poll_interval: float | None = None
    ) -> Research:
        """The run once it has ended (succeeded, failed or cancelled); `WaitTimeout` after `timeout` seconds."""
        research: Research = self._client._wait(calls.get_research(research_id), research_id, timeout, poll_interval)
        return research


class AnalysesResource:
    def __init__(self, client: Client) -> None:
        self._client = client

    def create(
        self,
        text: str | None = None,
        *,
        research_id: str | None = None,
        kinds: Sequence[AnalysisKind] | None = None,
        schema: Mapping[str, Any] | None = None,
        instructions: str | None = None,
        max_cost_usd: float | None = None,
        idempotency_key: str | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> Analysis:
        """Analyse `text`, or a finished research's answer (`research_id`)."""
        fields = body(
            {
                "text": text,
                "research_id": research_id,
                "kinds": kinds,
                "schema": schema,
                "instructions": instructions,
                "max_cost_usd": max_cost_usd,
            },
            extra_body,
        )
        return self._client.send(calls.create_analysis(fields, idempotency_key))

    def get(self, analysis_id: str) -> Analysis:
        return self._client.send(calls.get_analysis(analysis_id))

    def list(
        self, *, limit: int | None = None, cursor: str | None = None, status: Status | None = None
    ) -> Page[Analysis]:
        return self._client.send(calls.list_analyses(limit, cursor, status))

    def events_page(self, analysis_id: str, *, after: int = 0, limit: int | None = None) -> EventPage[AnalysisEvent]:
        return self._client.send(calls.analysis_events(analysis_id, after, limit))

    def events(self, analysis_id: str, *, after: int = 0) -> Iterator[AnalysisEvent]:
        return self._client._follow("analysis", analysis_id, after)

    def wait(
        self, analysis_id: str, *, timeout: float = DEFAULT_WAIT_SECONDS, poll_interval: float | None = None
    ) -> Analysis:
        analysis: Analysis = self._client._wait(calls.get_analysis(analysis_id), analysis_id, timeout, poll_interval)
        return analysis


class ReportsResource:
    def __init__(self, client: Client) -> None:
        self._client = client

    def create(
        self,
        research_id: str,
        *,
        template_id: str | None = None,
        format: ReportFormat | None = None,
        idempotency_key: str | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> Report:
        fields = body({"research_id": research_id, "template_id": template_id, "format": format}, extra_body)
        return self._client.send(calls.create_report(fields, idempotency_key))

    def get(self, report_id: str) -> Report:
        return self._client.send(calls.get_report(report_id))

    def list(
        self, *, limit: int | None = None, cursor: str | None = None, status: Status | None = None
    ) -> Page[Report]:
        return self._client.send(calls.list_reports(limit, cursor, status))

    def events_page(self, report_id: str, *, after: int = 0, limit: int | None = None) -> EventPage[ReportEvent]:
        return self._client.send(calls.report_events(report_id, after, limit))

    def events(self, report_id: str, *, after: int = 0) -> Iterator[ReportEvent]:
        return self._client._follow("report", report_id, after)

    def wait(
        self, report_id: str, *, timeout: float = DEFAULT_WAIT_SECONDS, poll_interval: float | None = None
    ) -> Report:
        report: Report = self._client._wait(calls.get_report(report_id), report_id, timeout, poll_interval)
        return report

    def download(self, report: Report | str) -> bytes:
        """A finished report's body: from its signed download URL (read afresh, as it expires)."""
        current = self.get(report) if isinstance(report, str) else self.get(report.id)
        if current.download_url:
            return self._client.send(calls.download(current.download_url))
        return (current.content or "").encode("utf-8")


class DocumentsResource:
    def __init__(self, client: Client) -> None:
        self._client = client

    def create(
        self, title: str, text: str, *, source_url: str | None = None, extra_body: Mapping[str, Any] | None = None
    ) -> Document:
        """Add a text document to research over."""
        fields = body({"title": title, "text": text, "source_url": source_url}, extra_body)
        return self._client.send(calls.create_document(fields))

    def upload(
        self,
        file: FileInput,
        title: str | None = None,
        *,
        filename: str | None = None,
        media_type: str | None = None,
        wait: bool = True,
        timeout: float = DEFAULT_WAIT_SECONDS,
    ) -> Document:
        """Add a file (PDF, DOCX, HTML, Markdown, text: a path, bytes or a binary file object); the server reads
        its kind and extracts its text. Up to `MULTIPART_MAX_BYTES` it goes in the request and comes back
        ready; larger files (or any a server takes less of in the request), up to 50 MiB, go straight to
        storage through a presigned upload, and with `wait` the call returns once their text is extracted.
        A file the server cannot read raises `APIError` (in the request) or `DocumentFailed` (through storage)."""
        name, content, kind = file_part(file, filename, media_type)
        if len(content) <= MULTIPART_MAX_BYTES:
            try:
                return self._client.send(calls.upload_document(name, content, kind, title))
            except PayloadTooLargeError:
                pass  # this server takes less in the request: through storage, then
        started = self.start_upload(name, kind, len(content), title=title)
        self._client.send(calls.send_upload(started.upload, name, content, kind))
        if not wait:
            return started.document
        document = self.wait(started.document.id, timeout=timeout)
        if document.status == "failed":
            raise DocumentFailed(document)
        return document

    def start_upload(self, filename: str, content_type: str, size: int, *, title: str | None = None) -> DocumentUpload:
        """A pending document and the signed form that sends its file (`size` bytes of `content_type`) to
        storage; `upload` does both steps."""
        fields = body({"filename": filename, "content_type": content_type, "size": size, "title": title})
        return self._client.send(calls.start_upload(fields))

    def wait(
        self, document_id: str, *, timeout: float = DEFAULT_WAIT_SECONDS, poll_interval: float | None = None
    ) -> DocumentWithText:
        """The document once its file is read (`ready`) or refused (`failed`); `WaitTimeout` after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            document = self.get(document_id)
            if document.status in DOCUMENT_DONE:
                return document
            if time.monotonic() >= deadline:
                raise WaitTimeout(document_id, document.status, timeout)
            time.sleep(min(poll_interval or self._client.poll_interval, max(0.0, deadline - time.monotonic())))

    def get(self, document_id: str) -> DocumentWithText:
        return self._client.send(calls.get_document(document_id))

    def list(self, *, limit: int | None = None, cursor: str | None = None) -> Page[Document]:
        return self._client.send(calls.list_documents(limit, cursor))

    def delete(self, document_id: str) -> None:
        self._client.send(calls.delete_document(document_id))


class TemplatesResource:
    def __init__(self, client: Client) -> None:
        self._client = client

    def list(self, *, limit: int | None = None, cursor: str | None = None) -> Page[Template]:
        return self._client.send(calls.list_templates(limit, cursor))

    def get(self, template_id: str, *, version: int | None = None) -> Template:
        return self._client.send(calls.get_template(template_id, version))

    def create(
        self,
        name: str,
        prompt: str,
        *,
        description: str | None = None,
        variables: Mapping[str, TemplateVariable | Mapping[str, Any]] | None = None,
        sections: Sequence[TemplateSection | Mapping[str, Any]] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> Template:
        return self._client.send(
            calls.create_template(calls.template_fields(name, prompt, description, variables, sections, extra_body))
        )

    def update(
        self,
        template_id: str,
        name: str,
        prompt: str,
        *,
        description: str | None = None,
        variables: Mapping[str, TemplateVariable | Mapping[str, Any]] | None = None,
        sections: Sequence[TemplateSection | Mapping[str, Any]] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> Template:
        """Write a new version of the template (versions are immutable)."""
        fields = calls.template_fields(name, prompt, description, variables, sections, extra_body)
        return self._client.send(calls.update_template(template_id, fields))

    def delete(self, template_id: str) -> None:
        self._client.send(calls.delete_template(template_id))

    def versions(self, template_id: str, *, limit: int | None = None, cursor: str | None = None) -> Page[Template]:
        return self._client.send(calls.template_versions(template_id, limit, cursor))

    def render(
        self, template_id: str, variables: Mapping[str, Any] | None = None, *, version: int | None = None
    ) -> RenderedTemplate:
        fields = body({"variables": dict(variables or {}), "version": version})
        return self._client.send(calls.render_template(template_id, fields))


class WatchesResource:
    def __init__(self, client: Client) -> None:
        self._client = client

    def create(
        self,
        schedule: str,
        query: str | None = None,
        *,
        depth: Depth | None = None,
        sources: Sequence[SourceKind] | None = None,
        recency: Recency | None = None,
        domains: Sequence[str] | None = None,
        max_cost_usd: float | None = None,
        template_id: str | None = None,
        variables: Mapping[str, Any] | None = None,
        max_rounds: int | None = None,
        max_duration_s: int | None = None,
        output_schema: Mapping[str, Any] | None = None,
        enabled: bool | None = None,
        webhook_url: str | None = None,
        idempotency_key: str | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> WatchCreated:
        """A research that re-runs on `schedule` (`rate(1 day)`, `cron(0 9 ? * MON-FRI *)`); it runs once now."""
        fields = body(
            {
                "schedule": schedule,
                "query": query,
                "depth": depth,
                "sources": sources,
                "recency": recency,
                "domains": domains,
                "max_cost_usd": max_cost_usd,
                "template_id": template_id,
                "variables": variables,
                "max_rounds": max_rounds,
                "max_duration_s": max_duration_s,
                "output_schema": output_schema,
                "enabled": enabled,
                "webhook_url": webhook_url,
            },
            extra_body,
        )
        return self._client.send(calls.create_watch(fields, idempotency_key))

    def get(self, watch_id: str) -> Watch:
        return self._client.send(calls.get_watch(watch_id))

    def list(self, *, limit: int | None = None, cursor: str | None = None) -> Page[Watch]:
        return self._client.send(calls.list_watches(limit, cursor))

    def update(
        self,
        watch_id: str,
        *,
        query: str | None = None,
        depth: Depth | None = None,
        sources: Sequence[SourceKind] | None = None,
        recency: Recency | None = None,
        domains: Sequence[str] | None = None,
        max_cost_usd: float | None = None,
        template_id: str | None = None,
        variables: Mapping[str, Any] | None = None,
        max_rounds: int | None = None,
        max_duration_s: int | None = None,
        output_schema: Mapping[str, Any] | None = None,
        schedule: str | None = None,
        enabled: bool | None = None,
        webhook_url: str | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> WatchCreated:
        """Change what is given; the rest stays as it is."""
        fields = body(
            {
                "query": query,
                "depth": depth,
                "sources": sources,
                "recency": recency,
                "domains": domains,
                "max_cost_usd": max_cost_usd,
                "template_id": template_id,
                "variables": variables,
                "max_rounds": max_rounds,
                "max_duration_s": max_duration_s,
                "output_schema": output_schema,
                "schedule": schedule,
                "enabled": enabled,
                "webhook_url": webhook_url,
            },
            extra_body,
        )
        return self._client.send(calls.update_watch(watch_id, fields))

    def delete(self, watch_id: str) -> None:
        self._client.send(calls.delete_watch(watch_id))

    def run(self, watch_id: str, *, idempotency_key: str | None = None) -> WatchRun:
        """Run the watch now, off schedule."""
        return self._client.send(calls.run_watch(watch_id, idempotency_key))

    def runs(self, watch_id: str, *, limit: int | None = None, cursor: str | None = None) -> Page[WatchRun]:
        return self._client.send(calls.watch_runs(watch_id, limit, cursor))


class WebhooksResource:
    """Endpoints that receive task and watch events, signed per Standard Webhooks (check them with `verify`)."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def create(
        self,
        url: str,
        events: Sequence[WebhookEventType],
        *,
        description: str | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> WebhookCreated:
        """Register `url` for `events`; the answer's `secret` is shown only this once."""
        fields = body({"url": url, "events": events, "description": description}, extra_body)
        return self._client.send(calls.create_webhook(fields))

    def get(self, webhook_id: str) -> Webhook:
        return self._client.send(calls.get_webhook(webhook_id))

    def list(self, *, limit: int | None = None, cursor: str | None = None) -> Page[Webhook]:
        return self._client.send(calls.list_webhooks(limit, cursor))

    def update(
        self,
        webhook_id: str,
        *,
        url: str | None = None,
        events: Sequence[WebhookEventType] | None = None,
        description: str | None = None,
        enabled: bool | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> Webhook:
        """Change what is given; `enabled=True` re-enables a webhook disabled for failing."""
        fields = body({"url": url, "events": events, "description": description, "enabled": enabled}, extra_body)
        return self._client.send(calls.update_webhook(webhook_id, fields))

    def delete(self, webhook_id: str) -> None:
        self._client.send(calls.delete_webhook(webhook_id))

    def test(self, webhook_id: str) -> Delivery:
        """Send a `webhook.test` event; its delivery, pending."""
        return self._client.send(calls.test_webhook(webhook_id))

    def rotate_secret(self, webhook_id: str) -> WebhookSecret:
        """A new secret; deliveries are signed with the old one too for 24 hours."""
        return self._client.send(calls.rotate_webhook_secret(webhook_id))

    def deliveries(self, webhook_id: str, *, limit: int | None = None, cursor: str | None = None) -> Page[Delivery]:
        return self._client.send(calls.webhook_deliveries(webhook_id, limit, cursor))

    def retry(self, webhook_id: str, delivery_id: str) -> Delivery:
        """Try a delivery again now."""
        return self._client.send(calls.retry_delivery(webhook_id, delivery_id))
