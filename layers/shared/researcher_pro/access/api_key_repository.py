"""API keys: only the SHA-256 of a key is stored, mapped to its tenant."""

from __future__ import annotations

from typing import Any

from researcher_pro.core.aws import client, from_item, to_item


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

    def delete(self, key_hash: str) -> bool:
        reply = self._db.delete_item(
            TableName=self._table,
            Key=to_item({"pk": f"KEY#{key_hash}", "sk": "KEY"}),
            ReturnValues="ALL_OLD",
        )
        return "Attributes" in reply
