"""`rp docs add|list|rm`: the documents research reads when `--sources documents`."""

from __future__ import annotations

import argparse
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from researcher_pro_client.cli.output import Output
from researcher_pro_client.cli.usage import UsageError
from researcher_pro_client.client import Client
from researcher_pro_client.errors import APIError

# Sent as text in a JSON body; the others as files, for the server to extract.
TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
FILE_SUFFIXES = {".pdf", ".docx"}
API_ERROR = 3


def add_commands(commands: Any) -> None:
    docs = commands.add_parser("docs", help="your documents").add_subparsers(dest="docs_command", required=True)
    add = docs.add_parser("add", help="add files (txt, md, html, pdf, docx)")
    add.add_argument("files", nargs="+", type=Path, metavar="FILE")
    add.add_argument("--title", help="the title (one file only; default: the file name)")
    add.set_defaults(run=add_documents)
    listing = docs.add_parser("list", help="your documents, newest first")
    listing.add_argument("--limit", type=int, default=20)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=list_documents)
    remove = docs.add_parser("rm", help="delete documents")
    remove.add_argument("ids", nargs="+", metavar="ID")
    remove.set_defaults(run=remove_documents)


def add_documents(rp: Client, out: Output, args: argparse.Namespace) -> int:
    if args.title and len(args.files) > 1:
        raise UsageError("--title names one file; give one file with it")
    for path in args.files:
        suffix = path.suffix.lower()
        if suffix not in TEXT_SUFFIXES | HTML_SUFFIXES | FILE_SUFFIXES:
            raise UsageError(f"{path}: cannot add {suffix or 'files without a suffix'} (txt, md, html, pdf, docx)")
        if not path.is_file():
            raise UsageError(f"{path}: no such file")
    status = 0
    for path in args.files:
        title = args.title or path.stem
        try:
            if path.suffix.lower() in FILE_SUFFIXES:
                document = rp.documents.upload(path, title=title)
            else:
                document = rp.documents.create(title, _text_of(path))
        except APIError as refused:
            # The other files still go in; the exit status says one did not.
            hint = ""
            if path.suffix.lower() in FILE_SUFFIXES and refused.status in {415, 422}:
                hint = "this server may not accept file uploads yet: "
            out.error(f"{path}: {hint}{refused}")
            status = API_ERROR
            continue
        out.line(f"{document.id}\t{document.title}")
    return status


def list_documents(rp: Client, out: Output, args: argparse.Namespace) -> int:
    page = rp.documents.list(limit=args.limit)
    if args.json:
        out.json(page)
    else:
        rows = [(d.id, d.title, d.size_bytes, d.created_at[:19].replace("T", " ")) for d in page.items]
        out.table(["id", "title", "bytes", "added (UTC)"], rows)
    return 0


def remove_documents(rp: Client, out: Output, args: argparse.Namespace) -> int:
    for document_id in args.ids:
        rp.documents.delete(document_id)
        out.note(f"deleted {document_id}")
    return 0


def _text_of(path: Path) -> str:
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text") from None
    text = html_text(raw) if path.suffix.lower() in HTML_SUFFIXES else raw
    if not text.strip():
        raise UsageError(f"{path}: has no text")
    return text


class _TextOnly(HTMLParser):
    BLOCKS = frozenset({"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article"})
    SKIPPED = frozenset({"script", "style", "noscript", "template", "head"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIPPED:
            self._skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIPPED and self._skipping:
            self._skipping -= 1
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_text(html: str) -> str:
    """The readable text of an HTML page, one paragraph per block (the API takes text, not markup)."""
    parser = _TextOnly()
    parser.feed(html)
    parser.close()
    paragraphs = (" ".join(block.split()) for block in "".join(parser.parts).split("\n\n"))
    return "\n\n".join(p for p in paragraphs if p)
