"""Report bodies in the artifacts bucket, under a key that starts with the tenant, and their download URLs."""

from __future__ import annotations

from researcher_pro.core.aws import client, s3_presigner


def report_key(tenant: str, report_id: str, extension: str) -> str:
    return f"reports/{tenant}/{report_id}.{extension}"


class ReportStore:
    def __init__(self, bucket: str) -> None:
        self._bucket = bucket
        self._s3 = client("s3")

    def put(self, key: str, body: bytes, content_type: str, filename: str) -> None:
        self._s3.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=body,
            ContentType=content_type,
            ContentDisposition=_attachment(filename),
        )

    def download_url(self, key: str, content_type: str, filename: str, expires_in: int) -> str:
        """A time-limited GET for one object. Signing is local: no call to S3 is made. The URL stops working
        when the credentials that signed it expire, whatever it says, and a Lambda's are temporary: the
        setting is capped at an hour, and every GET of a report signs afresh."""
        url: str = s3_presigner().generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self._bucket,
                "Key": key,
                # The response headers are part of the signature, so nobody can serve the body as another type.
                "ResponseContentType": content_type,
                "ResponseContentDisposition": _attachment(filename),
            },
            ExpiresIn=expires_in,
        )
        return url


def _attachment(filename: str) -> str:
    # Our filenames are ours (report id and extension), never a client's; attachment keeps a browser
    # from rendering an HTML report on the bucket's origin.
    return f'attachment; filename="{filename}"'
