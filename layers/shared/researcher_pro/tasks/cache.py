"""Provider response cache, scoped to a tenant: an entry can never answer another tenant's call."""

from __future__ import annotations

import json
import time
from typing import Any

from researcher_pro.core.aws import client

MAX_CACHED_BYTES = 350_000


class ResponseCache:
    def __init__(self, table: str, ttl_seconds: int) -> None:
        self._table = table
        self._ttl = ttl_seconds
        self._db = client("dynamodb")

    def get(self, tenant: str, key: str) -> dict[str, Any] | None:
        reply = self._db.get_item(TableName=self._table, Key=self._key(tenant, key))
        item = reply.get("Item")
        if not item or int(item["ttl"]["N"]) <= time.time():
            return None
        value: dict[str, Any] = json.loads(item["value"]["S"])
        return value

    def entry(self, tenant: str, key: str, value: dict[str, Any]) -> dict[str, Any] | None:
        """The write that stores `value`, to join the transaction that bills the call (None: too big to keep)."""
        body = json.dumps(value, separators=(",", ":"))
        if len(body) > MAX_CACHED_BYTES:
            return None
        item = {**self._key(tenant, key), "value": {"S": body}, "ttl": {"N": str(int(time.time()) + self._ttl)}}
        return {"Put": {"TableName": self._table, "Item": item}}

    @staticmethod
    def _key(tenant: str, key: str) -> dict[str, Any]:
        return {"pk": {"S": f"T#{tenant}#CACHE#{key}"}, "sk": {"S": "CACHE"}}
