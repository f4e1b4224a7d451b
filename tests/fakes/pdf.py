"""A minimal PDF 1.4 writer, so the stand-in web can serve a real PDF without a binary fixture.

Pages of left-aligned text in the standard Helvetica font (no embedding), each page's content stream
Flate-compressed as real PDFs usually are, with a cross-reference table and an Info dictionary (Title).
Lines are wrapped at spaces only, never hyphenated, so every sentence survives text extraction with its
words intact (a line break becomes whitespace). Text must be Latin-1 (WinAnsi) encodable.
"""

from __future__ import annotations

import textwrap
import zlib
from collections.abc import Sequence

PAGE_WIDTH, PAGE_HEIGHT = 612, 792  # US Letter, in points
MARGIN = 72
FONT_SIZE = 11
LEADING = 15
TITLE_SIZE = 16
CHARS_PER_LINE = 90  # Helvetica at 11 pt averages ~5 pt a character over 468 pt of text width
LINES_PER_PAGE = (PAGE_HEIGHT - 2 * MARGIN) // LEADING - 2


def _escape(text: str) -> bytes:
    raw = text.encode("latin-1")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _lines(paragraphs: Sequence[str]) -> list[str]:
    lines: list[str] = []
    for paragraph in paragraphs:
        lines.extend(textwrap.wrap(paragraph, CHARS_PER_LINE, break_long_words=False, break_on_hyphens=False))
        lines.append("")
    return lines


def _page_stream(title: str | None, lines: Sequence[str]) -> bytes:
    ops = [b"BT", f"{MARGIN} {PAGE_HEIGHT - MARGIN} Td".encode()]
    if title:
        ops += [f"/F2 {TITLE_SIZE} Tf".encode(), b"(" + _escape(title) + b") Tj", f"0 -{LEADING * 2} Td".encode()]
    ops += [f"/F1 {FONT_SIZE} Tf".encode(), f"{LEADING} TL".encode()]
    for line in lines:
        ops.append(b"(" + _escape(line) + b") Tj T*" if line else b"T*")
    ops.append(b"ET")
    return b"\n".join(ops)


def build_pdf(title: str, paragraphs: Sequence[str]) -> bytes:
    """A PDF whose pages hold `title` (as a heading on the first page, and as the document's Title) and
    `paragraphs`, in order."""
    lines = _lines(paragraphs)
    chunks = [lines[i : i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)] or [[]]
    # Objects: 1 catalog, 2 page tree, 3 body font, 4 heading font, 5 info, then (page, contents) pairs.
    first_page = 6
    kids = " ".join(f"{first_page + 2 * i} 0 R" for i in range(len(chunks)))
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(chunks)} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Title (" + _escape(title) + b") /Producer (stand-in web) >>",
    ]
    for i, chunk in enumerate(chunks):
        contents = zlib.compress(_page_stream(title if i == 0 else None, chunk))
        page = (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] "
            f"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {first_page + 2 * i + 1} 0 R >>"
        )
        objects.append(page.encode())
        objects.append(
            f"<< /Length {len(contents)} /Filter /FlateDecode >>\nstream\n".encode() + contents + b"\nendstream"
        )
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def build_scanned_pdf(pages: int = 2) -> bytes:
    """A PDF as a scanner makes it: every page one image (an 8x8 grey square), and no text layer."""
    image = bytes(range(0, 256, 4))  # 64 grey levels: 8x8 pixels, 8 bits each
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, once the pages are numbered
        b"<< /Type /XObject /Subtype /Image /Width 8 /Height 8 /ColorSpace /DeviceGray /BitsPerComponent 8 "
        + f"/Length {len(image)} >>\nstream\n".encode()
        + image
        + b"\nendstream",
    ]
    kids = []
    for _ in range(pages):
        draw = f"q {PAGE_WIDTH - 2 * MARGIN} 0 0 {PAGE_HEIGHT - 2 * MARGIN} {MARGIN} {MARGIN} cm /Scan Do Q".encode()
        objects.append(f"<< /Length {len(draw)} >>\nstream\n".encode() + draw + b"\nendstream")
        contents = len(objects)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] "
            f"/Resources << /XObject << /Scan 3 0 R >> >> /Contents {contents} 0 R >>".encode()
        )
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {pages} >>".encode()
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def encrypt_pdf(pdf: bytes, password: str = "correct horse") -> bytes:
    """`pdf` protected with a user password, as pypdf (a real PDF library) writes it."""
    import io

    import pypdf

    writer = pypdf.PdfWriter(clone_from=io.BytesIO(pdf))
    writer.encrypt(user_password=password, owner_password=password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
