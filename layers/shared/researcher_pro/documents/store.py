"""Uploaded files in the artifacts bucket: the signed form that puts one there, and reading and removing it."""

from __future__ import annotations

from typing import Any, NamedTuple

from botocore.exceptions import ClientError

from researcher_pro.core.aws import client, s3_presigner


class StoredFile(NamedTuple):
    size: int
    content_type: str


class UploadStore:
    def __init__(self, bucket: str) -> None:
        self._bucket = bucket
        self._s3 = client("s3")

    def form(self, key: str, content_type: str, size: int, expires_in: int) -> dict[str, Any]:
        """A presigned POST (`url`, `fields`) that stores exactly `size` bytes of `content_type` at `key`, and
        nothing else: S3 refuses any other key, size or content type. Signing is local, no call to S3 is made;
        like every signed URL, it stops working when the credentials that signed it expire."""
        form: dict[str, Any] = s3_presigner().generate_presigned_post(
            Bucket=self._bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", size, size]],
            ExpiresIn=expires_in,
        )
        return form

    def head(self, key: str) -> StoredFile | None:
        try:
            reply = self._s3.head_object(Bucket=self._bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return None
            raise
        return StoredFile(int(reply["ContentLength"]), str(reply.get("ContentType") or ""))

    def read(self, key: str) -> bytes:
        body: bytes = self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        return body

    def delete(self, key: str) -> None:
        self._s3.delete_object(Bucket=self._bucket, Key=key)
