"""Tenants' daily budgets, and what each day has committed against them.

A tenant's budget is one item (`T#<tenant>#BUDGET`). What a day has committed is a counter on the tenant's
usage item for that day (`committed_usd`, next to `usage_cost_usd`): every provider request's worst case is
added before the request is made, on the condition that it still fits, and replaced by what the request
cost once it is settled. DynamoDB cannot compare a sum in a condition, so the one counter holds both what
was spent and what is in flight; a worker that dies mid-request leaves its reservation counted, which errs
on the side of the budget.
"""

from __future__ import annotations

from typing import Any

from researcher_pro.core.aws import applied, client, from_item, to_attr
from researcher_pro.tasks.repository import usage_day_key


def _budget_key(tenant: str) -> dict[str, Any]:
    return {"pk": {"S": f"T#{tenant}#BUDGET"}, "sk": {"S": "BUDGET"}}


class BudgetRepository:
    def __init__(self, table: str) -> None:
        self._table = table
        self._db = client("dynamodb")

    def daily_limit(self, tenant: str) -> float | None:
        """The tenant's own daily budget in US dollars, if one was set."""
        reply = self._db.get_item(TableName=self._table, Key=_budget_key(tenant), ConsistentRead=True)
        item = from_item(reply["Item"]) if "Item" in reply else {}
        value = item.get("daily_usd")
        return None if value is None else float(value)

    def set_daily_limit(self, tenant: str, daily_usd: float | None) -> None:
        """Set the tenant's daily budget, or remove it (None: the default applies)."""
        if daily_usd is None:
            self._db.delete_item(TableName=self._table, Key=_budget_key(tenant))
            return
        self._db.put_item(TableName=self._table, Item={**_budget_key(tenant), "daily_usd": to_attr(daily_usd)})

    def committed(self, tenant: str, day: str) -> float:
        """What the day has spent and holds in flight."""
        reply = self._db.get_item(
            TableName=self._table,
            Key=usage_day_key(tenant, day),
            ProjectionExpression="committed_usd, usage_cost_usd",
            ConsistentRead=True,
        )
        item = from_item(reply.get("Item", {}))
        return float(item.get("committed_usd", item.get("usage_cost_usd", 0.0)))

    def reserve(self, tenant: str, day: str, amount: float, limit: float) -> bool:
        """Add `amount` to the day's commitments if the total stays within `limit`; False (nothing added) if not."""
        return applied(
            lambda: self._db.update_item(
                TableName=self._table,
                Key=usage_day_key(tenant, day),
                UpdateExpression="ADD committed_usd :amount",
                ConditionExpression="attribute_not_exists(committed_usd) OR committed_usd <= :room",
                ExpressionAttributeValues={":amount": to_attr(amount), ":room": to_attr(limit - amount)},
            )
        )

    def adjust(self, tenant: str, day: str, amount: float) -> None:
        """Change the day's commitments by `amount` (a reservation settled at what was really spent)."""
        applied(
            lambda: self._db.update_item(
                TableName=self._table,
                Key=usage_day_key(tenant, day),
                UpdateExpression="ADD committed_usd :amount",
                ExpressionAttributeValues={":amount": to_attr(amount)},
            )
        )
