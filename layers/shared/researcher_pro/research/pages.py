"""The pages a tenant's research has read, so that a page is fetched once: a per-tenant cache by normalised
URL, with a lifetime.

A page's text can be megabytes, so it lives in S3 (the artifacts bucket, under `pages/<tenant>/`) and its
DynamoDB item holds only where it is and what it is. A page that could not be read is remembered too, for
a shorter time (a failure may be passing: a timeout, a server error), so the rounds of a run do not fetch
again what just failed. A failure never replaces a page that is still fresh. Entries are keyed by tenant:
one tenant's research never sees what another's read. DynamoDB deletes expired items late, so an entry
counts only while its `ttl` is in the future.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any

from researcher_pro.core.aws import applied, client, from_item, to_item
from researcher_pro.core.citations import normalise_url
from researcher_pro.core.clock import now_rfc3339
from researcher_pro.providers.reader import Page

FAILURE_TTL_SECONDS = 900
PAGE = "page"
FAILURE = "failure"


@dataclass(frozen=True)
class PageFailure:
    """A page that could not be read when it was last tried: `reason` is one of providers.reader.REASONS."""

    url: str
    reason: str
    detail: str
    failed_at: str


def page_key(url: str) -> str:
    """The cache key of a URL: the SHA-256 of its normal form (one key however the URL is written)."""
    return hashlib.sha256(normalise_url(url).encode("utf-8")).hexdigest()


class PageStore:
    def __init__(
        self,
        table: str,
        bucket: str,
        ttl_seconds: int,
        failure_ttl_seconds: int = FAILURE_TTL_SECONDS,
        db: Any = None,
        s3: Any = None,
    ) -> None:
        self._table = table
        self._bucket = bucket
        self._ttl = ttl_seconds
        self._failure_ttl = min(failure_ttl_seconds, ttl_seconds)
        self._db = db or client("dynamodb")
        self._s3 = s3 or client("s3")

    def get(self, tenant: str, url: str) -> Page | PageFailure | None:
        """The page as last read, why it could not be read, or None when it is not known (or expired)."""
        reply = self._db.get_item(TableName=self._table, Key=self._key(tenant, url), ConsistentRead=True)
        if "Item" not in reply:
            return None
        item = from_item(reply["Item"])
        if int(item["ttl"]) <= time.time():
            return None
        if item["kind"] == FAILURE:
            return PageFailure(item["url"], item["reason"], item.get("detail", ""), item["fetched_at"])
        try:
            body = self._s3.get_object(Bucket=self._bucket, Key=item["s3_key"])["Body"].read()
        except self._s3.exceptions.NoSuchKey:
            return None  # the text is gone (removed by hand, or by the bucket's lifecycle): read the page again
        return Page(
            url=item["url"],
            final_url=item["final_url"],
            title=item.get("title", ""),
            text=body.decode("utf-8"),
            content_type=item["content_type"],
            fetched_at=item["fetched_at"],
        )

    def put(self, tenant: str, url: str, page: Page) -> None:
        """Keep a page that was read, replacing whatever was kept for its URL."""
        key = page_key(url)
        s3_key = f"pages/{tenant}/{key}.txt"
        # The text first: an item never points at text that is not there.
        self._s3.put_object(
            Bucket=self._bucket,
            Key=s3_key,
            Body=page.text.encode("utf-8"),
            ContentType="text/plain; charset=utf-8",
        )
        item = to_item(
            {
                "kind": PAGE,
                "url": url,
                "final_url": page.final_url,
                "title": page.title,
                "content_type": page.content_type,
                "chars": len(page.text),
                "s3_key": s3_key,
                "fetched_at": page.fetched_at,
                "ttl": int(time.time()) + self._ttl,
            }
        )
        applied(lambda: self._db.put_item(TableName=self._table, Item={**self._key(tenant, url), **item}))

    def put_failure(self, tenant: str, url: str, reason: str, detail: str = "") -> None:
        """Remember that a page could not be read, unless a page read for its URL is still fresh."""
        now = int(time.time())
        item = to_item(
            {
                "kind": FAILURE,
                "url": url,
                "reason": reason,
                "detail": detail[:1000],
                "fetched_at": now_rfc3339(),
                "ttl": now + self._failure_ttl,
            }
        )
        applied(
            lambda: self._db.put_item(
                TableName=self._table,
                Item={**self._key(tenant, url), **item},
                ConditionExpression="attribute_not_exists(pk) OR #kind = :failure OR #ttl <= :now",
                ExpressionAttributeNames={"#kind": "kind", "#ttl": "ttl"},
                ExpressionAttributeValues={":failure": {"S": FAILURE}, ":now": {"N": str(now)}},
            )
        )

    @staticmethod
    def _key(tenant: str, url: str) -> dict[str, Any]:
        return {"pk": {"S": f"T#{tenant}#PAGE#{page_key(url)}"}, "sk": {"S": "PAGE"}}
