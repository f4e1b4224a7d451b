"""Files people upload as documents: what kind each one is, and its text.

The kind is decided from the file's own first bytes (magic numbers) and the content type it was sent with;
a file name only tells Markdown from plain text, and HTML from text, when the content type does not. A
binary format we read (PDF, DOCX) is known by its bytes whatever it was sent as; a file sent as PDF or DOCX
whose bytes are not one is refused, as is every binary format we do not read.

A file we cannot read is refused with FileRefused, whose status and code become the problem the API
answers (or the reason an upload's document failed): nothing of it is kept.
"""

from __future__ import annotations

import codecs
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Literal

from researcher_pro.core.errors import DomainError
from researcher_pro.providers.extract import (
    DOCX_MAIN_PART,
    Extracted,
    Unextractable,
    docx_text,
    html_text,
    markdown_title,
    parse_content_type,
    pdf_text,
)

DocumentKind = Literal["pdf", "docx", "html", "markdown", "text"]
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Content types a document may be sent as: each names a kind, or none (the bytes decide).
CONTENT_TYPES: dict[str, DocumentKind | None] = {
    "application/pdf": "pdf",
    DOCX_TYPE: "docx",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
    "text/plain": "text",
    "application/octet-stream": None,
    "binary/octet-stream": None,
}
SUFFIXES: dict[str, DocumentKind] = {
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
}
NAMES = {"pdf": "a PDF", "docx": "a Word document (DOCX)", "html": "HTML", "markdown": "Markdown", "text": "text"}
READ = "PDF, DOCX, HTML, Markdown or plain text"
# Extracted text past this is cut (and the document says so): a document's passages are indexed in memory.
MAX_TEXT_CHARS = 5_000_000
SNIFF_BYTES = 8192
PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Office 97-2003 files, and password-protected Office files
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")  # the stream an encrypted DOCX keeps its body in
OTHER_FORMATS = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\x1f\x8b", "gzip data"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"{\\rtf", "an RTF document"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a program"),
)
_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<?xml version")


class FileRefused(DomainError):
    """A file we do not take: 415 for a kind we do not read, 422 for one we cannot (encrypted, damaged,
    no text), 413 for one too large to send this way. `code` names the problem."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.title = {413: "Payload too large", 415: "Unsupported media type"}.get(status, "Unreadable file")


def unsupported(detail: str) -> FileRefused:
    return FileRefused(415, "unsupported_file", f"{detail}; documents are {READ}")


@dataclass(frozen=True)
class DocumentFile:
    """A file read as a document: its kind, its text, the title it gives itself ("" when none)."""

    kind: DocumentKind
    title: str
    text: str
    pages: int | None = None
    warnings: list[str] = field(default_factory=list)


def accepted_content_type(content_type: str) -> bool:
    """Whether a document may be sent as `content_type`: the types above, and any other text/* as text."""
    kind = parse_content_type(content_type)[0]
    return kind in CONTENT_TYPES or kind.startswith("text/")


def detect_kind(content: bytes, content_type: str | None, filename: str | None) -> tuple[DocumentKind, list[str]]:
    """The kind of document `content` is, and warnings when what it was sent as differs; FileRefused when
    it is not one we read."""
    declared_type, _ = parse_content_type(content_type)
    if declared_type and not accepted_content_type(declared_type):
        raise unsupported(f"{declared_type} is not a kind of document we read")
    declared = CONTENT_TYPES.get(declared_type, "text" if declared_type.startswith("text/") else None)
    sniffed = _binary_kind(content)
    if sniffed:
        warnings = []
        if declared and declared != sniffed:
            warnings.append(f"sent as {declared_type}, but its bytes are {NAMES[sniffed]}; read as {NAMES[sniffed]}")
        return sniffed, warnings
    if declared == "pdf":
        raise FileRefused(422, "corrupt_file", "sent as a PDF, but it does not start as one (no %PDF- header)")
    if declared == "docx":
        raise FileRefused(422, "corrupt_file", "sent as a DOCX, but it is not a ZIP archive as every DOCX is")
    head = content[:SNIFF_BYTES]
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise unsupported("binary data, not text")
    if declared:
        return declared, []
    suffix = PurePosixPath(filename or "").suffix.lower()
    if suffix in SUFFIXES:
        return SUFFIXES[suffix], []
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return ("html" if start.startswith(_HTML_STARTS) else "text"), []


def _binary_kind(content: bytes) -> DocumentKind | None:
    """PDF or DOCX by their bytes; None for text; FileRefused for any other binary format we recognise."""
    # A PDF's header may follow a little junk: readers look for it in the first 1024 bytes.
    if PDF_MAGIC in content[:1024]:
        return "pdf"
    if content.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            raise FileRefused(422, "corrupt_file", "a damaged ZIP archive (every DOCX is one)") from None
        if DOCX_MAIN_PART not in names:
            raise unsupported(f"a ZIP archive that is not a Word document (it has no {DOCX_MAIN_PART})")
        return "docx"
    if content.startswith(OLE_MAGIC):
        if ENCRYPTED_PACKAGE in content:
            raise FileRefused(
                422, "encrypted_file", "a password-protected Office document: remove its password and send it again"
            )
        raise unsupported("an Office 97-2003 file (such as .doc): save it as .docx or PDF")
    for magic, name in OTHER_FORMATS:
        if content.startswith(magic):
            raise unsupported(f"{name} is not a document we read")
    return None


def read_file(content: bytes, content_type: str | None, filename: str | None) -> DocumentFile:
    """The document in a file: its kind and text. FileRefused when it has none we can read."""
    kind, warnings = detect_kind(content, content_type, filename)
    _, charset = parse_content_type(content_type)
    try:
        if kind == "pdf":
            extracted = pdf_text(content)
        elif kind == "docx":
            extracted = docx_text(content)
        elif kind == "html":
            extracted = html_text(_decode(content, charset, warnings) if charset else content)
        else:
            text = _decode(content, charset, warnings)
            extracted = Extracted(markdown_title(text) if kind == "markdown" else "", text)
    except Unextractable as error:
        if error.problem == "encrypted":
            detail = f"{error.detail}: remove the password and send it again"
            raise FileRefused(422, "encrypted_file", detail) from error
        raise FileRefused(422, "corrupt_file", error.detail) from error
    text = extracted.text.strip()
    if kind == "pdf" and not text:
        raise FileRefused(
            422,
            "no_text_layer",
            f"the PDF's {extracted.pages} page(s) have no text layer (scanned images?): run OCR on it "
            "(ocrmypdf, for example) and send the result",
        )
    if not text:
        raise FileRefused(422, "no_text", f"no text could be extracted from the {NAMES[kind]} file")
    if extracted.pages_without_text:
        warnings.append(
            f"{extracted.pages_without_text} of {extracted.pages} pages have no text layer (scanned images?); "
            "what they show cannot be searched"
        )
    if len(text) > MAX_TEXT_CHARS:
        text = text[:MAX_TEXT_CHARS]
        warnings.append(f"the text was cut at {MAX_TEXT_CHARS} characters")
    return DocumentFile(kind, extracted.title.strip(), text, extracted.pages, warnings)


def _decode(content: bytes, charset: str | None, warnings: list[str]) -> str:
    """Text as its byte-order mark, then its content type, say; UTF-8 when neither does, and Windows-1252
    (with a warning) when it is not UTF-8 either: old text files in Western languages mostly are."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if content.startswith(bom):
            return content.decode(encoding, errors="replace")
    for encoding in (charset or "utf-8", "utf-8"):
        try:
            return content.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    warnings.append("the file is not UTF-8: it was read as Windows-1252")
    return content.decode("cp1252", errors="replace")
