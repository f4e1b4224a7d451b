"""Documents people have, as files, through the local cloud: a PDF sent in the request and a DOCX sent through a
presigned upload (S3's event reaching the worker through the EventBridge rule the template declares) become
documents that offline research finds, each for the sentence only it contains."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tests.fakes.docx import build_docx
from tests.fakes.pdf import build_pdf, build_scanned_pdf
from tests.harness import Cloud

pytestmark = pytest.mark.e2e

PDF_ONLY = "The Rance estuary barrage turns tidal currents into electricity for Brittany."
DOCX_ONLY = "Lardarello's geothermal wells have fed Tuscany's grid with steam power since 1913."


def wait_until_done(http: httpx.Client, document_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        document = dict(http.get(f"/v1/documents/{document_id}").json())
        if document["status"] in ("ready", "failed") or time.monotonic() > deadline:
            return document
        time.sleep(0.2)


def research_sources(cloud: Cloud, http: httpx.Client, query: str) -> list[dict[str, Any]]:
    started = cloud.start({"query": query, "depth": "quick", "sources": ["documents"]}, http=http)
    research = cloud.wait(started["id"], http=http)
    assert research["status"] == "succeeded", research
    return list(research["sources"])


def test_a_pdf_and_a_docx_become_documents_research_finds(offline_cloud: Cloud) -> None:
    http = offline_cloud.client(offline_cloud.create_key("file-owner"))
    pdf = build_pdf("Tidal energy in France", [PDF_ONLY, "Tidal range along this coast exceeds twelve metres."])
    sent = http.post("/v1/documents", files={"file": ("tidal.pdf", pdf, "application/pdf")})
    assert sent.status_code == 201, sent.text
    from_pdf = sent.json()
    assert (from_pdf["status"], from_pdf["kind"], from_pdf["pages"]) == ("ready", "pdf", 1)

    docx = build_docx("Geothermal in Italy", [DOCX_ONLY, "Drilling reaches depths of three kilometres."])
    started = http.post(
        "/v1/documents/uploads",
        json={"filename": "geothermal.docx", "content_type": "application/octet-stream", "size": len(docx)},
    )
    assert started.status_code == 201, started.text
    upload = started.json()["upload"]
    stored = httpx.post(upload["url"], data=upload["fields"], files={"file": ("geothermal.docx", docx)})
    assert stored.status_code in (200, 201, 204), stored.text
    from_docx = wait_until_done(http, started.json()["document"]["id"])
    assert (from_docx["status"], from_docx["kind"], from_docx["title"]) == ("ready", "docx", "Geothermal in Italy")
    assert DOCX_ONLY in from_docx["text"]

    listed = {d["id"]: d for d in http.get("/v1/documents").json()["items"]}
    assert listed[from_pdf["id"]]["chars"] == from_pdf["chars"] and listed[from_docx["id"]]["kind"] == "docx"

    tidal = research_sources(offline_cloud, http, "Which estuary barrage turns tidal currents into electricity?")
    assert tidal[0]["url"] == f"/v1/documents/{from_pdf['id']}" and tidal[0]["title"] == "Tidal energy in France"
    assert "Rance estuary barrage" in tidal[0]["snippet"]
    steam = research_sources(offline_cloud, http, "Since when have geothermal wells fed Tuscany's grid?")
    assert steam[0]["url"] == f"/v1/documents/{from_docx['id']}" and "Lardarello" in steam[0]["snippet"]


def test_files_that_cannot_be_read_are_refused_clearly_and_kept_nowhere(offline_cloud: Cloud) -> None:
    http = offline_cloud.client(offline_cloud.create_key("scanner"))
    scanned = http.post("/v1/documents", files={"file": ("scan.pdf", build_scanned_pdf(2), "application/pdf")})
    assert scanned.status_code == 422 and scanned.headers["content-type"] == "application/problem+json"
    assert scanned.json()["type"] == "/problems/no_text_layer" and "OCR" in scanned.json()["detail"]

    # The same scan through storage: the document fails with the reason, and is never searched.
    pdf = build_scanned_pdf(2)
    started = http.post(
        "/v1/documents/uploads", json={"filename": "scan.pdf", "content_type": "application/pdf", "size": len(pdf)}
    ).json()
    upload = started["upload"]
    httpx.post(upload["url"], data=upload["fields"], files={"file": ("scan.pdf", pdf, "application/pdf")})
    failed = wait_until_done(http, started["document"]["id"])
    assert failed["status"] == "failed" and failed["error"]["code"] == "no_text_layer"
    assert [d["status"] for d in http.get("/v1/documents").json()["items"]] == ["failed"]
