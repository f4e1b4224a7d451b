"""rp-admin against moto: every command with --local (the names the local cloud gives the template's
resources), and with --stack (names found from a CloudFormation stack's resources)."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from researcher_pro import admin
from researcher_pro.core.aws import client
from researcher_pro.core.config import get_settings
from researcher_pro.core.ids import DELIVERY, WEBHOOK
from researcher_pro.tasks.repository import TaskRepository
from researcher_pro.webhooks.queue import DeliveryMessage, read_message

from infra.local.template import Stack
from tests.harness import ROOT
from tests.integration.conftest import TEST_CURSORS, invoke, load_function

USAGE_EVENT = Path(ROOT, "infra", "events", "usage_api", "usage_report.json")


@pytest.fixture
def local(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """`--local` finds the local cloud's moto by its port: this session's moto."""
    import os

    monkeypatch.setenv("RP_LOCAL_AWS_PORT", str(urlsplit(os.environ["AWS_ENDPOINT_URL"]).port))
    get_settings.cache_clear()
    yield stack
    get_settings.cache_clear()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    """rp-admin's exit status 0, and what it printed (parsed when it is JSON)."""
    capsys.readouterr()  # not what the functions invoked before printed
    assert admin.main(list(argv)) == 0
    out = capsys.readouterr().out
    return json.loads(out) if "--json" in argv else out


def usage_request(key: str) -> dict[str, Any]:
    event = dict(json.loads(USAGE_EVENT.read_text()))
    event["headers"] = {**event["headers"], "authorization": f"Bearer {key}"}
    event["rawQueryString"] = ""
    return event


def test_keys_tenants_usage_and_a_disabled_key(local: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    tenant = f"ops-{uuid.uuid4().hex[:8]}"
    key = run(capsys, "create-key", "--local", "--tenant", tenant).strip().splitlines()[-1]
    run(capsys, "create-key", "--local", "--tenant", tenant)
    day = datetime.now(UTC).date().isoformat()
    repo = TaskRepository(get_settings().data_table, "research", TEST_CURSORS)
    spend = {"input_tokens": 1200, "output_tokens": 300, "cost_usd": 0.25, "model_calls": 2, "cache_hits": 1}
    assert repo.record_usage(tenant, "res_gone", day, spend)  # billed to the tenant's day
    run(capsys, "set-budget", "--local", "--tenant", tenant, "--daily-usd", "5")

    (row,) = [r for r in run(capsys, "tenants", "--local", "--json") if r["tenant"] == tenant]
    assert row == {
        "tenant": tenant,
        "keys": 2,
        "disabled_keys": 0,
        "spent_today_usd": 0.25,
        "spent_30_days_usd": 0.25,
        "daily_budget_usd": 5.0,
    }
    report = run(capsys, "usage", "--local", "--tenant", tenant, "--days", "7", "--json")
    assert [(d["date"], d["cost_usd"], d["input_tokens"]) for d in report["days"]] == [(day, 0.25, 1200)]
    assert report["budget"]["left_usd"] == 4.75
    table = run(capsys, "usage", "--local", "--tenant", tenant)
    assert f"{tenant}, " in table and "$0.2500" in table and "of $5.00" in table

    # A key is disabled by its id (what `tenants` and create-key show), refused by the API, and enabled again.
    assert invoke(load_function("usage_api"), usage_request(key))["statusCode"] == 200
    key_id = next(k["key_id"] for k in admin._keys(admin.Deployment(True, None)).every_key() if k["tenant"] == tenant)
    run(capsys, "disable-key", "--local", "--key", key_id)
    refused = invoke(load_function("usage_api"), usage_request(key))
    body = base64.b64decode(refused["body"]) if refused.get("isBase64Encoded") else refused["body"]
    assert refused["statusCode"] == 401 and json.loads(body)["detail"] == "the API key is disabled"
    assert [r["disabled_keys"] for r in run(capsys, "tenants", "--local", "--json") if r["tenant"] == tenant] == [1]
    run(capsys, "disable-key", "--local", "--key", key, "--enable")  # by the key itself, too
    assert invoke(load_function("usage_api"), usage_request(key))["statusCode"] == 200
    assert admin.main(["disable-key", "--local", "--key", "key_nosuchkey000"]) == 1


def test_stuck_tasks_are_the_live_ones_past_their_due_time(local: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    repo = TaskRepository(get_settings().data_table, "research", TEST_CURSORS)
    now = time.time()
    stalled, waiting, fine = (f"res_{uuid.uuid4().hex}" for _ in range(3))
    base = {"query": "q", "step": "search", "created_at": "2026-11-30T00:00:00.000Z", "updated_at": "x"}
    # A running step whose worker died (its lease ran out), a queued task whose message never came, and one
    # that is moving.
    repo.create("ops-t", {**base, "id": stalled, "status": "running", "lease_until": now - 90}, due_at=now - 60)
    repo.create("ops-t", {**base, "id": waiting, "status": "queued"}, due_at=now - 5)
    repo.create("ops-t", {**base, "id": fine, "status": "running", "lease_until": now + 300}, due_at=now + 300)
    listed = {r["id"]: r for r in run(capsys, "tasks", "--local", "--stuck", "--json") if r["tenant"] == "ops-t"}
    assert set(listed) == {stalled, waiting}
    assert listed[stalled]["lease"].startswith("ran out") and listed[stalled]["overdue_s"] >= 59
    assert listed[waiting]["status"] == "queued" and listed[waiting]["lease"] == "none"
    assert stalled in run(capsys, "tasks", "--local", "--stuck")  # the table names it too


def dead_letter(stack: Stack, task_id: str) -> None:
    body = json.dumps({"task_id": task_id, "tenant": "ops-r", "kind": "research", "step": "plan", "attempt": 3})
    client("sqs").send_message(QueueUrl=stack.queue_url("TasksDeadLetterQueue", _endpoint()), MessageBody=body)


def queued_task_ids(queue_url: str) -> list[str]:
    found: list[str] = []
    while batch := client("sqs").receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages"):
        for message in batch:
            found.append(json.loads(message["Body"]).get("task_id"))
            client("sqs").delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return found


def _endpoint() -> str:
    import os

    return os.environ["AWS_ENDPOINT_URL"]


def test_redrive_lists_then_moves_the_dead_letters_back_to_the_tasks_queue(
    local: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = [f"res_{uuid.uuid4().hex}" for _ in range(13)]  # more than one batch
    for task_id in ids:
        dead_letter(local, task_id)
    for _ in range(2):  # a dry run moves nothing, so the second finds them all again
        listed = run(capsys, "redrive", "--local", "--dry-run", "--json")
        assert sorted(m["task_id"] for m in listed) == sorted(ids)
    assert "13 message(s) would move from the tasks dead-letter queue" in run(capsys, "redrive", "--local", "--dry-run")
    moved = run(capsys, "redrive", "--local", "--json")
    assert sorted(m["task_id"] for m in moved) == sorted(ids)
    assert run(capsys, "redrive", "--local", "--dry-run", "--json") == []
    tasks_queue = local.queue_url("TasksQueue", _endpoint())
    assert sorted(set(queued_task_ids(tasks_queue)) & set(ids)) == sorted(ids)


def test_redrive_moves_webhook_deliveries_back_to_their_queue(local: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    deliveries = [DeliveryMessage("ops-w", WEBHOOK.new(), DELIVERY.new()) for _ in range(3)]
    for message in deliveries:
        client("sqs").send_message(
            QueueUrl=local.queue_url("WebhookDeliveriesDeadLetterQueue", _endpoint()), MessageBody=message.to_json()
        )
    listed = run(capsys, "redrive", "--local", "--queue", "webhooks", "--dry-run", "--json")
    # Each named by its delivery, which is what the webhook's deliveries log lists.
    assert sorted((m["webhook_id"], m["delivery_id"]) for m in listed) == sorted(
        (m.webhook_id, m.delivery_id) for m in deliveries
    )
    assert "3 message(s) moved from the webhooks dead-letter queue" in run(
        capsys, "redrive", "--local", "--queue", "webhooks"
    )
    queue = local.queue_url("WebhookDeliveriesQueue", _endpoint())
    back = []
    while batch := client("sqs").receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages"):
        for message in batch:
            back.append(read_message(message["Body"]))
            client("sqs").delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    assert set(deliveries) <= set(back)
    assert run(capsys, "redrive", "--local", "--queue", "webhooks", "--dry-run", "--json") == []


# --- --stack: names from CloudFormation ---------------------------------------------------------------
def stack_template(stack: Stack) -> str:
    """The template's table and tasks queues, as a CloudFormation stack that moto can create."""
    table = stack.resources["DataTable"]["Properties"]
    keep = ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode")
    return json.dumps(
        {
            "Parameters": {"DailyBudgetUSD": {"Type": "Number", "Default": 0}},
            "Resources": {
                "DataTable": {"Type": "AWS::DynamoDB::Table", "Properties": {k: table[k] for k in keep}},
                "TasksDeadLetterQueue": {"Type": "AWS::SQS::Queue"},
                "TasksQueue": {
                    "Type": "AWS::SQS::Queue",
                    "Properties": {
                        "RedrivePolicy": {
                            "deadLetterTargetArn": {"Fn::GetAtt": ["TasksDeadLetterQueue", "Arn"]},
                            "maxReceiveCount": 3,
                        }
                    },
                },
            },
        }
    )


def test_every_command_finds_a_deployed_stack_by_its_resources(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    name = f"rp-ops-{uuid.uuid4().hex[:6]}"
    cloudformation = client("cloudformation")
    cloudformation.create_stack(
        StackName=name,
        TemplateBody=stack_template(stack),
        Parameters=[{"ParameterKey": "DailyBudgetUSD", "ParameterValue": "3"}],
    )
    run(capsys, "create-key", "--stack", name, "--tenant", "ops-s")
    (row,) = run(capsys, "tenants", "--stack", name, "--json")  # the stack's own table: its one tenant
    assert row["tenant"] == "ops-s" and row["daily_budget_usd"] == 3.0  # the stack's DailyBudgetUSD
    assert run(capsys, "usage", "--stack", name, "--tenant", "ops-s", "--json")["days"] == []
    assert run(capsys, "tasks", "--stack", name, "--stuck", "--json") == []
    resources = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cloudformation.list_stack_resources(StackName=name)["StackResourceSummaries"]
    }
    client("sqs").send_message(QueueUrl=resources["TasksDeadLetterQueue"], MessageBody='{"task_id": "res_s"}')
    assert [m["task_id"] for m in run(capsys, "redrive", "--stack", name, "--json")] == ["res_s"]
    assert queued_task_ids(resources["TasksQueue"]) == ["res_s"]
    # A queue the stack does not have is named, not guessed at.
    with pytest.raises(SystemExit, match=f"the stack {name} has no WebhookDeliveriesDeadLetterQueue"):
        admin.main(["redrive", "--stack", name, "--queue", "webhooks", "--dry-run"])
