"""Per-tenant daily usage counters (written by TaskRepository.record_usage)."""

from __future__ import annotations

from typing import Any

from researcher_pro.core.aws import client, from_item


class UsageRepository:
    def __init__(self, table: str) -> None:
        self._table = table
        self._db = client("dynamodb")

    def days(self, tenant: str, first: str, last: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        params: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :p AND sk BETWEEN :a AND :b",
            "ExpressionAttributeValues": {
                ":p": {"S": f"T#{tenant}#USAGE"},
                ":a": {"S": f"DAY#{first}"},
                ":b": {"S": f"DAY#{last}"},
            },
        }
        while True:
            reply = self._db.query(**params)
            items.extend(from_item(i) for i in reply["Items"])
            if "LastEvaluatedKey" not in reply:
                return items
            params["ExclusiveStartKey"] = reply["LastEvaluatedKey"]
