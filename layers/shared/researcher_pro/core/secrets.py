"""Secrets, read from AWS Secrets Manager with Powertools parameters and cached per container.

Only the functions that need a secret are told where it is (its ARN, in their environment) and may read
it (IAM, in template.yaml): the task worker the provider keys, the API functions that list the cursor key.
Powertools is imported on the first read, so a function that never reads a secret never loads it.
"""

from __future__ import annotations

from typing import Any

# A secret is read again after this long, so a rotated value reaches warm containers.
SECRET_MAX_AGE_SECONDS = 300


def secret_text(arn: str) -> str:
    from aws_lambda_powertools.utilities.parameters import get_secret

    value = get_secret(arn, max_age=SECRET_MAX_AGE_SECONDS)
    return value.decode() if isinstance(value, bytes) else str(value)


def secret_fields(arn: str) -> dict[str, Any]:
    """A secret whose value is a JSON object (such as the provider keys)."""
    from aws_lambda_powertools.utilities.parameters import get_secret

    value = get_secret(arn, transform="json", max_age=SECRET_MAX_AGE_SECONDS)
    if not isinstance(value, dict):
        raise ValueError(f"the secret {arn} does not hold a JSON object")
    return value
