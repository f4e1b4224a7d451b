"""Word documents for tests, written by python-docx (the library the service reads them with)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence


def build_docx(title: str, paragraphs: Sequence[str], table: Sequence[Sequence[str]] = ()) -> bytes:
    """A DOCX with `title` as its heading and its core title, then `paragraphs`, then `table` (rows of cells)."""
    import docx

    document = docx.Document()
    document.core_properties.title = title
    document.add_heading(title, level=1)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for row, cells in zip(grid.rows, table, strict=True):
            for cell, text in zip(row.cells, cells, strict=True):
                cell.text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def build_zip_not_docx() -> bytes:
    """A ZIP archive of plain files: what a `.docx` name on some other archive looks like inside."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "Not a Word document.")
        archive.writestr("data/values.csv", "a,b\n1,2\n")
    return out.getvalue()
