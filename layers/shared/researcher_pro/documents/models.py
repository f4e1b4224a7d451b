"""The tenant's own documents, searched when a research asks for `documents`."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, StringConstraints, field_validator

from researcher_pro.core.models import StrictInput

MAX_DOCUMENT_BYTES = 1_000_000


class DocumentCreate(StrictInput):
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    text: Annotated[str, StringConstraints(min_length=1)]
    source_url: Annotated[str, StringConstraints(max_length=2048, pattern=r"^https?://\S+$")] | None = None

    @field_validator("text")
    @classmethod
    def _at_most_one_megabyte(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text must not be blank")
        if len(value.encode("utf-8")) > MAX_DOCUMENT_BYTES:
            raise ValueError(f"text must be at most {MAX_DOCUMENT_BYTES} bytes of UTF-8")
        return value


class Document(BaseModel):
    id: str
    title: str
    source_url: str | None = None
    size_bytes: int
    created_at: str


class DocumentWithText(Document):
    text: str
