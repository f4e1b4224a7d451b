"""Fault injection for the local cloud: what AWS does to a system now and then, done on purpose and often.
Off unless the settings turn it on (RP_LOCAL_FAULT_*, each a rate from 0 to 1):

- DynamoDB refusing conditional and transactional writes for a transaction conflict, or for throttling, in
  the very shapes DynamoDB answers them (a TransactionCanceledException with its CancellationReasons, a
  TransactionConflictException, a ProvisionedThroughputExceededException);
- SQS delivering a message a second time, while the first delivery is being handled;
- a worker container killed in the middle of a step.

Every fault injected is printed as one line, `fault injected: <kind>`, so a soak can count them; a line may
end with the fault's details as a JSON object (a killed worker's: which invocation it cut, and when).
"""

from __future__ import annotations

import io
import json
import random
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# The tables whose writes conflict with transactions in Researcher Pro (the idempotency table sees no
# transactions, so DynamoDB would never report a transaction conflict there).
CONFLICTING_TABLE_SUFFIXES = ("-DataTable", "-ConnectionsTable")
WRITES = {"PutItem", "UpdateItem", "DeleteItem"}


@dataclass(frozen=True)
class Faults:
    dynamodb_conflicts: float = 0.0
    dynamodb_throttles: float = 0.0
    sqs_duplicates: float = 0.0
    worker_kills: float = 0.0
    seed: int | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Faults:
        def rate(name: str) -> float:
            value = float(env.get(f"RP_LOCAL_FAULT_{name}", "0") or 0)
            if not 0 <= value <= 1:
                raise ValueError(f"RP_LOCAL_FAULT_{name} is a rate from 0 to 1, not {value}")
            return value

        seed = env.get("RP_LOCAL_FAULT_SEED")
        return cls(
            dynamodb_conflicts=rate("DYNAMODB_CONFLICTS"),
            dynamodb_throttles=rate("DYNAMODB_THROTTLES"),
            sqs_duplicates=rate("SQS_DUPLICATES"),
            worker_kills=rate("WORKER_KILLS"),
            seed=int(seed) if seed else None,
        )

    @property
    def any(self) -> bool:
        return any((self.dynamodb_conflicts, self.dynamodb_throttles, self.sqs_duplicates, self.worker_kills))


class Dice:
    """Shared, seedable randomness for every fault, thread-safe."""

    def __init__(self, seed: int | None) -> None:
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def roll(self, rate: float) -> bool:
        if rate <= 0:
            return False
        with self._lock:
            return self._random.random() < rate

    def uniform(self, low: float, high: float) -> float:
        with self._lock:
            return self._random.uniform(low, high)


def announce(kind: str, details: Mapping[str, Any] | None = None) -> None:
    suffix = f" {json.dumps(details, separators=(',', ':'))}" if details else ""
    print(f"fault injected: {kind}{suffix}", flush=True)


class DynamoDBFaults:
    """WSGI middleware in front of moto: refuses a share of conditional and transactional writes as DynamoDB
    does under contention. A refused write changes nothing, exactly as in DynamoDB."""

    def __init__(self, app: Callable[..., Iterable[bytes]], faults: Faults, dice: Dice) -> None:
        self._app = app
        self._faults = faults
        self._dice = dice

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if not target.startswith("DynamoDB_"):
            return self._app(environ, start_response)
        operation = target.split(".", 1)[-1]
        if operation != "TransactWriteItems" and operation not in WRITES:
            return self._app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)
        refusal = self._refusal(operation, json.loads(body or b"{}"))
        if refusal is None:
            return self._app(environ, start_response)
        announce(f"dynamodb {refusal['__type'].rsplit('#', 1)[-1]}")
        payload = json.dumps(refusal).encode()
        start_response(
            "400 Bad Request",
            [("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", str(len(payload)))],
        )
        return [payload]

    def _refusal(self, operation: str, request: dict[str, Any]) -> dict[str, Any] | None:
        if operation == "TransactWriteItems":
            items = request.get("TransactItems") or []
            tables = [next(iter(item.values())).get("TableName", "") for item in items]
            if not any(table.endswith(CONFLICTING_TABLE_SUFFIXES) for table in tables):
                return None
            if self._dice.roll(self._faults.dynamodb_conflicts):
                reason = ("TransactionConflict", "Transaction is ongoing for the item")
            elif self._dice.roll(self._faults.dynamodb_throttles):
                reason = ("ThrottlingError", "Throughput exceeds the current capacity for one or more global tables")
            else:
                return None
            # DynamoDB names a reason for every item: the contended one, and None for the others.
            contended = int(self._dice.uniform(0, len(items))) if items else 0
            reasons = [
                {"Code": reason[0], "Message": reason[1]} if i == contended else {"Code": "None"}
                for i in range(len(items))
            ]
            return {
                "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
                "message": f"Transaction cancelled, please refer cancellation reasons for specific reasons "
                f"[{', '.join(r['Code'] for r in reasons)}]",
                "CancellationReasons": reasons,
            }
        if not request.get("ConditionExpression") or not request.get("TableName", "").endswith(
            CONFLICTING_TABLE_SUFFIXES
        ):
            return None
        if self._dice.roll(self._faults.dynamodb_conflicts):
            return {
                "__type": "com.amazonaws.dynamodb.v20120810#TransactionConflictException",
                "message": "Transaction is ongoing for the item",
            }
        if self._dice.roll(self._faults.dynamodb_throttles):
            return {
                "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                "message": "The level of configured provisioned throughput for the table was exceeded.",
            }
        return None
