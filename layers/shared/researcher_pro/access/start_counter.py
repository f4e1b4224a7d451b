"""Per-tenant counters of work started, one item per tenant per fixed window."""

from __future__ import annotations

from researcher_pro.core.aws import applied, client


class StartCounter:
    def __init__(self, table: str) -> None:
        self._table = table
        self._db = client("dynamodb")

    def take(self, tenant: str, window_start: int, window_seconds: int, limit: int) -> bool:
        """Count one start in the window; False (and nothing counted) when the window is full."""
        return applied(
            lambda: self._db.update_item(
                TableName=self._table,
                Key={"pk": {"S": f"T#{tenant}#RATE"}, "sk": {"S": f"STARTS#{window_start}"}},
                UpdateExpression="ADD starts :one SET #ttl = :ttl",
                ConditionExpression="attribute_not_exists(starts) OR starts < :limit",
                ExpressionAttributeNames={"#ttl": "ttl"},
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":limit": {"N": str(limit)},
                    ":ttl": {"N": str(window_start + 2 * window_seconds)},
                },
            )
        )
