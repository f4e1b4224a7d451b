"""Every write that starts work passes here: the tenant's start rate, then `Idempotency-Key` on
Powertools' idempotency utility.

The key is scoped to the tenant and the operation; the body is part of the record, so the same key
with another body is refused instead of silently answered with the first response. A retry that is
answered from the record starts nothing and so is not counted against the rate.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from researcher_pro.core.aws import client
from researcher_pro.core.errors import Conflict, InvalidInput


class IdempotentStarts:
    def __init__(self, table: str, ttl_seconds: int, admit: Callable[[str], None]) -> None:
        self._admit = admit
        self._store = DynamoDBPersistenceLayer(table_name=table, boto3_client=client("dynamodb"))
        self._config = IdempotencyConfig(
            event_key_jmespath="[tenant, operation, key]",
            payload_validation_jmespath="body",
            expires_after_seconds=ttl_seconds,
            raise_on_no_idempotency_key=True,
        )

    def register(self, lambda_context: Any) -> None:
        """The invocation's context: a start still in progress when the invocation times out stops blocking
        its key once that time has passed (without it, for the record's whole lifetime)."""
        if lambda_context is not None:
            self._config.register_lambda_context(lambda_context)

    def run(
        self, tenant: str, key: str | None, operation: str, body: dict[str, Any], start: Callable[[], dict[str, Any]]
    ) -> dict[str, Any]:
        if key is None:
            self._admit(tenant)
            return start()

        @idempotent_function(data_keyword_argument="request", config=self._config, persistence_store=self._store)
        def start_once(request: dict[str, Any]) -> dict[str, Any]:
            self._admit(tenant)
            return start()

        try:
            result: dict[str, Any] = start_once(
                request={"tenant": tenant, "operation": operation, "key": key, "body": body}
            )
        except IdempotencyValidationError as error:
            raise InvalidInput("this Idempotency-Key was already used with a different request body") from error
        except IdempotencyAlreadyInProgressError as error:
            raise Conflict("a request with this Idempotency-Key is still being processed") from error
        return result
