"""API keys: only the SHA-256 of a key is stored, mapped to its tenant."""

from __future__ import annotations

from typing import Any

from researcher_pro.core.aws import applied, client, from_item, to_item


class ApiKeyRepository:
    def __init__(self, table: str) -> None:
        self._table = table
        self._db = client("dynamodb")

    def put(self, key_hash: str, tenant: str, key_id: str, created_at: str) -> None:
        self._db.put_item(
            TableName=self._table,
            Item=to_item(
                {
                    "pk": f"KEY#{key_hash}",
                    "sk": "KEY",
                    "key_hash": key_hash,
                    "tenant": tenant,
                    "key_id": key_id,
                    "created_at": created_at,
                    "gsi1pk": f"T#{tenant}#K",
                    "gsi1sk": f"{created_at}#{key_id}",
                }
            ),
        )

    def find(self, key_hash: str) -> dict[str, Any] | None:
        reply = self._db.get_item(TableName=self._table, Key=to_item({"pk": f"KEY#{key_hash}", "sk": "KEY"}))
        return from_item(reply["Item"]) if "Item" in reply else None

    def set_disabled(self, key_hash: str, disabled: bool) -> bool:
        """Disable a key (it stays, and can be enabled again) or enable it; False when there is no such key."""
        return applied(
            lambda: self._db.update_item(
                TableName=self._table,
                Key=to_item({"pk": f"KEY#{key_hash}", "sk": "KEY"}),
                UpdateExpression="SET disabled = :disabled",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":disabled": {"BOOL": disabled}},
            )
        )

    def every_key(self) -> list[dict[str, Any]]:
        """Every tenant's keys (their hashes, ids, tenants, creation times, whether disabled). A scan of the whole
        table: for operators (rp-admin), never on a request's path."""
        keys: list[dict[str, Any]] = []
        params: dict[str, Any] = {
            "TableName": self._table,
            "FilterExpression": "begins_with(pk, :key) AND sk = :sk",
            "ExpressionAttributeValues": {":key": {"S": "KEY#"}, ":sk": {"S": "KEY"}},
        }
        while True:
            reply = self._db.scan(**params)
            keys.extend(from_item(item) for item in reply["Items"])
            if "LastEvaluatedKey" not in reply:
                return keys
            params["ExclusiveStartKey"] = reply["LastEvaluatedKey"]

    def delete(self, key_hash: str) -> bool:
        reply = self._db.delete_item(
            TableName=self._table,
            Key=to_item({"pk": f"KEY#{key_hash}", "sk": "KEY"}),
            ReturnValues="ALL_OLD",
        )
        return "Attributes" in reply
