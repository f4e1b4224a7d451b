"""`rp watch create|list|runs|rm`: research that re-runs on a schedule."""

from __future__ import annotations

import argparse
from typing import Any

from researcher_pro_client.cli.output import Output
from researcher_pro_client.cli.usage import UsageError, csv_list, variables
from researcher_pro_client.client import Client


def add_commands(commands: Any) -> None:
    watch = commands.add_parser("watch", help="research that re-runs on a schedule")
    actions = watch.add_subparsers(dest="watch_command", required=True)
    create = actions.add_parser("create", help="create a watch (it runs once now)")
    create.add_argument("query", nargs="?")
    create.add_argument("--schedule", required=True, help="rate(1 day) or cron(0 9 ? * MON-FRI *), UTC")
    create.add_argument("--depth", choices=["quick", "standard", "deep"])
    create.add_argument("--sources", type=csv_list, metavar="web,documents")
    create.add_argument("--template", metavar="ID")
    create.add_argument("--var", action="append", default=[], metavar="K=V")
    create.add_argument("--max-cost", type=float, metavar="USD")
    create.add_argument("--webhook", metavar="URL", help="https URL that receives each finished run, signed")
    create.add_argument("--json", action="store_true")
    create.set_defaults(run=create_watch)
    listing = actions.add_parser("list", help="your watches")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=list_watches)
    runs = actions.add_parser("runs", help="a watch's runs, newest first, with what changed")
    runs.add_argument("id")
    runs.add_argument("--json", action="store_true")
    runs.set_defaults(run=list_runs)
    remove = actions.add_parser("rm", help="delete a watch (no further runs)")
    remove.add_argument("id")
    remove.set_defaults(run=remove_watch)


def create_watch(rp: Client, out: Output, args: argparse.Namespace) -> int:
    if not args.query and not args.template:
        raise UsageError("give a question, or --template ID")
    watch = rp.watches.create(
        args.schedule,
        args.query,
        depth=args.depth,
        sources=args.sources,
        template_id=args.template,
        variables=variables(args.var) if args.template else None,
        max_cost_usd=args.max_cost,
        webhook_url=args.webhook,
    )
    if args.json:
        out.json(watch)
        return 0
    out.line(watch.id)
    out.note(f"next run {watch.next_run_at}; the first run is {watch.last_research_id}")
    if watch.webhook_secret:
        out.note(f"webhook secret (shown once): {watch.webhook_secret}")
    return 0


def list_watches(rp: Client, out: Output, args: argparse.Namespace) -> int:
    page = rp.watches.list(limit=100)
    if args.json:
        out.json(page)
        return 0
    rows = [
        (w.id, w.schedule, "on" if w.enabled else "off", w.next_run_at, w.runs, w.query or w.template_id)
        for w in page.items
    ]
    out.table(["id", "schedule", "enabled", "next run", "runs", "query"], rows)
    return 0


def list_runs(rp: Client, out: Output, args: argparse.Namespace) -> int:
    page = rp.watches.runs(args.id, limit=100)
    if args.json:
        out.json(page)
        return 0
    rows = []
    for run in page.items:
        diff = run.diff
        changes = (
            "first"
            if diff is None
            else f"+{len(diff.new_sources)} -{len(diff.dropped_sources)} sources"
            + (", changed" if diff.changed else ", unchanged")
        )
        rows.append((run.research_id, run.trigger, run.status, run.started_at[:19].replace("T", " "), changes))
    out.table(["research", "trigger", "status", "started (UTC)", "diff"], rows)
    return 0


def remove_watch(rp: Client, out: Output, args: argparse.Namespace) -> int:
    rp.watches.delete(args.id)
    out.note(f"deleted {args.id}")
    return 0
