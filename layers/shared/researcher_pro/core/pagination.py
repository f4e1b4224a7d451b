"""Opaque list cursors: a DynamoDB LastEvaluatedKey that must come back exactly as we issued it."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from researcher_pro.core.errors import InvalidCursor


def encode_cursor(last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    raw = json.dumps(last_key, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, partition_attr: str, partition_value: str) -> dict[str, Any] | None:
    """A cursor is accepted only if it decodes to a key of the very list (and tenant) being read."""
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise InvalidCursor() from error
    if not isinstance(key, dict) or key.get(partition_attr) != {"S": partition_value}:
        raise InvalidCursor()
    if not all(isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str) for v in key.values()):
        raise InvalidCursor()
    if set(key) != {"pk", "sk", partition_attr, partition_attr.replace("pk", "sk")}:
        raise InvalidCursor()
    return key


def newest_first_page(
    db: Any, table: str, partition: str, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of a tenant's list (its `gsi1` partition, sorted by creation time), newest first,
    with items as DynamoDB returns them."""
    params: dict[str, Any] = {
        "TableName": table,
        "IndexName": "gsi1",
        "KeyConditionExpression": "gsi1pk = :p",
        "ExpressionAttributeValues": {":p": {"S": partition}},
        "ScanIndexForward": False,
        "Limit": limit,
    }
    start = decode_cursor(cursor, "gsi1pk", partition)
    if start:
        params["ExclusiveStartKey"] = start
    reply = db.query(**params)
    return reply["Items"], encode_cursor(reply.get("LastEvaluatedKey"))
