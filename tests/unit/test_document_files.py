"""Files as documents: the kind each one is (from its bytes and content type), its text, and the clear refusal
of what cannot be read. The files are real ones, written by pypdf, python-docx and zipfile."""

from __future__ import annotations

import base64
import io
import json

import httpx
import pypdf
import pytest
from researcher_pro.core.config import BOUNDS, Settings
from researcher_pro.documents.files import DOCX_TYPE, FileRefused, detect_kind, read_file
from researcher_pro.documents.router import body_limit
from researcher_pro.documents.uploads import landed_upload, upload_key

from tests.fakes.docx import build_docx, build_zip_not_docx
from tests.fakes.pdf import build_pdf, build_scanned_pdf, encrypt_pdf

PDF_SENTENCE = "The tidal barrage at La Rance has generated electricity since 1966."
DOCX_SENTENCE = "Our board approved the geothermal drilling programme in March."


def refusal(content: bytes, content_type: str | None = None, filename: str | None = None) -> FileRefused:
    with pytest.raises(FileRefused) as refused:
        read_file(content, content_type, filename)
    return refused.value


def test_a_pdf_gives_its_text_pages_and_title_whatever_it_was_sent_as() -> None:
    pdf = build_pdf("Tidal power", [PDF_SENTENCE, "Second paragraph."])
    for content_type in ("application/pdf", "application/octet-stream", None):
        document = read_file(pdf, content_type, "anything.bin")
        assert document.kind == "pdf" and document.pages == 1 and document.title == "Tidal power"
        assert PDF_SENTENCE in document.text and document.warnings == []
    # Sent as text, a PDF is still a PDF (its bytes say so), and the document says what happened.
    sent_as_text = read_file(pdf, "text/plain", "notes.txt")
    assert sent_as_text.kind == "pdf" and "read as a PDF" in sent_as_text.warnings[0]


def test_a_docx_gives_its_paragraphs_and_table_rows_in_order() -> None:
    content = build_docx("Board minutes", [DOCX_SENTENCE], table=[["Site", "Depth"], ["Lardarello", "3 km"]])
    document = read_file(content, "application/octet-stream", "minutes.docx")
    assert document.kind == "docx" and document.title == "Board minutes" and document.pages is None
    assert document.text.split("\n\n") == ["Board minutes", DOCX_SENTENCE, "Site | Depth", "Lardarello | 3 km"]


def test_html_keeps_its_main_text_and_markdown_and_text_are_read_as_they_are() -> None:
    page = (
        b"<!DOCTYPE html><html><head><title>Solar</title><style>p{}</style></head><body><nav>Home | About</nav>"
        b"<article><p>Solar &amp; wind supplied a third of the grid's power last year, the operator said.</p>"
        b"</article><script>track()</script></body></html>"
    )
    html = read_file(page, None, "page")  # no content type, no suffix: its start says HTML
    assert html.kind == "html" and html.title == "Solar"
    assert "Solar & wind supplied a third" in html.text and "track()" not in html.text
    markdown = read_file(b"# Geothermal\n\nHeat from below.", "application/octet-stream", "notes.md")
    assert (markdown.kind, markdown.title, markdown.text) == (
        "markdown",
        "Geothermal",
        "# Geothermal\n\nHeat from below.",
    )
    assert read_file(b"a,b\n1,2\n", "text/csv", "values.csv").kind == "text"
    western = read_file("Caf\u00e9 cr\u00e8me".encode("cp1252"), "text/plain", "menu.txt")
    assert western.text == "Caf\u00e9 cr\u00e8me" and "not UTF-8" in western.warnings[0]
    assert read_file("Grüße".encode("utf-16"), "text/plain", "x.txt").text == "Grüße"


def test_a_pdf_without_a_text_layer_is_refused_with_a_clear_reason() -> None:
    refused = refusal(build_scanned_pdf(3), "application/pdf", "scan.pdf")
    assert (refused.status, refused.code) == (422, "no_text_layer")
    assert "3 page(s) have no text layer" in refused.detail and "OCR" in refused.detail


def test_a_pdf_with_some_scanned_pages_is_read_and_says_which_part_is_missing() -> None:
    writer = pypdf.PdfWriter()
    writer.append(io.BytesIO(build_pdf("Tidal power", [PDF_SENTENCE])))
    writer.append(io.BytesIO(build_scanned_pdf(2)))
    out = io.BytesIO()
    writer.write(out)
    document = read_file(out.getvalue(), "application/pdf", "mixed.pdf")
    assert document.pages == 3 and PDF_SENTENCE in document.text
    assert document.warnings == ["2 of 3 pages have no text layer (scanned images?); what they show cannot be searched"]


@pytest.mark.parametrize(
    ("content", "content_type", "filename", "status", "code", "says"),
    [
        (
            encrypt_pdf(build_pdf("Secret", [PDF_SENTENCE])),
            "application/pdf",
            "s.pdf",
            422,
            "encrypted_file",
            "password",
        ),
        (
            b"%PDF-1.7\n1 0 obj << /Type /Catalog",
            "application/pdf",
            "cut.pdf",
            422,
            "corrupt_file",
            "not a readable PDF",
        ),
        (b"just some text", "application/pdf", "fake.pdf", 422, "corrupt_file", "no %PDF- header"),
        (build_zip_not_docx(), DOCX_TYPE, "report.docx", 415, "unsupported_file", "not a Word document"),
        (b"PK\x03\x04 damaged", DOCX_TYPE, "broken.docx", 422, "corrupt_file", "damaged ZIP"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,
            "application/msword",
            "old.doc",
            415,
            "unsupported_file",
            "application/msword",
        ),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le"),
            "application/octet-stream",
            "locked.docx",
            422,
            "encrypted_file",
            "password-protected",
        ),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, None, "old.doc", 415, "unsupported_file", "97-2003"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, "application/octet-stream", "photo", 415, "unsupported_file", "PNG"),
        (b"\x00\x01\x02binary", "application/octet-stream", "blob", 415, "unsupported_file", "binary data"),
        (b"hello", "image/png", "photo.png", 415, "unsupported_file", "image/png is not"),
        (b"   \n\t ", "text/plain", "blank.txt", 422, "no_text", "no text"),
        (b"<html><body><script>x()</script></body></html>", "text/html", "empty.html", 422, "no_text", "HTML"),
        (build_docx("", []), DOCX_TYPE, "empty.docx", 422, "no_text", "Word document"),
    ],
)
def test_what_cannot_be_read_is_refused_naming_the_problem(
    content: bytes, content_type: str | None, filename: str, status: int, code: str, says: str
) -> None:
    refused = refusal(content, content_type, filename)
    assert (refused.status, refused.code) == (status, code), refused.detail
    assert says in refused.detail


def test_the_kind_comes_from_bytes_and_content_type_and_the_name_only_tells_text_kinds_apart() -> None:
    pdf = build_pdf("T", ["x"])
    assert detect_kind(pdf, "application/octet-stream", "report.txt") == ("pdf", [])
    assert detect_kind(b"# Title", "text/plain", "notes.md")[0] == "text"  # a content type that names a kind wins
    assert detect_kind(b"# Title", None, "notes.md")[0] == "markdown"
    assert detect_kind(b"plain words", None, "page.html")[0] == "html"
    assert detect_kind(b"  <html><p>x</p></html>", "application/octet-stream", None)[0] == "html"
    assert detect_kind(b"plain words", "text/plain; charset=utf-8", None)[0] == "text"


def test_the_largest_file_the_api_takes_fits_in_one_lambda_invocation() -> None:
    """API Gateway hands Lambda the request as one JSON event, a binary body base64-encoded in it, and Lambda
    refuses events over 6 MiB (6 291 456 bytes). The largest multipart body the documents API takes (the file
    at its bound, a long file name, the longest title), with 10 KB of headers (API Gateway's own limit on
    them), must fit."""
    largest = int(BOUNDS["document_upload_max_bytes"][1])
    assert Settings().document_upload_max_bytes <= largest
    request = httpx.Request(
        "POST",
        "https://api.example.com/v1/documents",
        files={"file": ("x" * 250 + ".pdf", b"\xff" * largest, "application/pdf")},
        data={"title": "\U0001f4c4" * 500},
    )
    body = request.read()
    assert len(body) <= body_limit(Settings().max_body_bytes, largest)
    event = {
        "version": "2.0",
        "routeKey": "ANY /v1/documents",
        "rawPath": "/v1/documents",
        "rawQueryString": "",
        "headers": {"content-type": request.headers["content-type"], "x-padding": "h" * 10_240},
        "requestContext": {"http": {"method": "POST", "path": "/v1/documents", "sourceIp": "203.0.113.10"}}
        | {"accountId": "123456789012", "requestId": "r" * 36, "time": "30/Nov/2026:10:00:00 +0000"},
        "isBase64Encoded": True,
        "body": base64.b64encode(body).decode(),
    }
    size = len(json.dumps(event).encode())
    print(f"largest documents request as a Lambda event: {size} bytes")
    assert size < 6 * 1024 * 1024 - 256 * 1024  # with room to spare


def test_s3s_event_for_an_uploaded_file_becomes_its_extraction_step() -> None:
    key = upload_key("acme", "doc_" + "a" * 32)
    event = {"source": "aws.s3", "detail-type": "Object Created", "detail": {"object": {"key": key, "size": 9}}}
    message = landed_upload(json.dumps(event))
    assert message is not None
    assert (message.task_id, message.tenant, message.kind, message.step) == (
        "doc_" + "a" * 32,
        "acme",
        "document",
        "extract",
    )
    for other in (
        {**event, "detail-type": "Object Deleted"},
        {**event, "detail": {"object": {"key": "uploads/acme/../other"}}},
        {"task_id": "doc_x", "tenant": "acme", "kind": "document", "step": "extract"},
    ):
        assert landed_upload(json.dumps(other)) is None
    assert landed_upload("not json") is None
