"""Provider response cache, scoped to a tenant: an entry can never answer another tenant's call.

An entry is written in the same transaction as the bill of the call that produced it. When that bill could
not be written, the entry is kept marked `unbilled` (with the bill), and the next call it answers bills it.
"""

from __future__ import annotations

import json
import time
from typing import Any

from researcher_pro.core.aws import applied, client, from_item, to_attr
from researcher_pro.tasks.metering import CachedReply

MAX_CACHED_BYTES = 350_000


class ResponseCache:
    def __init__(self, table: str, ttl_seconds: int) -> None:
        self._table = table
        self._ttl = ttl_seconds
        self._db = client("dynamodb")

    def get(self, tenant: str, key: str) -> CachedReply | None:
        reply = self._db.get_item(TableName=self._table, Key=self._key(tenant, key), ConsistentRead=True)
        item = reply.get("Item")
        if not item or int(item["ttl"]["N"]) <= time.time():
            return None
        unbilled = from_item({"u": item["unbilled"]})["u"] if "unbilled" in item else None
        return CachedReply(json.loads(item["value"]["S"]), unbilled)

    def entry(self, tenant: str, key: str, value: dict[str, Any]) -> dict[str, Any] | None:
        """The write that stores `value`, to join the transaction that bills the call (None: too big to keep)."""
        item = self._item(tenant, key, value)
        return None if item is None else {"Put": {"TableName": self._table, "Item": item}}

    def keep_unbilled(self, tenant: str, key: str, value: dict[str, Any], usage: dict[str, float]) -> None:
        """Keep an answer whose bill could not be written, with that bill, for the next hit to write."""
        item = self._item(tenant, key, value)
        if item is not None:
            item["unbilled"] = to_attr(usage)
            applied(lambda: self._db.put_item(TableName=self._table, Item=item))

    def billing(self, tenant: str, key: str) -> dict[str, Any]:
        """The write that marks an unbilled entry billed, to join its bill; its condition fails (and the
        whole bill with it) when another hit has billed it already."""
        return {
            "Update": {
                "TableName": self._table,
                "Key": self._key(tenant, key),
                "UpdateExpression": "REMOVE unbilled",
                "ConditionExpression": "attribute_exists(unbilled)",
            }
        }

    def _item(self, tenant: str, key: str, value: dict[str, Any]) -> dict[str, Any] | None:
        body = json.dumps(value, separators=(",", ":"))
        if len(body) > MAX_CACHED_BYTES:
            return None
        return {**self._key(tenant, key), "value": {"S": body}, "ttl": {"N": str(int(time.time()) + self._ttl)}}

    @staticmethod
    def _key(tenant: str, key: str) -> dict[str, Any]:
        return {"pk": {"S": f"T#{tenant}#CACHE#{key}"}, "sk": {"S": "CACHE"}}
