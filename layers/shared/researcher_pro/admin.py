"""rp-admin: issue and revoke API keys, and set tenants' daily budgets, on the local cloud or a deployed stack."""

from __future__ import annotations

import argparse
import os
import sys

from researcher_pro.core.config import LOCAL_STACK_NAME, get_settings

LOCAL_DATA_TABLE = f"{LOCAL_STACK_NAME}-DataTable"


def _table(args: argparse.Namespace) -> str:
    if args.local:
        # The local cloud's moto server; boto3 reads the endpoint from AWS_ENDPOINT_URL.
        os.environ["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{get_settings().local_aws_port}"
        for name, value in (
            ("AWS_ACCESS_KEY_ID", "local"),
            ("AWS_SECRET_ACCESS_KEY", "local"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
        ):
            os.environ.setdefault(name, value)
        return LOCAL_DATA_TABLE
    from researcher_pro.core.aws import client

    stacks = client("cloudformation").describe_stacks(StackName=args.stack)["Stacks"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    return outputs["DataTableName"]


def _keys(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    table = _table(args)
    from researcher_pro.access.api_key_repository import ApiKeyRepository
    from researcher_pro.access.api_keys import ApiKeyService

    return ApiKeyService(ApiKeyRepository(table))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rp-admin", description="Manage Researcher Pro API keys.")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("create-key", "issue a new API key for a tenant"),
        ("revoke-key", "revoke an API key"),
        ("set-budget", "set a tenant's daily spending cap"),
    ):
        command = commands.add_parser(name, help=help_text)
        where = command.add_mutually_exclusive_group(required=True)
        where.add_argument("--local", action="store_true", help="the running local cloud (make dev)")
        where.add_argument("--stack", metavar="NAME", help="a deployed CloudFormation stack")
        if name in ("create-key", "set-budget"):
            command.add_argument("--tenant", required=True, help="tenant name, e.g. acme")
        if name == "revoke-key":
            command.add_argument("--key", required=True, help="the rp_… key to revoke")
        if name == "set-budget":
            amount = command.add_mutually_exclusive_group(required=True)
            amount.add_argument("--daily-usd", type=float, metavar="X", help="US dollars a UTC day, more than 0")
            amount.add_argument("--default", action="store_true", help="back to the deployment's default")
    args = parser.parse_args(argv)
    if args.command == "set-budget":
        if args.daily_usd is not None and not args.daily_usd > 0:
            parser.error("--daily-usd takes an amount above 0")
        from researcher_pro.access.budget_repository import BudgetRepository

        BudgetRepository(_table(args)).set_daily_limit(args.tenant, None if args.default else args.daily_usd)
        print(
            f"Tenant {args.tenant}: " + ("the default daily budget" if args.default else f"${args.daily_usd:.2f} a day")
        )
        return 0
    keys = _keys(args)
    if args.command == "create-key":
        if not args.tenant.replace("-", "").replace("_", "").isalnum() or len(args.tenant) > 64:
            parser.error("--tenant takes letters, digits, '-' and '_' (at most 64)")
        key, key_id = keys.issue(args.tenant)
        print(f"Created {key_id} for tenant {args.tenant}. Keep the key secret; it is not shown again:")
        print(key)
        return 0
    if keys.revoke(args.key):
        print("Revoked.")
        return 0
    print("No such key.", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
