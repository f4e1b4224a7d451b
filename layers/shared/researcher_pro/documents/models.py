"""The tenant's own documents, searched when a research asks for `documents`."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, field_validator

from researcher_pro.core.models import NON_SPACE, NOT_BLANK, TRIMMED, StrictInput, is_blank

MAX_DOCUMENT_BYTES = 1_000_000


class DocumentCreate(StrictInput):
    title: Annotated[str, StringConstraints(min_length=1, max_length=500, pattern=NOT_BLANK), TRIMMED]
    text: Annotated[
        str,
        StringConstraints(min_length=1),
        Field(
            # The limit is in bytes, which JSON Schema cannot count; maxLength is the bound it implies.
            json_schema_extra={"maxLength": MAX_DOCUMENT_BYTES, "pattern": NOT_BLANK},
            description=f"At most {MAX_DOCUMENT_BYTES} bytes as UTF-8 (a character takes 1 to 4), not blank",
        ),
    ]
    source_url: Annotated[str, StringConstraints(max_length=2048, pattern=f"^https?://{NON_SPACE}+$")] | None = None

    @field_validator("text")
    @classmethod
    def _at_most_one_megabyte(cls, value: str) -> str:
        if is_blank(value):
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
