"""The tenant's own documents, searched when a research asks for `documents`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from researcher_pro.core.models import NON_SPACE, NOT_BLANK, TRIMMED, ErrorInfo, StrictInput, is_blank
from researcher_pro.documents.files import READ, DocumentKind

MAX_DOCUMENT_BYTES = 1_000_000
MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # files up to this go through a presigned upload
DocumentStatus = Literal["pending", "processing", "ready", "failed"]
Title = Annotated[str, StringConstraints(min_length=1, max_length=500, pattern=NOT_BLANK), TRIMMED]


class DocumentCreate(StrictInput):
    title: Title
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


def _never_null(schema: dict[str, Any]) -> None:
    """An optional form field is sent or not; it is never null."""
    schema.update(next(option for option in schema.pop("anyOf") if option.get("type") != "null"))
    schema.pop("default", None)


class DocumentForm(BaseModel):
    """The multipart/form-data form of `POST /v1/documents`: a file and, optionally, its title."""

    model_config = ConfigDict(extra="forbid")

    file: bytes = Field(description=f"The document: {READ}. Its kind is read from its bytes and content type")
    title: Title | None = Field(
        default=None,
        json_schema_extra=_never_null,
        description="Default: the title the file gives itself, or else its file name",
    )


class UploadRequest(StrictInput):
    """A file to send straight to storage, for files too large for the request body."""

    filename: Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=NOT_BLANK), TRIMMED]
    content_type: Annotated[
        str,
        StringConstraints(max_length=255, pattern=r"^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+$"),
        Field(description=f"The file's media type ({READ}; application/octet-stream lets its bytes decide)"),
    ]
    size: Annotated[int, Field(ge=1, le=MAX_UPLOAD_BYTES, description="The file's exact size in bytes")]
    title: Title | None = None


class Document(BaseModel):
    id: str
    title: str
    source_url: str | None = None
    size_bytes: int = Field(description="The size of what was sent: the file, or the text as UTF-8")
    created_at: str
    status: DocumentStatus = Field(
        default="ready",
        description="pending: waiting for its upload; processing: its text is being extracted; ready: searched "
        "by research; failed: see `error`",
    )
    kind: DocumentKind | None = Field(
        default=None, description="What the file is, from its bytes and content type (`text` for text sent as JSON)"
    )
    filename: str | None = None
    chars: int | None = Field(default=None, description="Characters of text extracted (once ready)")
    pages: int | None = Field(default=None, description="Pages of a PDF")
    warnings: list[str] = Field(default=[], description="What extraction could not do fully")
    error: ErrorInfo | None = Field(default=None, description="Why the document failed")


class DocumentWithText(Document):
    text: str


class UploadForm(BaseModel):
    """Where and how to send the file: a POST of `multipart/form-data` to `url` with every one of `fields`,
    then the file as the last field, `file`. S3 takes only the size and content type that were declared."""

    url: str
    method: Literal["POST"] = "POST"
    fields: dict[str, str]
    expires_at: str


class DocumentUpload(BaseModel):
    """A document waiting for its file (`pending`); once the file is in storage its text is extracted."""

    document: Document
    upload: UploadForm
