"""Files as the documents API takes them: a name, the bytes and a media type."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import BinaryIO

MEDIA_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".html": "text/html",
    ".htm": "text/html",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".txt": "text/plain",
}

FileInput = str | Path | bytes | BinaryIO
# The most any server takes in a request body (its RP_DOCUMENT_UPLOAD_MAX_BYTES is at most this); larger files
# go through a presigned upload.
MULTIPART_MAX_BYTES = 4 * 1024 * 1024


def media_type_of(filename: str) -> str:
    suffix = Path(filename).suffix.lower()
    return MEDIA_TYPES.get(suffix) or mimetypes.guess_type(filename)[0] or "application/octet-stream"


def file_part(file: FileInput, filename: str | None = None, media_type: str | None = None) -> tuple[str, bytes, str]:
    if isinstance(file, str | Path):
        path = Path(file)
        content, name = path.read_bytes(), filename or path.name
    elif isinstance(file, bytes):
        content, name = file, filename or "document"
    else:
        content = file.read()
        name = filename or Path(str(getattr(file, "name", "document"))).name
    return name, content, media_type or media_type_of(name)
