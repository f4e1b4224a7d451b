"""Tracing and log correlation across API → SQS → worker, against moto.

X-Ray itself cannot run here, so this holds the code to what makes a trace whole in AWS: each queued step
carries its sender's trace header (SQS's AWSTraceHeader, from the invocation's `_X_AMZN_TRACE_ID`), and
the worker annotates its segment with the task id. Then, on the log side: every line the worker writes
while it runs a task names the task, as `task_id` and as the correlation id.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import uuid
from typing import Any

import pytest
from researcher_pro.core.aws import client

from infra.local.template import Stack
from tests.integration.conftest import invoke, load_function
from tests.integration.test_sample_events import body, event, register_sample_key

TERMINAL = {"succeeded", "failed", "cancelled"}


def trace_header() -> str:
    return f"Root=1-{secrets.token_hex(4)}-{secrets.token_hex(12)};Parent={secrets.token_hex(8)};Sampled=1"


def queued_for(task_id: str) -> list[dict[str, Any]]:
    """The tasks queue's messages for `task_id`, with their trace headers (taken off the queue)."""
    url = os.environ["RP_TASKS_QUEUE_URL"]
    found = []
    while (
        batch := client("sqs")
        .receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"], VisibilityTimeout=60
        )
        .get("Messages")
    ):
        for message in batch:
            if json.loads(message["Body"]).get("task_id") == task_id:
                found.append(message)
                client("sqs").delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found


def as_record(message: dict[str, Any]) -> dict[str, Any]:
    """An SQS message as the event source mapping hands it to the worker."""
    attributes = {
        "ApproximateReceiveCount": "1",
        "SentTimestamp": "1795687200000",
        "SenderId": "AIDAEXAMPLE",
        "ApproximateFirstReceiveTimestamp": "1795687200000",
        **message.get("Attributes", {}),
    }
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": attributes,
        "messageAttributes": {},
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:researcher-pro-local-TasksQueue",
        "awsRegion": "us-east-1",
    }


def test_a_run_is_traced_from_the_api_through_each_step_and_every_worker_line_names_it(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    register_sample_key("sample-tracing")  # its own tenant: the research sample test counts the runs of "sample"
    documents, research_api, worker = (load_function(n) for n in ("documents_api", "research_api", "task_worker"))
    assert invoke(documents, event("documents_api/create_document.json"))["statusCode"] == 201

    # The API's invocation has a trace; the first step's message carries it.
    api_trace = trace_header()
    monkeypatch.setenv("_X_AMZN_TRACE_ID", api_trace)
    start = event("research_api/start_research.json")
    start["body"] = json.dumps({**json.loads(start["body"]), "query": f"heat pumps in the cold {uuid.uuid4().hex}"})
    research_id = body(invoke(research_api, start))["id"]
    (first,) = queued_for(research_id)
    assert first["Attributes"]["AWSTraceHeader"] == api_trace

    annotations: list[tuple[str, Any]] = []
    monkeypatch.setattr(worker.tracer, "put_annotation", lambda key, value: annotations.append((key, value)))
    # The worker's lines as it writes them. Its handler holds the stdout it was made with, which an earlier
    # test's capture may have replaced, so the lines are taken at the handler.
    logged = io.StringIO()
    monkeypatch.setattr(worker.logger.registered_handler, "stream", logged)
    # Each step as SQS delivers it, in a worker invocation of its own trace; the next step's message
    # carries that invocation's header on.
    pending, steps = [first], []
    while pending:
        (message,) = pending
        step_trace = trace_header()
        monkeypatch.setenv("_X_AMZN_TRACE_ID", step_trace)
        assert invoke(worker, {"Records": [as_record(message)]}) == {"batchItemFailures": []}
        steps.append(json.loads(message["Body"])["step"])
        pending = queued_for(research_id)
        assert all(m["Attributes"]["AWSTraceHeader"] == step_trace for m in pending)

    # The research loop: a plan, its rounds (search.1, read.1, ... reflect.n), the answer.
    assert steps[0] == "plan" and "search.1" in steps and steps[-1] == "synthesize"
    get = event("research_api/get_missing_research.json")
    get["rawPath"] = get["requestContext"]["http"]["path"] = f"/v1/research/{research_id}"
    assert body(invoke(research_api, get))["status"] in TERMINAL
    assert [value for key, value in annotations if key == "task_id"] == [research_id] * len(steps)
    assert [value for key, value in annotations if key == "step"] == steps

    lines = [json.loads(line) for line in logged.getvalue().splitlines() if line.startswith("{")]
    assert len(lines) >= len(steps)  # at least "step handled" for each step
    strays = [line for line in lines if line.get("correlation_id") != research_id or line.get("task_id") != research_id]
    assert not strays, strays
