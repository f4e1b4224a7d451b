"""rp-admin: operators' commands, on the local cloud (`--local`) or a deployed stack (`--stack NAME`).

Keys and budgets (create-key, revoke-key, disable-key, set-budget), what tenants spend (tenants, usage),
tasks that are not moving (tasks --stuck), and the dead-letter queues (redrive). A deployed stack's
tables and queues are found from its CloudFormation resources by their logical ids in template.yaml.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from researcher_pro.core.config import LOCAL_STACK_NAME, get_settings
from researcher_pro.usage.models import MAX_DAYS
from researcher_pro.usage.service import DEFAULT_DAYS

# Which dead-letter queue `redrive --queue` names: its logical id in template.yaml.
DEAD_LETTER_QUEUES = {"tasks": "TasksDeadLetterQueue", "webhooks": "WebhookDeliveriesDeadLetterQueue"}


class Deployment:
    """Where the commands work: the local cloud, whose names the local cloud derives from the template's
    logical ids, or a deployed stack, whose physical names CloudFormation knows."""

    def __init__(self, local: bool, stack: str | None) -> None:
        self.stack = stack
        if local:
            # The local cloud's moto server; boto3 reads the endpoint from AWS_ENDPOINT_URL.
            os.environ["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{get_settings().local_aws_port}"
            for name, value in (
                ("AWS_ACCESS_KEY_ID", "local"),
                ("AWS_SECRET_ACCESS_KEY", "local"),
                ("AWS_DEFAULT_REGION", "us-east-1"),
            ):
                os.environ.setdefault(name, value)

    def physical(self, logical_id: str) -> str:
        if self.stack is None:
            return f"{LOCAL_STACK_NAME}-{logical_id}"
        names = self._stack_resources()
        if logical_id not in names:
            raise SystemExit(f"the stack {self.stack} has no {logical_id}")
        return names[logical_id]

    def queue_url(self, logical_id: str) -> str:
        """A queue's physical id is its URL in CloudFormation; locally its name, whose URL SQS gives."""
        if self.stack is not None:
            return self.physical(logical_id)
        from botocore.exceptions import ClientError

        from researcher_pro.core.aws import client

        try:
            return str(client("sqs").get_queue_url(QueueName=self.physical(logical_id))["QueueUrl"])
        except ClientError as error:
            raise SystemExit(f"the local cloud has no {logical_id}") from error

    @property
    def data_table(self) -> str:
        return self.physical("DataTable")

    def default_daily_budget(self) -> float:
        """The deployment's daily budget for tenants without their own: the stack's DailyBudgetUSD, or locally
        the setting (RP_DAILY_BUDGET_USD)."""
        if self.stack is None:
            return get_settings().daily_budget_usd
        from researcher_pro.core.aws import client

        (stack,) = client("cloudformation").describe_stacks(StackName=self.stack)["Stacks"]
        given = {p["ParameterKey"]: p.get("ParameterValue") for p in stack.get("Parameters", [])}
        return float(given.get("DailyBudgetUSD") or 0)

    @cache  # noqa: B019 - one Deployment per command
    def _stack_resources(self) -> dict[str, str]:
        from researcher_pro.core.aws import client

        pages = client("cloudformation").get_paginator("list_stack_resources").paginate(StackName=self.stack)
        return {
            r["LogicalResourceId"]: r["PhysicalResourceId"]
            for page in pages
            for r in page["StackResourceSummaries"]
            if r.get("PhysicalResourceId")
        }


# --- the commands ------------------------------------------------------------------------------------
def create_key(where: Deployment, args: argparse.Namespace) -> int:
    key, key_id = _keys(where).issue(args.tenant)
    print(f"Created {key_id} for tenant {args.tenant}. Keep the key secret; it is not shown again:")
    print(key)
    return 0


def revoke_key(where: Deployment, args: argparse.Namespace) -> int:
    if _keys(where).revoke(args.key):
        print("Revoked.")
        return 0
    print("No such key.", file=sys.stderr)
    return 1


def disable_key(where: Deployment, args: argparse.Namespace) -> int:
    if _keys(where).set_disabled(args.key, disabled=not args.enable):
        print(f"{args.key}: " + ("enabled." if args.enable else "disabled (every function refuses it within seconds)."))
        return 0
    print("No such key.", file=sys.stderr)
    return 1


def set_budget(where: Deployment, args: argparse.Namespace) -> int:
    from researcher_pro.access.budget_repository import BudgetRepository

    BudgetRepository(where.data_table).set_daily_limit(args.tenant, None if args.default else args.daily_usd)
    print(f"Tenant {args.tenant}: " + ("the default daily budget" if args.default else f"${args.daily_usd:.2f} a day"))
    return 0


def tenants(where: Deployment, args: argparse.Namespace) -> int:
    keys = _keys(where).every_key()
    usage = _usage(where)
    rows = []
    for tenant in sorted({k["tenant"] for k in keys}):
        own = [k for k in keys if k["tenant"] == tenant]
        report = usage.report(tenant, None, None)
        rows.append(
            {
                "tenant": tenant,
                "keys": len(own),
                "disabled_keys": sum(k["disabled"] for k in own),
                "spent_today_usd": report.budget.spent_usd,
                f"spent_{DEFAULT_DAYS}_days_usd": report.totals.cost_usd,
                "daily_budget_usd": report.budget.daily_usd,
            }
        )
    _show(rows, args.json)
    return 0


def usage(where: Deployment, args: argparse.Namespace) -> int:
    last = datetime.now(UTC).date()
    report = _usage(where).report(args.tenant, last - timedelta(days=args.days - 1), last)
    if args.json:
        print(report.model_dump_json(indent=2))
        return 0
    _show([day.model_dump() for day in report.days], False)
    totals, budget = report.totals, report.budget
    print(
        f"{args.tenant}, {report.from_date} to {report.to_date}: ${totals.cost_usd:.4f}, "
        f"{totals.input_tokens} input and {totals.output_tokens} output tokens, {totals.model_calls} calls, "
        f"{totals.cache_hits} cache hits; today ${budget.spent_usd:.4f} of "
        + ("no cap" if budget.daily_usd is None else f"${budget.daily_usd:.2f}")
    )
    return 0


def stuck_tasks(where: Deployment, args: argparse.Namespace) -> int:
    """Live tasks past their due time: a running step whose lease ran out (its worker died) or that keeps
    running past it, or a queued task whose message has not come. The sweeper requeues these; one listed
    again and again is stuck."""
    from researcher_pro.core.pagination import Cursors
    from researcher_pro.tasks.repository import TaskRepository

    now = time.time()
    # Every kind shares one due-time index, so any kind's repository reads it; it lists nothing, so no cursors.
    due = TaskRepository(where.data_table, "research", Cursors(lambda: b"")).due_for_sweep(now)
    rows = [
        {
            "kind": r.get("kind", "research"),
            "id": r["id"],
            "tenant": r["tenant"],
            "status": r["status"],
            "step": r.get("step"),
            "overdue_s": int(now - int(r["gsi2sk"])),
            "lease": _lease(r, now),
            "step_attempts": int(r.get("step_attempts") or 0),
            "sweeps": int(r.get("sweeps") or 0),
            "updated_at": r.get("updated_at"),
        }
        for r in sorted(due, key=lambda r: r["gsi2sk"])
    ]
    _show(rows, args.json)
    return 0


def redrive(where: Deployment, args: argparse.Namespace) -> int:
    from researcher_pro.tasks.dead_letters import DeadLetters

    dead = DeadLetters(where.queue_url(DEAD_LETTER_QUEUES[args.queue]))
    letters = dead.peek(args.limit) if args.dry_run else dead.redrive(args.limit)
    rows = [{"message_id": m.message_id, "receives": m.receive_count, **_described(m.body)} for m in letters]
    _show(rows, args.json)
    if not args.json:
        verb = "would move" if args.dry_run else "moved"
        print(f"{len(letters)} message(s) {verb} from the {args.queue} dead-letter queue to {dead.source()}")
    return 0


# --- parts -------------------------------------------------------------------------------------------
def _keys(where: Deployment) -> Any:
    from researcher_pro.access.api_key_repository import ApiKeyRepository
    from researcher_pro.access.api_keys import ApiKeyService

    return ApiKeyService(ApiKeyRepository(where.data_table))


def _usage(where: Deployment) -> Any:
    from researcher_pro.access.budget_repository import BudgetRepository
    from researcher_pro.access.budgets import DailyBudgets
    from researcher_pro.usage.repository import UsageRepository
    from researcher_pro.usage.service import UsageService

    budgets = DailyBudgets(BudgetRepository(where.data_table), where.default_daily_budget())
    return UsageService(UsageRepository(where.data_table), budgets)


def _lease(record: dict[str, Any], now: float) -> str:
    until = record.get("lease_until")
    if until is None:
        return "none"
    left = float(until) - now
    return f"held {left:.0f}s more" if left > 0 else f"ran out {-left:.0f}s ago"


def _described(body: str) -> dict[str, Any]:
    try:
        message = json.loads(body)
    except ValueError:
        return {"body": body[:80]}
    if not isinstance(message, dict):
        return {"body": body[:80]}
    # A task's step, or an attempt of a webhook delivery.
    fields = ("kind", "task_id", "tenant", "step", "attempt", "webhook_id", "delivery_id")
    return {k: message[k] for k in fields if k in message} or {"body": body[:80]}


def _show(rows: Sequence[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        print(json.dumps(list(rows), indent=2, default=str))
        return
    if not rows:
        print("(none)")
        return
    columns = list(dict.fromkeys(name for row in rows for name in row))
    cells = [[_cell(row.get(name)) for name in columns] for row in rows]
    widths = [max(len(name), *(len(line[i]) for line in cells)) for i, name in enumerate(columns)]
    print("  ".join(name.ljust(width) for name, width in zip(columns, widths, strict=True)).rstrip())
    for line in cells:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def _tenant_name(text: str) -> str:
    # ASCII only: a tenant's name is part of S3 keys and queue messages that are matched as ASCII.
    if not (text.isascii() and text.replace("-", "").replace("_", "").isalnum()) or len(text) > 64:
        raise argparse.ArgumentTypeError("ASCII letters, digits, '-' and '_' (at most 64)")
    return text


def _positive_usd(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("an amount above 0")
    return value


def _days(text: str) -> int:
    value = int(text)
    if not 1 <= value <= MAX_DAYS:
        raise argparse.ArgumentTypeError(f"from 1 to {MAX_DAYS}")
    return value


COMMANDS: dict[str, tuple[str, Callable[[Deployment, argparse.Namespace], int]]] = {
    "create-key": ("issue a new API key for a tenant", create_key),
    "revoke-key": ("delete an API key for good", revoke_key),
    "disable-key": ("refuse an API key until it is enabled again (--enable)", disable_key),
    "set-budget": ("set a tenant's daily spending cap", set_budget),
    "tenants": ("tenants with keys, and what they spend", tenants),
    "usage": ("a tenant's usage and cost per day", usage),
    "tasks": ("tasks that are not moving (--stuck)", stuck_tasks),
    "redrive": ("move a dead-letter queue's messages back to its source queue", redrive),
}


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="rp-admin", description="Operate Researcher Pro.")
    commands = top.add_subparsers(dest="command", required=True)
    for name, (help_text, _) in COMMANDS.items():
        command = commands.add_parser(name, help=help_text, description=help_text)
        where = command.add_mutually_exclusive_group(required=True)
        where.add_argument("--local", action="store_true", help="the running local cloud (make dev)")
        where.add_argument("--stack", metavar="NAME", help="a deployed CloudFormation stack")
        if name in ("create-key", "set-budget", "usage"):
            command.add_argument("--tenant", required=True, type=_tenant_name, help="tenant name, e.g. acme")
        if name in ("revoke-key", "disable-key"):
            help_key = "the rp_… key" + (" or its key_… id" if name == "disable-key" else "")
            command.add_argument("--key", required=True, help=help_key)
        if name == "disable-key":
            command.add_argument("--enable", action="store_true", help="enable a disabled key again")
        if name == "set-budget":
            amount = command.add_mutually_exclusive_group(required=True)
            amount.add_argument(
                "--daily-usd", type=_positive_usd, metavar="X", help="US dollars a UTC day, more than 0"
            )
            amount.add_argument("--default", action="store_true", help="back to the deployment's default")
        if name == "usage":
            command.add_argument("--days", type=_days, default=DEFAULT_DAYS, help=f"days up to today ({DEFAULT_DAYS})")
        if name == "tasks":
            command.add_argument("--stuck", action="store_true", required=True, help="live tasks past their due time")
        if name == "redrive":
            command.add_argument("--queue", choices=sorted(DEAD_LETTER_QUEUES), default="tasks", help="(tasks)")
            command.add_argument("--dry-run", action="store_true", help="list what would move, move nothing")
            command.add_argument("--limit", type=int, default=1000, help="move or list at most this many (1000)")
        if name in ("tenants", "usage", "tasks", "redrive"):
            command.add_argument("--json", action="store_true", help="JSON instead of a table")
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    where = Deployment(args.local, args.stack)
    return COMMANDS[args.command][1](where, args)


if __name__ == "__main__":
    sys.exit(main())
