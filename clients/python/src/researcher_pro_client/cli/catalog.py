"""`rp templates list|show` and `rp usage`: what the account offers and what it has spent."""

from __future__ import annotations

import argparse
from typing import Any

from researcher_pro_client.cli.output import Output
from researcher_pro_client.client import Client


def add_commands(commands: Any) -> None:
    templates = commands.add_parser("templates", help="research templates")
    actions = templates.add_subparsers(dest="templates_command", required=True)
    listing = actions.add_parser("list", help="built-in templates, then yours")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=list_templates)
    show = actions.add_parser("show", help="a template: its variables, prompt and sections")
    show.add_argument("id")
    show.add_argument("--version", type=int)
    show.add_argument("--json", action="store_true")
    show.set_defaults(run=show_template)

    usage = commands.add_parser("usage", help="tokens, model calls, cache hits and cost per day")
    usage.add_argument("--from", dest="from_date", metavar="YYYY-MM-DD")
    usage.add_argument("--to", dest="to_date", metavar="YYYY-MM-DD")
    usage.add_argument("--json", action="store_true")
    usage.set_defaults(run=show_usage)


def list_templates(rp: Client, out: Output, args: argparse.Namespace) -> int:
    page = rp.templates.list(limit=100)
    if args.json:
        out.json(page)
        return 0
    rows = [(t.id, t.name, t.version, "built-in" if t.builtin else "yours", ", ".join(t.variables)) for t in page.items]
    out.table(["id", "name", "version", "", "variables"], rows)
    return 0


def show_template(rp: Client, out: Output, args: argparse.Namespace) -> int:
    template = rp.templates.get(args.id, version=args.version)
    if args.json:
        out.json(template)
        return 0
    lines = [f"# {template.name} (version {template.version})", "", template.description, "", "## Variables", ""]
    for name, variable in template.variables.items():
        need = "required" if variable.required else f"default {variable.default!r}"
        lines.append(f"- `{name}` ({variable.type}, {need}) {variable.description}".rstrip())
    lines += ["", "## Prompt", "", "```", template.prompt, "```"]
    if template.sections:
        lines += ["", "## Sections", "", *(f"- **{s.title}**: {s.instructions}" for s in template.sections)]
    out.markdown("\n".join(lines))
    return 0


def show_usage(rp: Client, out: Output, args: argparse.Namespace) -> int:
    report = rp.usage(args.from_date, args.to_date)
    if args.json:
        out.json(report)
        return 0
    rows: list[tuple[Any, ...]] = [
        (d.date, d.model_calls, d.input_tokens, d.output_tokens, d.cache_hits, f"${d.cost_usd:.4f}")
        for d in report.days
    ]
    t = report.totals
    rows.append(("total", t.model_calls, t.input_tokens, t.output_tokens, t.cache_hits, f"${t.cost_usd:.4f}"))
    out.table(["date", "model calls", "input tokens", "output tokens", "cache hits", "cost"], rows)
    return 0
