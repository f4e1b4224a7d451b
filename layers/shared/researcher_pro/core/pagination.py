"""Opaque list cursors: where the previous page ended, signed, so that only a cursor we issued is ever read.

A cursor is `<payload>.<signature>`: the payload is the JSON of a DynamoDB LastEvaluatedKey (or another
position, such as an offset into the built-in templates), base64url; the signature is its HMAC-SHA256 under
the deployment's cursor key (a generated secret), truncated to 128 bits. A cursor that is too long, altered,
signed with another key, or for another list or tenant is refused (`InvalidCursor`, 422) before any
storage is asked: a client cannot steer a query to a key of its choosing, nor reach DynamoDB with a key
whose size or shape DynamoDB would reject.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import threading
from collections.abc import Callable
from typing import Any

from researcher_pro.core.errors import InvalidCursor

MAX_CURSOR_CHARS = 1024  # what we issue stays under about 600 characters
_SIGNATURE_BYTES = 16
_CONTEXT = b"researcher-pro.cursor.v1."


class Cursors:
    """Signs and checks the cursors of every list. `key` gives the signing key; it is asked once, when the
    first cursor is signed or checked (a list that fits one page needs no key)."""

    def __init__(self, key: Callable[[], bytes]) -> None:
        self._make_key = key
        self._key: bytes | None = None
        self._lock = threading.Lock()

    # --- any position ----------------------------------------------------------------------------
    def sign(self, position: dict[str, Any]) -> str:
        payload = _b64(json.dumps(position, separators=(",", ":"), sort_keys=True).encode())
        return f"{payload}.{_b64(self._signature(payload))}"

    def open(self, cursor: str) -> dict[str, Any]:
        """The position a cursor we signed holds; InvalidCursor for anything else."""
        if not isinstance(cursor, str) or len(cursor) > MAX_CURSOR_CHARS or cursor.count(".") != 1:
            raise InvalidCursor()
        payload, signature = cursor.split(".")
        try:
            given = _unb64(signature)
        except (binascii.Error, ValueError) as error:
            raise InvalidCursor() from error
        if not hmac.compare_digest(given, self._signature(payload)):
            raise InvalidCursor()
        try:
            position = json.loads(_unb64(payload))
        except (binascii.Error, ValueError, UnicodeDecodeError) as error:
            raise InvalidCursor() from error
        if not isinstance(position, dict):
            raise InvalidCursor()
        return position

    # --- DynamoDB keys ---------------------------------------------------------------------------
    def encode(self, last_key: dict[str, Any] | None) -> str | None:
        return self.sign(last_key) if last_key else None

    def decode(self, cursor: str | None, partition_attr: str, partition_value: str) -> dict[str, Any] | None:
        """A cursor is accepted only if we signed it and it is a key of the very list (and tenant) being read."""
        if cursor is None:
            return None
        key = self.open(cursor)
        if key.get(partition_attr) != {"S": partition_value}:
            raise InvalidCursor()
        if not all(isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str) for v in key.values()):
            raise InvalidCursor()
        if set(key) != {"pk", "sk", partition_attr, partition_attr.replace("pk", "sk")}:
            raise InvalidCursor()
        return key

    def _signature(self, payload: str) -> bytes:
        return hmac.new(self._signing_key(), _CONTEXT + payload.encode(), hashlib.sha256).digest()[:_SIGNATURE_BYTES]

    def _signing_key(self) -> bytes:
        if self._key is None:
            with self._lock:
                if self._key is None:
                    self._key = self._make_key()
        return self._key


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    if not text.isascii():
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def newest_first_page(
    db: Any, table: str, partition: str, limit: int, cursor: str | None, cursors: Cursors
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
    start = cursors.decode(cursor, "gsi1pk", partition)
    if start:
        params["ExclusiveStartKey"] = start
    reply = db.query(**params)
    return reply["Items"], cursors.encode(reply.get("LastEvaluatedKey"))
