"""Watches end to end: a local cloud ticking every second, fake OpenAI and Perplexity, and a webhook
receiver on loopback. A watch's baseline, a scheduled run that finds changed sources, and an unchanged
rerun that costs less because its model calls come from the cache."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from researcher_pro.watches.repository import META, due_sort_key, watch_pk
from standardwebhooks import Webhook
from websockets.sync.client import connect

from tests.conftest import ONLINE_OVERRIDES
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.perplexity_server import FakePerplexity
from tests.fakes.search_index import SearchDocument, SearchIndex
from tests.harness import Cloud

DATA_TABLE = "researcher-pro-local-DataTable"

pytestmark = pytest.mark.e2e


SUBSIDY_PAGES = (
    SearchDocument(
        url="https://example.org/eu/heat-pump-subsidies",
        title="Heat pump subsidies in the EU",
        text="Most EU member states subsidise heat pumps for homes. Grants cover part of the installation.",
    ),
    SearchDocument(
        url="https://example.org/de/heat-pump-grants",
        title="German heat pump subsidies",
        text="Germany pays heat pump subsidies of up to 70 percent under its building energy law in the EU.",
    ),
    SearchDocument(
        url="https://example.com/fr/heat-pump-bonus",
        title="France's heat pump bonus",
        text="France gives households a heat pump bonus; EU rules allow such subsidies for efficient heating.",
    ),
)
SUBSIDY_UPDATE = SearchDocument(
    url="https://news.example.net/de/heat-pump-subsidies-cut",
    title="An update",
    text="Germany cut its heat pump subsidies this month, a first among large EU states.",
)


def subsidy_web(edition: int = 0) -> SearchIndex:
    """The web the watch searches: from edition 1 on, its German page is replaced by a news page."""
    pages = list(SUBSIDY_PAGES)
    if edition:
        pages[1] = SUBSIDY_UPDATE
    return SearchIndex(pages)


class Receiver:
    """A webhook endpoint on loopback that keeps what it was sent."""

    def __init__(self) -> None:
        self.deliveries: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                receiver.deliveries.append({"headers": dict(self.headers), "body": raw})
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hooks/researcher-pro"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def verified(self, secret: str, research_id: str, timeout: float = 30) -> dict[str, Any]:
        """The `watch.run_completed` delivered for `research_id`, verified as a receiver verifies it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for delivery in list(self.deliveries):
                payload = json.loads(delivery["body"])
                if payload["data"]["research_id"] != research_id:
                    continue
                assert Webhook(secret).verify(delivery["body"], delivery["headers"]) == payload
                assert payload["type"] == "watch.run_completed"
                return dict(payload["data"])
            time.sleep(0.2)
        raise AssertionError(f"no webhook delivery for {research_id}: {self.deliveries}")


@pytest.fixture(scope="module")
def perplexity() -> Iterator[FakePerplexity]:
    server = FakePerplexity(subsidy_web())
    yield server
    server.close()


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.fixture(scope="module")
def cloud(perplexity: FakePerplexity) -> Iterator[Cloud]:
    openai = FakeOpenAI()
    with Cloud(
        {
            "OPENAI_API_KEY": "sk-test",
            "OPENAI_BASE_URL": f"{openai.url}/v1",
            "PERPLEXITY_API_KEY": "pplx-test",
            "PERPLEXITY_BASE_URL": perplexity.url,
            "RP_LOCAL_PARAMETER_OVERRIDES": f"{ONLINE_OVERRIDES} MinScheduleSeconds=60",
            "RP_LOCAL_TICK_SECONDS": "1",
            "RP_WEBHOOK_ALLOW_LOOPBACK": "true",
        }
    ) as started:
        yield started
    openai.close()


def runs(cloud: Cloud, watch_id: str) -> list[dict[str, Any]]:
    response = cloud.http.get(f"/v1/watches/{watch_id}/runs")
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def wait_for_run(cloud: Cloud, watch_id: str, trigger: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [r for r in runs(cloud, watch_id) if r["trigger"] == trigger and r["status"] == "succeeded"]
        if done:
            return done[0]
        time.sleep(0.5)
    raise AssertionError(f"no {trigger} run finished: {runs(cloud, watch_id)}")


def a_minute_passes(cloud: Cloud, tenant: str, watch_id: str) -> None:
    """The watch's next run time, a minute after its creation, brought to now in its stored record and the
    scheduler's due index (instead of the test waiting out the minute)."""
    db = cloud.aws("dynamodb")
    key = {"pk": {"S": watch_pk(tenant, watch_id)}, "sk": {"S": META}}
    due = int(db.get_item(TableName=DATA_TABLE, Key=key, ConsistentRead=True)["Item"]["next_run_at"]["N"])
    now = min(due, int(time.time()))
    db.update_item(
        TableName=DATA_TABLE,
        Key=key,
        UpdateExpression="SET next_run_at = :now, gsi3sk = :due",
        ConditionExpression="next_run_at = :was",
        ExpressionAttributeValues={
            ":now": {"N": str(now)},
            ":due": {"S": due_sort_key(now, tenant, watch_id, META)},
            ":was": {"N": str(due)},
        },
    )


def test_unsafe_webhooks_and_bad_schedules_are_refused_and_nothing_is_stored(cloud: Cloud) -> None:
    http = cloud.client(cloud.create_key(f"refused-{uuid.uuid4().hex[:6]}"))
    base = {"query": "Grid storage prices", "schedule": "rate(1 day)"}
    for url in ("https://10.0.0.1/hook", "https://169.254.169.254/latest", "https://[::ffff:10.1.1.1]/x"):
        response = http.post("/v1/watches", json={**base, "webhook_url": url})
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert "webhook_url" in response.json()["detail"]
    for schedule, reason in (
        ("cron(0 9 * * * *)", "exactly one of day-of-month and day-of-week must be '?'"),
        ("rate(5 weeks)", "minute(s), hour(s) or day(s)"),
        ("cron(0 9 L * ? 2300)", "year value '2300'"),
        ("cron(0 9 L * ? 1999)", "never fires"),
    ):
        response = http.post("/v1/watches", json={**base, "schedule": schedule})
        assert response.status_code == 422 and reason in response.json()["detail"], response.text
    response = http.post("/v1/watches", json={**base, "shedule": "rate(1 day)"})
    assert response.status_code == 422 and "shedule" in response.text
    assert http.get("/v1/watches").json() == {"items": [], "next_cursor": None}
    assert http.post("/v1/watches/wat_nope/run").status_code == 404
    # A retried create with the same Idempotency-Key makes one watch.
    paused = {**base, "enabled": False}
    first = http.post("/v1/watches", json=paused, headers={"Idempotency-Key": "create-1"})
    again = http.post("/v1/watches", json=paused, headers={"Idempotency-Key": "create-1"})
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    assert first.json()["runs"] == 0 and first.json()["next_run_at"] is None
    assert [w["id"] for w in http.get("/v1/watches").json()["items"]] == [first.json()["id"]]
    http.close()


def test_a_watch_reports_what_changed_and_an_unchanged_rerun_costs_less(
    cloud: Cloud, perplexity: FakePerplexity, receiver: Receiver
) -> None:
    # A client following everything of the tenant over the WebSocket API (max_queue=None: the test
    # reads it only at the end, and a full queue would hold back the pushes).
    socket = connect(f"{cloud.ws_url}?token={cloud.key}", max_queue=None)
    socket.send(json.dumps({"action": "subscribe", "all": True}))
    assert json.loads(socket.recv(10))["type"] == "subscribed"
    created = cloud.http.post(
        "/v1/watches",
        json={
            "query": f"Heat pump subsidies in the EU #{uuid.uuid4().hex[:6]}",
            "depth": "quick",
            "schedule": "rate(1 minute)",
            "webhook_url": receiver.url,
        },
    )
    assert created.status_code == 201, created.text
    watch = created.json()
    secret = watch["webhook_secret"]
    assert secret.startswith("whsec_")
    assert "webhook_secret" not in cloud.http.get(f"/v1/watches/{watch['id']}").json()
    # The watch's webhook is a webhook of its own, for this watch's runs only.
    webhook = cloud.http.get(f"/v1/webhooks/{watch['webhook_id']}").json()
    assert (webhook["url"], webhook["watch_id"], webhook["events"]) == (
        receiver.url,
        watch["id"],
        ["watch.run_completed"],
    )

    # The baseline starts at once; with nothing to compare it with, it has no diff.
    baseline = wait_for_run(cloud, watch["id"], "baseline")
    assert baseline["diff"] is None and baseline["cost_usd"] > 0
    notice = receiver.verified(secret, baseline["research_id"])
    assert notice["watch_id"] == watch["id"] and notice["status"] == "succeeded" and notice["diff"] is None

    # The web changes, and a minute passes: the ticker's scheduler starts the next run.
    perplexity.index = subsidy_web(edition=1)
    a_minute_passes(cloud, "dev", watch["id"])
    scheduled = wait_for_run(cloud, watch["id"], "schedule")
    paused = cloud.http.patch(f"/v1/watches/{watch['id']}", json={"enabled": False})
    assert paused.status_code == 200 and paused.json()["next_run_at"] is None
    diff = scheduled["diff"]
    assert scheduled["previous_research_id"] == baseline["research_id"]
    assert diff["changed"] is True
    assert [s["url"] for s in diff["new_sources"]] and all("news.example.net" in s["url"] for s in diff["new_sources"])
    assert len(diff["dropped_sources"]) == len(diff["new_sources"])
    assert diff["new_findings"] and diff["unsupported_findings"]
    research = cloud.http.get(f"/v1/research/{scheduled['research_id']}").json()
    assert research["watch_id"] == watch["id"]
    notice = receiver.verified(secret, scheduled["research_id"])
    assert notice["diff"]["changed"] is True
    assert notice["diff"]["new_sources"] == len(diff["new_sources"])
    assert notice["diff"]["new_source_urls"] == [s["url"] for s in diff["new_sources"]]

    # Run now, with the web unchanged since: nothing changed, and only the search is paid for again.
    started = cloud.http.post(f"/v1/watches/{watch['id']}/run")
    assert started.status_code == 202 and started.json()["trigger"] == "manual"
    rerun = wait_for_run(cloud, watch["id"], "manual")
    assert rerun["diff"]["changed"] is False
    assert rerun["diff"]["new_sources"] == rerun["diff"]["dropped_sources"] == []
    assert rerun["cache_hits"] > 0
    assert 0 < rerun["cost_usd"] < scheduled["cost_usd"] and rerun["cost_usd"] < baseline["cost_usd"]
    assert receiver.verified(secret, rerun["research_id"])["diff"]["changed"] is False

    # The WebSocket client was told of each run, with the same diff summary as the webhook.
    pushed: dict[str, dict[str, Any]] = {}
    while len(pushed) < 3:
        message = json.loads(socket.recv(30))
        if message["type"] == "watch.run_completed":
            assert message["watch_id"] == watch["id"]
            pushed[message["research_id"]] = message
    socket.close()
    assert pushed[baseline["research_id"]]["diff"] is None
    assert pushed[scheduled["research_id"]]["diff"]["new_source_urls"] == [s["url"] for s in diff["new_sources"]]
    assert pushed[rerun["research_id"]]["diff"]["changed"] is False

    listed = runs(cloud, watch["id"])
    assert [r["research_id"] for r in listed[:3]] == [
        rerun["research_id"],
        scheduled["research_id"],
        baseline["research_id"],
    ]
    # Deleted: it is gone and runs no more.
    assert cloud.http.delete(f"/v1/watches/{watch['id']}").status_code == 204
    assert cloud.http.get(f"/v1/watches/{watch['id']}").status_code == 404
    assert cloud.http.get(f"/v1/webhooks/{watch['webhook_id']}").status_code == 404  # its webhook went with it
    assert cloud.http.post(f"/v1/watches/{watch['id']}/run").status_code == 404
