"""Text out of the formats we read: HTML's main text (trafilatura), PDF (pypdf), DOCX (python-docx), and the
title Markdown gives itself. Shared by the page reader (pages from the web) and the documents room (files
people upload), so both read a format the same way.

Each library is imported where it is used: a function that never meets a PDF never loads pypdf.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from dataclasses import dataclass
from typing import Literal

Problem = Literal["encrypted", "corrupt"]
# A DOCX is a ZIP archive whose parts python-docx reads whole: one that would unpack to more than this is
# refused before it is opened (a few KB of deflated zeros can claim gigabytes).
MAX_DOCX_UNPACKED_BYTES = 256 * 1024 * 1024
DOCX_MAIN_PART = "word/document.xml"
_MARKDOWN_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)


class Unextractable(Exception):
    """A file whose text cannot be had: `problem` says why in a word, `detail` for a person."""

    def __init__(self, problem: Problem, detail: str) -> None:
        super().__init__(detail)
        self.problem = problem
        self.detail = detail


@dataclass(frozen=True)
class Extracted:
    """`title` as the file names itself ("" when it does not); `text` with paragraphs split by blank lines;
    for paginated formats, how many `pages` the file has and how many of them gave no text."""

    title: str
    text: str
    pages: int | None = None
    pages_without_text: int = 0


def parse_content_type(content_type: str | None) -> tuple[str, str | None]:
    """(media type, charset) of a Content-Type value, as pages and uploads declare them; the charset only when
    Python knows it."""
    if not content_type:
        return "", None
    kind, _, parameters = content_type.partition(";")
    charset = None
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            try:
                charset = codecs.lookup(value.strip().strip("\"'")).name
            except LookupError:
                charset = None
    return kind.strip().lower(), charset


def html_text(body: bytes | str, url: str | None = None) -> Extracted:
    """The main text of an HTML page, without navigation and boilerplate. Bytes are decoded as the page's own
    <meta> declaration says; give a str when a header has already named the charset."""
    # Imported here, not at the top: trafilatura brings lxml and date parsing, and only HTML needs them.
    import trafilatura

    try:
        document = trafilatura.bare_extraction(
            body, url=url, with_metadata=True, include_comments=False, include_tables=True
        )
    except Exception as error:  # markup from outside can break a parser in ways no list of exceptions foresees
        raise Unextractable("corrupt", f"the HTML could not be parsed: {type(error).__name__}: {error}") from error
    if document is None or isinstance(document, dict):  # a dict only when asked for one
        return Extracted("", "")
    # trafilatura puts each block (heading, paragraph, list item) on a line; passages are split on blank lines.
    text = "\n\n".join(line.strip() for line in (document.text or "").splitlines() if line.strip())
    return Extracted(document.title or "", text)


def pdf_text(body: bytes) -> Extracted:
    """Every page's text layer, a page to a paragraph block. A scanned page has no text layer: it counts
    in `pages_without_text`."""
    import pypdf

    try:
        reader = pypdf.PdfReader(io.BytesIO(body))
        # Many PDFs are encrypted with an empty password only to restrict printing or copying; those we can read.
        if reader.is_encrypted and reader.decrypt("") == pypdf.PasswordType.NOT_DECRYPTED:
            raise Unextractable("encrypted", "the PDF is encrypted with a password")
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
        title = reader.metadata.title if reader.metadata else None
    except Unextractable:
        raise
    except Exception as error:  # a corrupt PDF can break pypdf in any of its own ways
        raise Unextractable("corrupt", f"not a readable PDF: {type(error).__name__}: {error}") from error
    text = "\n\n".join(page for page in pages if page)
    return Extracted(str(title or ""), text, pages=len(pages), pages_without_text=sum(1 for p in pages if not p))


def docx_text(body: bytes) -> Extracted:
    """A Word document's body in reading order: each paragraph, and each table row as its cells joined by
    " | ". Headers, footers and comments are left out, as they are not what the document says."""
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            unpacked = sum(entry.file_size for entry in archive.infolist())
            has_body = DOCX_MAIN_PART in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise Unextractable("corrupt", f"not a readable DOCX (a damaged ZIP archive): {error}") from error
    if not has_body:
        raise Unextractable("corrupt", f"not a Word document: the archive has no {DOCX_MAIN_PART}")
    if unpacked > MAX_DOCX_UNPACKED_BYTES:
        raise Unextractable("corrupt", f"the DOCX would unpack to {unpacked} bytes; at most {MAX_DOCX_UNPACKED_BYTES}")
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(body))
        blocks: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                for row in block.rows:
                    cells = [" ".join(cell.text.split()) for cell in row.cells]
                    line = " | ".join(dict.fromkeys(c for c in cells if c))  # merged cells repeat their text
                    if line:
                        blocks.append(line)
            elif block.text.strip():
                blocks.append(block.text.strip())
        title = document.core_properties.title
    except Exception as error:  # damaged XML or parts can break python-docx in any of its own ways
        raise Unextractable("corrupt", f"not a readable DOCX: {type(error).__name__}: {error}") from error
    return Extracted(title or "", "\n\n".join(blocks))


def markdown_title(text: str) -> str:
    """The first level-one heading of a Markdown text ("" when it has none)."""
    heading = _MARKDOWN_HEADING.search(text)
    return heading.group(1) if heading else ""
