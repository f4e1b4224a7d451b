"""boto3 clients, created once per container and shared (clients are thread-safe, resources are not).

A client is made on its first call, not when the code that holds it is built: making one loads the
service's model (100-200 ms for DynamoDB or SQS), which a cold start should pay only if the invocation
needs that service.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import ClientError

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4}, max_pool_connections=32)
_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


class LazyClient:
    """A boto3 client that is made on first use, once, whichever thread gets there first."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make
        self._client: Any = None
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._make()
        return getattr(self._client, name)


@cache
def client(service: str) -> Any:
    return LazyClient(lambda: boto3.session.Session().client(service, config=_CONFIG))


@cache
def s3_presigner() -> Any:
    """An S3 client for presigned URLs: SigV4, and the bucket's regional host (the default global host
    redirects outside us-east-1, which breaks a signed URL). Endpoints given as an IP address, like the
    local cloud's, keep path-style URLs."""
    config = _CONFIG.merge(Config(signature_version="s3v4", s3={"addressing_style": "virtual"}))
    return LazyClient(lambda: boto3.session.Session().client("s3", config=config))


_SMALLEST_NUMBER = Decimal("1E-130")
_NUMBER_LIMIT = Decimal("1E+126")
NUMBER_RANGE = "must be 0, or have at most 38 significant digits and a magnitude from 1E-130 to 9.9E+125"


def storable_number(value: int | float) -> bool:
    """Whether DynamoDB can store `value` as we write numbers (`to_attr`, whose conversion refuses more than
    38 significant digits), within DynamoDB's range (which the conversion alone does not hold to)."""
    try:
        number = Decimal(to_attr(value)["N"])
    except (ArithmeticError, TypeError, ValueError, KeyError):
        return False
    return number == 0 or _SMALLEST_NUMBER <= abs(number) < _NUMBER_LIMIT


def to_attr(value: Any) -> dict[str, Any]:
    return _serializer.serialize(_to_dynamo(value))


def to_item(record: dict[str, Any]) -> dict[str, Any]:
    return {key: to_attr(value) for key, value in record.items() if value is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {key: _from_dynamo(_deserializer.deserialize(value)) for key, value in item.items()}


@dataclass
class UpdateExpression:
    """An UpdateExpression and its placeholders, built from clauses and attribute changes."""

    sets: list[str] = field(default_factory=list)
    removes: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)

    def change(self, changes: Mapping[str, Any]) -> UpdateExpression:
        """Set each attribute to its value, or remove it where the value is None."""
        for name, value in changes.items():
            index = len(self.sets) + len(self.removes)
            self.names[f"#f{index}"] = name
            if value is None:
                self.removes.append(f"#f{index}")
            else:
                self.values[f":v{index}"] = to_attr(value)
                self.sets.append(f"#f{index} = :v{index}")
        return self

    @property
    def expression(self) -> str:
        clauses = [
            f"SET {', '.join(self.sets)}" if self.sets else "",
            f"REMOVE {', '.join(self.removes)}" if self.removes else "",
        ]
        return " ".join(clause for clause in clauses if clause)


def _to_dynamo(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _to_dynamo(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_to_dynamo(v) for v in value]
    return value


def _from_dynamo(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _from_dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_dynamo(v) for v in value]
    if isinstance(value, set):
        return {_from_dynamo(v) for v in value}
    return value


# Why DynamoDB refused a write. A failed condition is an answer (someone else moved first); a conflict with
# another transaction or throttling is not: nothing was written, and the same write may succeed a moment
# later. botocore retries throttling of single-item calls itself, but neither a TransactionConflict nor a
# transaction cancelled for conflict or throttling, which DynamoDB reports only in CancellationReasons.
CONDITION_FAILED = "ConditionalCheckFailed"
TRANSIENT_REASONS = frozenset(
    {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"}
)
TRANSIENT_CODES = frozenset(
    {
        "TransactionConflictException",
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
    }
)
WRITE_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 0.025
BACKOFF_CAP_SECONDS = 0.5


class WriteContention(Exception):
    """A write kept meeting conflicts or throttling through all its retries. Nothing was written: the caller
    fails loudly (a task's step is retried from its queue) rather than go on as if it had been."""


def refusal(error: Exception) -> str:
    """Why DynamoDB refused a write: "condition" (a condition did not hold), "transient" (conflict or
    throttling, nothing written), or "other"."""
    response: dict[str, Any] = getattr(error, "response", {})
    code = response.get("Error", {}).get("Code", "")
    if code == "ConditionalCheckFailedException":
        return "condition"
    if code == "TransactionCanceledException":
        reasons = {str(r.get("Code")) for r in response.get("CancellationReasons") or []}
        if CONDITION_FAILED in reasons:
            return "condition"
        return "transient" if reasons & TRANSIENT_REASONS else "other"
    return "transient" if code in TRANSIENT_CODES else "other"


def applied(write: Callable[[], object], sleep: Callable[[float], None] = time.sleep) -> bool:
    """Run a conditional write (or transaction): whether it was applied, False when its condition did not
    hold. Conflicts and throttling are retried with jittered backoff; WriteContention if they persist."""
    attempt = 1
    while True:
        try:
            write()
        except ClientError as error:
            why = refusal(error)
            if why == "condition":
                return False
            if why != "transient":
                raise
            if attempt == WRITE_ATTEMPTS:
                raise WriteContention(f"DynamoDB refused a write {attempt} times: {error}") from error
            # Full jitter: writers that collided must not retry in step.
            sleep(random.uniform(0, min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**attempt)))
            attempt += 1
        else:
            return True


def failed_conditions(db: Any, items: list[dict[str, Any]], sleep: Callable[[float], None] = time.sleep) -> set[int]:
    """Run a transaction: the positions of its items whose condition did not hold (nothing was written
    then), or an empty set when it was applied. Conflicts and throttling are retried as in `applied`."""
    failed: set[int] = set()

    def write() -> None:
        try:
            db.transact_write_items(TransactItems=items)
        except ClientError as error:
            reasons = error.response.get("CancellationReasons") or []
            failed.update(i for i, r in enumerate(reasons) if r.get("Code") == CONDITION_FAILED)
            raise

    applied(write, sleep)
    return failed


def conditional[T](write: Callable[[], T], sleep: Callable[[float], None] = time.sleep) -> T | None:
    """Run a conditional write that returns what it wrote: its reply, or None when its condition did not hold."""
    replies: list[T] = []
    return replies[0] if applied(lambda: replies.append(write()), sleep) else None
