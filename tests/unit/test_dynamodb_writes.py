"""How a refused DynamoDB write is read: a failed condition is an answer; a transaction cancelled for a
conflict or throttling is retried with jittered backoff, and never mistaken for a failed condition."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from researcher_pro.core.aws import WRITE_ATTEMPTS, WriteContention, applied, refusal


def cancelled(*codes: str) -> ClientError:
    """A TransactionCanceledException as botocore raises it, with DynamoDB's reasons, one per item."""
    return ClientError(
        {
            "Error": {"Code": "TransactionCanceledException", "Message": f"cancelled [{', '.join(codes)}]"},
            "CancellationReasons": [{"Code": code} for code in codes],
        },
        "TransactWriteItems",
    )


def refused(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, "UpdateItem")


@pytest.mark.parametrize(
    ("error", "why"),
    [
        (refused("ConditionalCheckFailedException"), "condition"),
        (cancelled("ConditionalCheckFailed", "None"), "condition"),
        (cancelled("None", "TransactionConflict"), "transient"),
        (cancelled("ThrottlingError", "None", "None"), "transient"),
        (cancelled("None", "ProvisionedThroughputExceeded"), "transient"),
        (cancelled("ConditionalCheckFailed", "TransactionConflict"), "condition"),
        (refused("TransactionConflictException"), "transient"),
        (refused("ProvisionedThroughputExceededException"), "transient"),
        (cancelled("ValidationError"), "other"),
        (refused("ValidationException"), "other"),
    ],
)
def test_why_a_write_was_refused(error: ClientError, why: str) -> None:
    assert refusal(error) == why


def writes(*outcomes: Exception | None) -> tuple[list[int], object]:
    calls: list[int] = []
    queue = list(outcomes)

    def write() -> None:
        calls.append(1)
        outcome = queue.pop(0) if queue else None
        if outcome is not None:
            raise outcome

    return calls, write


def test_a_conflict_is_retried_until_the_write_goes_through() -> None:
    calls, write = writes(cancelled("None", "TransactionConflict"), cancelled("ThrottlingError"), None)
    waits: list[float] = []
    assert applied(write, sleep=waits.append) is True  # type: ignore[arg-type]
    assert len(calls) == 3 and len(waits) == 2 and all(0 <= w <= 0.5 for w in waits)


def test_a_failed_condition_is_an_answer_not_retried() -> None:
    calls, write = writes(cancelled("ConditionalCheckFailed", "None"))
    assert applied(write, sleep=lambda _: None) is False  # type: ignore[arg-type]
    assert len(calls) == 1


def test_contention_that_persists_is_raised_not_taken_for_a_failed_condition() -> None:
    calls, write = writes(*[cancelled("TransactionConflict")] * WRITE_ATTEMPTS)
    with pytest.raises(WriteContention):
        applied(write, sleep=lambda _: None)  # type: ignore[arg-type]
    assert len(calls) == WRITE_ATTEMPTS


def test_other_errors_are_not_swallowed() -> None:
    _, write = writes(refused("ValidationException"))
    with pytest.raises(ClientError):
        applied(write, sleep=lambda _: None)  # type: ignore[arg-type]
