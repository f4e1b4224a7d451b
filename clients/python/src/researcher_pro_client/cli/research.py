"""`rp research`, `rp follow`, `rp get`, `rp list`, `rp cancel`: research runs from the command line."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.prompt import Confirm

from researcher_pro_client.cli.output import Output
from researcher_pro_client.cli.progress import RunProgress
from researcher_pro_client.cli.usage import UsageError, csv_list, variables
from researcher_pro_client.client import Client
from researcher_pro_client.errors import WaitTimeout
from researcher_pro_client.models import Research

SUCCEEDED, RUN_DID_NOT_SUCCEED = 0, 1
CANCEL_WAIT_SECONDS = 60.0


def add_commands(commands: Any) -> None:
    research = commands.add_parser("research", help="ask a research question and follow it to its answer")
    research.add_argument("query", nargs="?", help="the question (or use --template)")
    research.add_argument("--depth", choices=["quick", "standard", "deep"])
    research.add_argument("--sources", type=csv_list, metavar="web,documents", help="where to look")
    research.add_argument("--recency", choices=["day", "week", "month", "year"])
    research.add_argument("--domain", action="append", dest="domains", metavar="DOMAIN", help="repeatable")
    research.add_argument("--template", metavar="ID", help="research with a template")
    research.add_argument("--var", action="append", default=[], metavar="K=V", help="a template variable")
    research.add_argument("--max-cost", type=float, metavar="USD", help="stop before spending more")
    research.add_argument("--max-rounds", type=int, metavar="N", help="rounds of searching and reading at most")
    research.add_argument("--output-schema", type=Path, metavar="FILE", help="a JSON Schema the answer must fill")
    research.add_argument("--json", action="store_true", help="print the finished research as JSON")
    research.add_argument("--no-wait", action="store_true", help="print the run's id and return")
    research.set_defaults(run=start)

    follow = commands.add_parser("follow", help="follow a run to its answer")
    follow.add_argument("id")
    follow.add_argument("--json", action="store_true")
    follow.set_defaults(run=follow_run)

    get = commands.add_parser("get", help="show a run")
    get.add_argument("id")
    get.add_argument("--format", choices=["md", "json"], default="md")
    get.set_defaults(run=show)

    listing = commands.add_parser("list", help="your runs, newest first")
    listing.add_argument("--limit", type=int, default=20)
    listing.add_argument("--status", choices=["queued", "running", "succeeded", "failed", "cancelled"])
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=list_runs)

    cancel = commands.add_parser("cancel", help="cancel a run (it stops at its next step)")
    cancel.add_argument("id")
    cancel.set_defaults(run=cancel_run)


def start(rp: Client, out: Output, args: argparse.Namespace) -> int:
    if not args.query and not args.template:
        raise UsageError("give a question, or --template ID")
    if args.var and not args.template:
        raise UsageError("--var needs --template")
    research = rp.research.create(
        args.query,
        depth=args.depth,
        sources=args.sources,
        recency=args.recency,
        domains=args.domains,
        max_cost_usd=args.max_cost,
        template_id=args.template,
        variables=variables(args.var) if args.template else None,
        max_rounds=args.max_rounds,
        output_schema=_schema(args.output_schema) if args.output_schema else None,
    )
    if args.no_wait:
        out.line(research.id)
        return SUCCEEDED
    return _follow(rp, out, research.id, as_json=args.json)


def follow_run(rp: Client, out: Output, args: argparse.Namespace) -> int:
    return _follow(rp, out, args.id, as_json=args.json)


def show(rp: Client, out: Output, args: argparse.Namespace) -> int:
    research = rp.research.get(args.id)
    if args.format == "json":
        out.json(research)
    else:
        out.research(research)
    return SUCCEEDED


def list_runs(rp: Client, out: Output, args: argparse.Namespace) -> int:
    page = rp.research.list(limit=args.limit, status=args.status)
    if args.json:
        out.json(page)
        return SUCCEEDED
    rows = [(r.id, r.status, r.depth, r.created_at[:19].replace("T", " "), _short(r.query)) for r in page.items]
    out.table(["id", "status", "depth", "created (UTC)", "query"], rows)
    return SUCCEEDED


def cancel_run(rp: Client, out: Output, args: argparse.Namespace) -> int:
    research = rp.research.cancel(args.id)
    out.note(f"{research.id} is {research.status}; cancelling, it stops at its next step.")
    return SUCCEEDED


def _follow(rp: Client, out: Output, research_id: str, as_json: bool) -> int:
    try:
        if out.err.is_terminal:
            with RunProgress(out.err, research_id) as bar:
                for event in rp.research.events(research_id):
                    cost = event.data.get("cost_usd")
                    if not isinstance(cost, int | float):
                        cost = rp.research.get(research_id).usage.cost_usd
                    bar.update(event, float(cost))
        else:
            for _ in rp.research.events(research_id):
                pass
        research = rp.research.wait(research_id)
    except KeyboardInterrupt:
        return _interrupted(rp, out, research_id, as_json)
    return _finish(out, research, as_json)


def _interrupted(rp: Client, out: Output, research_id: str, as_json: bool) -> int:
    if out.interactive and _ask_to_cancel(out, research_id):
        rp.research.cancel(research_id)
        out.note(f"Cancelling {research_id} …")
        try:
            research = rp.research.wait(research_id, timeout=CANCEL_WAIT_SECONDS)
        except WaitTimeout:
            out.note(f"{research_id} has not stopped yet; `rp get {research_id}` shows where it is.")
            return RUN_DID_NOT_SUCCEED
        return _finish(out, research, as_json)
    out.note(f"{research_id} keeps running. Follow it with: rp follow {research_id}")
    return SUCCEEDED


def _ask_to_cancel(out: Output, research_id: str) -> bool:
    try:
        return bool(Confirm.ask(f"\nCancel {research_id} on the server? (no: it keeps running)", console=out.err))
    except (KeyboardInterrupt, EOFError):
        # A second Ctrl-C, or no answer at all, must not destroy anything.
        return False


def _finish(out: Output, research: Research, as_json: bool) -> int:
    if as_json:
        out.json(research)
    elif research.status == "succeeded":
        out.research(research)
    if research.status == "succeeded":
        if out.err.is_terminal and not as_json:
            out.note(f"{research.id}: {len(research.sources)} sources, ${research.usage.cost_usd:.4f}")
        return SUCCEEDED
    reason = f": {research.error.code}: {research.error.message}" if research.error else ""
    out.error(f"{research.id} {research.status}{reason}")
    return RUN_DID_NOT_SUCCEED


def _schema(path: Path) -> dict[str, Any]:
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}") from None
    except ValueError as error:
        raise UsageError(f"{path} is not JSON: {error}") from None
    if not isinstance(schema, dict):
        raise UsageError(f"{path} must hold a JSON Schema object")
    return schema


def _short(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
