"""`rp docs add|list|rm`: the documents research reads when `--sources documents`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from researcher_pro_client.cli.output import Output
from researcher_pro_client.cli.usage import UsageError
from researcher_pro_client.client import Client
from researcher_pro_client.errors import APIError, DocumentFailed
from researcher_pro_client.models import Document

SUFFIXES = {".txt", ".text", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"}
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
        if suffix not in SUFFIXES:
            raise UsageError(f"{path}: cannot add {suffix or 'files without a suffix'} (txt, md, html, pdf, docx)")
        if not path.is_file():
            raise UsageError(f"{path}: no such file")
    status = 0
    for path in args.files:
        try:
            # The server reads each file's kind and text; large ones go through storage, and this waits for them.
            document = rp.documents.upload(path, args.title)
        except (APIError, DocumentFailed) as refused:
            # The other files still go in; the exit status says one did not.
            out.error(f"{path}: {refused}")
            status = API_ERROR
            continue
        out.line(f"{document.id}\t{document.title}\t{_extracted(document)}")
    return status


def list_documents(rp: Client, out: Output, args: argparse.Namespace) -> int:
    page = rp.documents.list(limit=args.limit)
    if args.json:
        out.json(page)
    else:
        rows = [
            (
                d.id,
                d.title,
                d.status,
                d.kind or "",
                _number(d.chars),
                _number(d.pages),
                d.created_at[:19].replace("T", " "),
            )
            for d in page.items
        ]
        out.table(["id", "title", "status", "kind", "chars", "pages", "added (UTC)"], rows)
    return 0


def remove_documents(rp: Client, out: Output, args: argparse.Namespace) -> int:
    for document_id in args.ids:
        rp.documents.delete(document_id)
        out.note(f"deleted {document_id}")
    return 0


def _extracted(document: Document) -> str:
    pages = f", {document.pages} pages" if document.pages else ""
    warnings = f" ({'; '.join(document.warnings)})" if document.warnings else ""
    return f"{document.kind or 'document'}, {_number(document.chars)} characters{pages}{warnings}"


def _number(value: int | None) -> str:
    return "" if value is None else str(value)
