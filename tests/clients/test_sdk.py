"""Every call family of the SDK, sync and async, against the local cloud over real HTTP and WebSocket."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from researcher_pro_client import (
    AsyncClient,
    AuthenticationError,
    Client,
    ConflictError,
    DocumentFailed,
    NotFoundError,
    PermissionDeniedError,
    UnprocessableEntityError,
    WaitTimeout,
)
from researcher_pro_client.files import MULTIPART_MAX_BYTES
from researcher_pro_client.models import ResearchEvent

from tests.clients.conftest import QUESTION
from tests.fakes.docx import build_docx
from tests.fakes.pdf import build_scanned_pdf
from tests.harness import Cloud

pytestmark = pytest.mark.e2e


def test_health_reports_the_websocket_url_the_client_then_uses(offline_cloud: Cloud, offline_sdk: Client) -> None:
    health = offline_sdk.health()
    assert (health.status, health.mode, health.ws_url) == ("ok", "offline", offline_cloud.ws_url)
    assert offline_sdk.ws_url() == offline_cloud.ws_url


def test_research_starts_follows_waits_lists_and_deletes(offline_sdk: Client) -> None:
    rp = offline_sdk
    started = rp.research.create(QUESTION, depth="quick", sources=["documents"])
    assert started.status == "queued" and started.depth == "quick"
    events = list(rp.research.events(started.id))
    done = rp.research.wait(started.id, timeout=60)
    assert done.status == "succeeded" and done.answer and "[1]" in done.answer
    assert done.sources[0].title == "Heat pump primer" and done.findings
    # The events: the whole log, once, in order, ending with the run.
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[-1].type == "research.completed"
    assert rp.research.events_page(started.id, after=0).items == events
    assert started.id in [r.id for r in rp.research.list(limit=100, status="succeeded").items]
    rp.research.delete(started.id)
    with pytest.raises(NotFoundError, match=started.id):
        rp.research.get(started.id)


def test_wait_gives_up_after_its_timeout_and_a_run_is_cancelled(offline_sdk: Client) -> None:
    rp = offline_sdk
    started = rp.research.create(QUESTION, depth="quick", sources=["documents"])
    with pytest.raises(WaitTimeout, match="keeps running"):
        rp.research.wait(started.id, timeout=0)
    assert rp.research.cancel(started.id).cancel_requested
    assert rp.research.wait(started.id, timeout=60).status in {"cancelled", "succeeded"}


def test_typed_errors_carry_the_servers_problem_detail(offline_cloud: Cloud, offline_sdk: Client) -> None:
    with Client(offline_cloud.url, "rp_not-a-key") as stranger, pytest.raises(AuthenticationError) as unknown:
        stranger.research.list()
    assert unknown.value.status == 401 and "API key" in unknown.value.detail
    with pytest.raises(UnprocessableEntityError) as invalid:
        offline_sdk.research.create("x" * 2001)
    assert [e["field"] for e in invalid.value.errors] == ["body.query"]
    builtin = offline_sdk.templates.list(limit=100).items[0]
    assert builtin.builtin
    with pytest.raises(PermissionDeniedError):
        offline_sdk.templates.update(builtin.id, "Mine now", "Research {{ x }}")
    finished = offline_sdk.research.wait(offline_sdk.research.create(QUESTION, depth="quick", sources=["documents"]).id)
    with pytest.raises(ConflictError) as conflict:
        offline_sdk.research.cancel(finished.id)
    assert conflict.value.detail == f"research {finished.id} has already succeeded"


def test_documents_templates_reports_analyses_watches_and_usage(offline_sdk: Client) -> None:
    rp = offline_sdk
    document = rp.documents.create(
        "Tides", "The moon's gravity raises two tidal bulges.", source_url="https://t.example/"
    )
    assert rp.documents.get(document.id).text.startswith("The moon's gravity")
    assert document.id in [d.id for d in rp.documents.list(limit=100).items]
    rp.documents.delete(document.id)
    with pytest.raises(NotFoundError):
        rp.documents.get(document.id)

    template = rp.templates.create(
        f"Supplier {uuid.uuid4().hex[:6]}",
        "What is known about {{ supplier }}?",
        variables={"supplier": {"type": "string", "required": True}},
        sections=[{"title": "Ownership", "instructions": "Who owns {{ supplier }}."}],
    )
    assert rp.templates.render(template.id, {"supplier": "Acme"}).prompt == "What is known about Acme?"
    second = rp.templates.update(template.id, template.name, "Who runs {{ supplier }}?", variables=template.variables)
    assert second.version == 2 and [t.version for t in rp.templates.versions(template.id).items] == [2, 1]
    assert rp.templates.get(template.id, version=1).prompt == "What is known about {{ supplier }}?"
    rp.templates.delete(template.id)

    research = rp.research.wait(rp.research.create(QUESTION, depth="quick", sources=["documents"]).id)
    report = rp.reports.wait(rp.reports.create(research.id, format="html").id, timeout=60)
    assert report.status == "succeeded" and report.id in [r.id for r in rp.reports.list(limit=100).items]
    assert b"Heat pump primer" in rp.reports.download(report)

    analysis = rp.analyses.wait(rp.analyses.create(research_id=research.id, kinds=["summary", "topics"]).id)
    result = analysis.parsed_result()
    assert analysis.status == "succeeded" and result is not None and result.summary and result.topics
    assert rp.analyses.events_page(analysis.id).items[-1].type == "analysis.completed"

    watch = rp.watches.create("rate(1 day)", QUESTION, depth="quick", sources=["documents"])
    assert watch.last_research_id and rp.watches.get(watch.id).schedule == "rate(1 day)"
    assert rp.watches.update(watch.id, enabled=False).enabled is False
    run = rp.watches.run(watch.id)
    assert run.trigger == "manual"
    assert {r.research_id for r in rp.watches.runs(watch.id).items} >= {run.research_id, watch.last_research_id}
    assert watch.id in [w.id for w in rp.watches.list(limit=100).items]
    rp.watches.delete(watch.id)

    today = datetime.now(UTC).date().isoformat()
    usage = rp.usage(from_date=today, to_date=today)
    assert (usage.from_date, usage.to_date) == (today, today)
    assert usage.totals.cost_usd == sum(day.cost_usd for day in usage.days)


def test_upload_sends_small_files_in_the_request_and_large_ones_through_storage(offline_cloud: Cloud) -> None:
    large = ("Offshore wind farms in the North Sea. " * 115_000).encode()  # about 4.4 MB: past the request's limit
    assert len(large) > MULTIPART_MAX_BYTES
    with Client(offline_cloud.url, offline_cloud.create_key("uploader")) as rp:
        small = rp.documents.upload(build_docx("Minutes", ["The board met in March."]), filename="minutes.docx")
        assert (small.status, small.kind, small.title, small.filename) == ("ready", "docx", "Minutes", "minutes.docx")
        big = rp.documents.upload(large, "Wind atlas", filename="atlas.txt")
        assert (big.status, big.kind, big.title, big.size_bytes) == ("ready", "text", "Wind atlas", len(large))
        assert big.chars == len(large.decode().strip())
        with pytest.raises(DocumentFailed) as failed:
            rp.documents.upload(b"not a PDF " * MULTIPART_MAX_BYTES, filename="big.pdf")
        assert failed.value.document.error is not None and failed.value.document.error.code == "corrupt_file"
        with pytest.raises(UnprocessableEntityError) as refused:
            rp.documents.upload(build_scanned_pdf(1), filename="scan.pdf")
        assert refused.value.code == "no_text_layer"

    async def asynchronously() -> tuple[str, str]:
        async with AsyncClient(offline_cloud.url, offline_cloud.create_key("async-uploader")) as rp:
            pending = await rp.documents.upload(large, filename="atlas.txt", wait=False)
            done = await rp.documents.wait(pending.id, timeout=60)
            return pending.status, done.status

    assert asyncio.run(asynchronously()) == ("pending", "ready")


def test_the_async_client_follows_a_run_live_and_reads_it(offline_cloud: Cloud) -> None:
    async def scenario() -> tuple[list[ResearchEvent], str, list[str]]:
        async with AsyncClient(offline_cloud.url, offline_cloud.key) as rp:
            started = await rp.research.create(QUESTION, depth="quick", sources=["documents"])
            events = [event async for event in rp.research.events(started.id)]
            done = await rp.research.get(started.id)
            listed = [r.id for r in (await rp.research.list(limit=100)).items]
            return events, done.status, [started.id, *listed]

    events, status, ids = asyncio.run(scenario())
    assert status == "succeeded" and ids[0] in ids[1:]
    assert [e.seq for e in events] == list(range(1, len(events) + 1)) and events[-1].type == "research.completed"
