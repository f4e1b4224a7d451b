"""A sparse index of things by the time they are due, spread over a few partitions.

The sweepers and the scheduler look for what has come due; each capability keeps its own index of that
(live tasks, webhook deliveries, watches). Writing every item's due time under one partition key would make
that key hot, so an item's partition is chosen by a hash of its tenant and id among SHARDS, and a reader
queries them all.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

from researcher_pro.core.aws import from_item

SHARDS = 4


@dataclass(frozen=True)
class DueIndex:
    index: str  # the table's index, e.g. "gsi2"
    prefix: str  # its partition keys are f"{prefix}{shard}"

    def partition(self, tenant: str, item_id: str) -> str:
        return f"{self.prefix}{zlib.crc32(f'{tenant}#{item_id}'.encode()) % SHARDS}"

    def due(self, db: Any, table: str, before: str, limit: int) -> list[dict[str, Any]]:
        """What sorts before `before` in every partition, at most `limit` from each."""
        found: list[dict[str, Any]] = []
        for shard in range(SHARDS):
            reply = db.query(
                TableName=table,
                IndexName=self.index,
                KeyConditionExpression=f"{self.index}pk = :p AND {self.index}sk < :before",
                ExpressionAttributeValues={":p": {"S": f"{self.prefix}{shard}"}, ":before": {"S": before}},
                Limit=limit,
            )
            found.extend(from_item(item) for item in reply["Items"])
        return found
