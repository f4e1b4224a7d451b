"""Texts a task works on: inline in its record when small, in S3 when large, so records stay far
below DynamoDB's 400 KB whatever the script (100 000 characters can be 400 000 UTF-8 bytes)."""

from __future__ import annotations

from typing import Any

from researcher_pro.core.aws import client

INLINE_TEXT_BYTES = 8_192


class TextStore:
    def __init__(self, bucket: str) -> None:
        self._bucket = bucket
        self._s3 = client("s3")

    def keep(self, tenant: str, name: str, text: str) -> dict[str, Any]:
        """The record fields that hold `text`: the text itself, or where it is in S3."""
        body = text.encode("utf-8")
        if len(body) <= INLINE_TEXT_BYTES:
            return {"text": text}
        key = f"texts/{tenant}/{name}.txt"
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=body, ContentType="text/plain; charset=utf-8")
        return {"text_s3_key": key}

    def read(self, record: dict[str, Any]) -> str:
        if "text" in record:
            return str(record["text"])
        body = self._s3.get_object(Bucket=self._bucket, Key=record["text_s3_key"])["Body"].read()
        return str(body.decode("utf-8"))
