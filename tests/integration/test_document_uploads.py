"""Documents from files against moto server: the documents function with multipart bodies as API Gateway
delivers them (base64), and presigned uploads whose S3 event, routed by the template's EventBridge rule onto
the tasks queue, has the worker extract the file. What is refused leaves nothing stored."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

import httpx
from researcher_pro.access.api_key_repository import ApiKeyRepository
from researcher_pro.access.api_keys import ApiKeyService
from researcher_pro.core.aws import client
from researcher_pro.core.config import get_settings
from researcher_pro.documents.uploads import upload_key
from researcher_pro.documents.wiring import document_service

from infra.local.template import Stack
from tests.fakes.docx import build_docx, build_zip_not_docx
from tests.fakes.pdf import build_pdf, encrypt_pdf
from tests.integration.conftest import invoke, load_function

SENTENCE = "The Rance tidal power station has run since 1966."


def new_tenant() -> tuple[str, str]:
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    key, _ = ApiKeyService(ApiKeyRepository(get_settings().data_table)).issue(tenant)
    return tenant, key


def api_event(method: str, path: str, key: str, body: bytes = b"", content_type: str = "") -> dict[str, Any]:
    """A request as API Gateway's HTTP API hands it to the function: a multipart body base64-encoded."""
    binary = content_type.startswith("multipart/")
    headers = {"authorization": f"Bearer {key}", "host": "api.example.com"}
    if content_type:
        headers["content-type"] = content_type
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": f"ANY {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.10"},
            "requestId": str(uuid.uuid4()),
            "routeKey": f"ANY {path}",
            "stage": "$default",
            "time": "30/Nov/2026:10:00:00 +0000",
            "timeEpoch": int(time.time() * 1000),
        },
        "isBase64Encoded": binary,
    }
    if body:
        event["body"] = base64.b64encode(body).decode() if binary else body.decode()
    return event


def multipart(files: dict[str, Any], data: dict[str, str] | None = None) -> tuple[bytes, str]:
    request = httpx.Request("POST", "https://api.example.com/v1/documents", files=files, data=data)
    return request.read(), request.headers["content-type"]


def answer(response: dict[str, Any]) -> tuple[int, Any]:
    body = response.get("body") or ""
    raw = base64.b64decode(body) if response.get("isBase64Encoded") else body.encode()
    return response["statusCode"], json.loads(raw) if raw else None


def stored_keys(prefix: str) -> list[str]:
    listed = client("s3").list_objects_v2(Bucket=get_settings().artifacts_bucket, Prefix=prefix)
    return [item["Key"] for item in listed.get("Contents") or []]


def upload_event(key: str, timeout: float = 10) -> dict[str, Any]:
    """The message the EventBridge rule put on the tasks queue for `key`, as the SQS event source hands it
    to the worker. Other tests' messages are held out of sight while looking, so more than one receive's
    worth of them cannot hide this one, then handed back."""
    sqs, url = client("sqs"), get_settings().tasks_queue_url
    held: list[str] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            received = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, VisibilityTimeout=int(timeout) + 5
            )
            for message in received.get("Messages", []):
                body = json.loads(message["Body"])
                if body.get("detail", {}).get("object", {}).get("key") == key:
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                    assert (body["source"], body["detail-type"]) == ("aws.s3", "Object Created")
                    return sqs_event(message["Body"])
                held.append(message["ReceiptHandle"])
        raise AssertionError(f"no event for {key} reached the tasks queue")
    finally:
        for handle in held:
            sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0)


def start_upload(documents: Any, key: str, content: bytes, content_type: str, filename: str) -> dict[str, Any]:
    request = json.dumps({"filename": filename, "content_type": content_type, "size": len(content)}).encode()
    status, started = answer(
        invoke(documents, api_event("POST", "/v1/documents/uploads", key, request, "application/json"))
    )
    assert status == 201, started
    return dict(started)


def send_file(form: dict[str, Any], content: bytes, content_type: str, filename: str) -> None:
    sent = httpx.post(form["url"], data=form["fields"], files={"file": (filename, content, content_type)})
    assert sent.status_code in (200, 201, 204), sent.text


def test_files_in_the_request_become_documents_and_refused_ones_leave_nothing(stack: Stack) -> None:
    documents = load_function("documents_api")
    tenant, key = new_tenant()
    body, content_type = multipart(
        {"file": ("minutes.docx", build_docx("Board minutes", [SENTENCE]), "application/octet-stream")}
    )
    status, created = answer(invoke(documents, api_event("POST", "/v1/documents", key, body, content_type)))
    assert status == 201, created
    assert (created["status"], created["kind"], created["title"], created["filename"]) == (
        "ready",
        "docx",
        "Board minutes",
        "minutes.docx",
    )
    path = f"/v1/documents/{created['id']}"
    status, read = answer(invoke(documents, api_event("GET", path, key)))
    assert status == 200 and SENTENCE in read["text"] and read["chars"] == len(read["text"])

    refused = [
        (
            {"file": ("locked.pdf", encrypt_pdf(build_pdf("Locked", [SENTENCE])), "application/pdf")},
            422,
            "encrypted_file",
        ),
        ({"file": ("report.docx", build_zip_not_docx(), "application/octet-stream")}, 415, "unsupported_file"),
        (
            {"file": ("a.txt", b"text", "text/plain"), "extra": ("b.txt", b"more", "text/plain")},
            422,
            "validation_failed",
        ),
        ({"title": (None, b"No file")}, 422, "validation_failed"),
    ]
    for files, expected, code in refused:
        body, content_type = multipart(files)
        status, problem = answer(invoke(documents, api_event("POST", "/v1/documents", key, body, content_type)))
        assert (status, problem["type"]) == (expected, f"/problems/{code}"), problem
    status, problem = answer(invoke(documents, api_event("POST", "/v1/documents", key, b"x", "text/plain")))
    assert (status, problem["type"]) == (415, "/problems/unsupported_media_type")
    status, listed = answer(invoke(documents, api_event("GET", "/v1/documents", key)))
    assert [d["id"] for d in listed["items"]] == [created["id"]]  # nothing of the refused files
    assert stored_keys(f"uploads/{tenant}/") == []


def test_a_presigned_upload_is_extracted_when_s3_says_it_landed(stack: Stack) -> None:
    documents, worker = load_function("documents_api"), load_function("task_worker")
    tenant, key = new_tenant()
    pdf = build_pdf("Tidal power in France", [SENTENCE, "A second paragraph on the estuary."])
    started = start_upload(documents, key, pdf, "application/pdf", "tidal.pdf")
    document, form = started["document"], started["upload"]
    assert document["status"] == "pending" and document["title"] == "tidal"
    assert form["method"] == "POST" and form["fields"]["key"] == upload_key(tenant, document["id"])
    policy = json.loads(base64.b64decode(form["fields"]["policy"]))
    assert ["content-length-range", len(pdf), len(pdf)] in policy["conditions"]
    assert {"Content-Type": "application/pdf"} in policy["conditions"]

    send_file(form, pdf, "application/pdf", "tidal.pdf")
    assert invoke(worker, upload_event(form["fields"]["key"])) == {"batchItemFailures": []}

    status, ready = answer(invoke(documents, api_event("GET", f"/v1/documents/{document['id']}", key)))
    assert status == 200
    assert (ready["status"], ready["kind"], ready["pages"], ready["title"]) == (
        "ready",
        "pdf",
        1,
        "Tidal power in France",
    )
    assert SENTENCE in ready["text"] and ready["chars"] == len(ready["text"]) and ready["error"] is None
    assert stored_keys(f"uploads/{tenant}/") == []  # the file is gone once its text is kept
    found = document_service(get_settings()).index(tenant).search("When did the Rance tidal power station start?", 3)
    assert [(r.title, r.url) for r in found] == [("Tidal power in France", f"/v1/documents/{document['id']}")]


def test_a_refused_upload_fails_its_document_with_the_reason_and_keeps_nothing(stack: Stack) -> None:
    documents, worker = load_function("documents_api"), load_function("task_worker")
    tenant, key = new_tenant()
    locked = encrypt_pdf(build_pdf("Locked", [SENTENCE]))
    started = start_upload(documents, key, locked, "application/pdf", "locked.pdf")
    send_file(started["upload"], locked, "application/pdf", "locked.pdf")
    assert invoke(worker, upload_event(started["upload"]["fields"]["key"])) == {"batchItemFailures": []}
    path = f"/v1/documents/{started['document']['id']}"
    status, failed = answer(invoke(documents, api_event("GET", path, key)))
    assert status == 200
    assert (failed["status"], failed["error"]["code"], failed["text"]) == ("failed", "encrypted_file", "")
    assert "password" in failed["error"]["message"]
    assert stored_keys(f"uploads/{tenant}/") == [] and stored_keys(f"documents/{tenant}/") == []

    # A file other than the one declared (S3 enforces the policy; moto does not, so the worker checks too).
    declared = start_upload(documents, key, b"x" * 100, "text/plain", "notes.txt")
    send_file(declared["upload"], b"y" * 120, "text/plain", "notes.txt")
    assert invoke(worker, upload_event(declared["upload"]["fields"]["key"])) == {"batchItemFailures": []}
    status, mismatch = answer(invoke(documents, api_event("GET", f"/v1/documents/{declared['document']['id']}", key)))
    assert status == 200 and mismatch["status"] == "failed" and mismatch["error"]["code"] == "upload_mismatch"

    # A file that never came: once its URL has expired the sweeper runs the step, which ends the document.
    never = start_upload(documents, key, b"z" * 10, "text/plain", "never.txt")
    message = {"task_id": never["document"]["id"], "tenant": tenant, "kind": "document", "step": "extract"}
    assert invoke(worker, sqs_event(json.dumps(message))) == {"batchItemFailures": []}
    status, missing = answer(invoke(documents, api_event("GET", f"/v1/documents/{never['document']['id']}", key)))
    assert status == 200 and missing["status"] == "failed" and missing["error"]["code"] == "upload_missing"
    assert stored_keys(f"uploads/{tenant}/") == [] and stored_keys(f"documents/{tenant}/") == []
    assert document_service(get_settings()).index(tenant).search("Rance tidal power station", 3) == []

    # Failed documents are listed (so they can be seen and deleted), and deleting one removes it.
    _, listed = answer(invoke(documents, api_event("GET", "/v1/documents", key)))
    assert {d["status"] for d in listed["items"]} == {"failed"} and len(listed["items"]) == 3
    assert invoke(documents, api_event("DELETE", path, key))["statusCode"] == 204
    assert invoke(documents, api_event("GET", path, key))["statusCode"] == 404


def sqs_event(body: str) -> dict[str, Any]:
    """One tasks-queue message as the SQS event source hands it to the worker."""
    return {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": "handle",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:researcher-pro-local-TasksQueue",
                "awsRegion": "us-east-1",
            }
        ]
    }


def test_the_sample_events_start_an_upload_and_deliver_s3s_notice(stack: Stack) -> None:
    from tests.integration.test_sample_events import event, register_sample_key

    register_sample_key("sample-uploads")  # its own tenant: the research sample test counts the documents of "sample"
    status, started = answer(invoke(load_function("documents_api"), event("documents_api/start_upload.json")))
    assert status == 201 and started["document"]["status"] == "pending"
    assert started["upload"]["fields"]["key"] == upload_key("sample-uploads", started["document"]["id"])
    # The notice names a document that has no extraction waiting: the worker takes it and does nothing.
    assert invoke(load_function("task_worker"), event("task_worker/document_uploaded.json")) == {
        "batchItemFailures": []
    }
