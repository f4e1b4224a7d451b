"""`rp report` and `rp analyse`: what is made from a text or a finished research."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.status import Status

from researcher_pro_client.cli.output import Output
from researcher_pro_client.cli.usage import UsageError, csv_list
from researcher_pro_client.client import Client
from researcher_pro_client.models import Analysis, ReportFormat

FORMATS: dict[str, ReportFormat] = {"md": "markdown", "markdown": "markdown", "html": "html", "json": "json"}


def add_commands(commands: Any) -> None:
    report = commands.add_parser("report", help="write a report of a finished research and download it")
    report.add_argument("id", help="the research")
    report.add_argument("--format", choices=sorted(FORMATS), default="md")
    report.add_argument("--template", metavar="ID", help="take the sections from a template")
    report.add_argument("-o", "--output", type=Path, metavar="FILE", help="write it here (default: stdout)")
    report.set_defaults(run=write_report)

    analyse = commands.add_parser("analyse", aliases=["analyze"], help="analyse a text file or a research")
    analyse.add_argument("file", nargs="?", help="a UTF-8 text file, or - for stdin")
    analyse.add_argument("--research", metavar="ID", help="analyse a finished research's answer instead")
    analyse.add_argument("--kinds", type=csv_list, metavar="summary,key_points,…", help="what to produce")
    analyse.add_argument("--json", action="store_true")
    analyse.set_defaults(run=analyse_text)


def write_report(rp: Client, out: Output, args: argparse.Namespace) -> int:
    report = rp.reports.create(args.id, template_id=args.template, format=FORMATS[args.format])
    with _working(out, f"writing report {report.id}"):
        report = rp.reports.wait(report.id)
    if report.status != "succeeded":
        reason = f": {report.error.code}: {report.error.message}" if report.error else ""
        out.error(f"report {report.id} {report.status}{reason}")
        return 1
    body = rp.reports.download(report)
    if args.output:
        args.output.write_bytes(body)
        out.note(f"{report.id}: wrote {len(body)} bytes to {args.output}")
    else:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
    return 0


def analyse_text(rp: Client, out: Output, args: argparse.Namespace) -> int:
    if bool(args.file) == bool(args.research):
        raise UsageError("give a FILE or --research ID (one of them)")
    text = _read(args.file) if args.file else None
    analysis = rp.analyses.create(text, research_id=args.research, kinds=args.kinds)
    with _working(out, f"analysing ({analysis.id})"):
        analysis = rp.analyses.wait(analysis.id)
    if args.json:
        out.json(analysis)
    elif analysis.status == "succeeded":
        _print_analysis(out, analysis)
    if analysis.status != "succeeded":
        reason = f": {analysis.error.code}: {analysis.error.message}" if analysis.error else ""
        out.error(f"analysis {analysis.id} {analysis.status}{reason}")
        return 1
    return 0


def _print_analysis(out: Output, analysis: Analysis) -> None:
    result = analysis.parsed_result()
    if result is None:
        return
    lines: list[str] = []
    if result.summary:
        lines += ["## Summary", "", result.summary, ""]
    if result.key_points:
        lines += ["## Key points", "", *(f"- {point}" for point in result.key_points), ""]
    if result.sentiment:
        lines += ["## Sentiment", "", f"{result.sentiment.label} ({result.sentiment.score:+.2f})", ""]
    if result.entities:
        lines += ["## Entities", "", *(f"- {e.name} ({e.type})" for e in result.entities), ""]
    if result.topics:
        lines += ["## Topics", "", ", ".join(result.topics), ""]
    if result.custom:
        lines += ["## Custom", "", f"```json\n{result.model_dump_json(include={'custom'}, indent=2)}\n```", ""]
    out.markdown("\n".join(lines))


def _read(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    try:
        return Path(name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{name}: no such file") from None
    except UnicodeDecodeError:
        raise UsageError(f"{name}: not UTF-8 text") from None
    except OSError as error:
        raise UsageError(f"{name}: {error.strerror}") from None


@contextmanager
def _working(out: Output, what: str) -> Iterator[None]:
    """A spinner on a terminal while the server works; nothing otherwise."""
    if not out.err.is_terminal:
        yield
        return
    with Status(what, console=out.err):
        yield
