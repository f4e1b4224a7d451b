"""The per-tenant page cache against moto: text in S3, a small item in DynamoDB, one entry per normalised URL,
never another tenant's, gone when its time is up, and failures remembered for a shorter time."""

from __future__ import annotations

import time
import uuid

import boto3
from researcher_pro.core.config import get_settings
from researcher_pro.providers.reader import Page
from researcher_pro.research.pages import PageFailure, PageStore, page_key
from researcher_pro.research.wiring import page_store

from infra.local.template import Stack

URL = "https://www.example.com/guides/cold-climate/?utm_source=news"
SAME_PAGE = "https://example.com/guides/cold-climate"


def tenant() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"


def store(stack: Stack, ttl_seconds: int = 3600, failure_ttl_seconds: int = 900) -> PageStore:
    settings = get_settings()
    return PageStore(settings.data_table, settings.artifacts_bucket, ttl_seconds, failure_ttl_seconds)


def page(text: str = "Heat pumps keep working at minus 25 degrees.\n\nEfficiency drops as it gets colder.") -> Page:
    return Page(
        url=URL,
        final_url="https://example.com/guides/cold-climate-heat-pumps",
        title="Heat pumps in cold climates",
        text=text,
        content_type="text/html",
        fetched_at="2026-11-26T10:00:00.000Z",
    )


def test_a_page_round_trips_with_its_text_in_s3(stack: Stack) -> None:
    pages, who = store(stack), tenant()
    text = "Värmepumpar fungerar ner till minus 25 grader. " * 2_000  # far beyond what an item should hold
    pages.put(who, URL, page(text))

    assert pages.get(who, URL) == page(text)
    assert pages.get(who, SAME_PAGE) == page(text)  # the same page however its URL is written

    settings = get_settings()
    key = f"pages/{who}/{page_key(URL)}.txt"
    s3 = boto3.client("s3")
    stored = s3.get_object(Bucket=settings.artifacts_bucket, Key=key)
    assert stored["ContentType"] == "text/plain; charset=utf-8"
    assert stored["Body"].read().decode("utf-8") == text
    item = boto3.client("dynamodb").get_item(
        TableName=settings.data_table, Key={"pk": {"S": f"T#{who}#PAGE#{page_key(URL)}"}, "sk": {"S": "PAGE"}}
    )["Item"]
    assert "text" not in item and item["s3_key"]["S"] == key and item["chars"]["N"] == str(len(text))
    assert int(item["ttl"]["N"]) > time.time() + 3500


def test_another_tenant_never_gets_a_cached_page(stack: Stack) -> None:
    pages, owner, other = store(stack), tenant(), tenant()
    pages.put(owner, URL, page())
    pages.put_failure(owner, "https://example.com/broken", "timeout")

    assert pages.get(other, URL) is None
    assert pages.get(other, "https://example.com/broken") is None
    assert pages.get(owner, URL) is not None


def test_an_expired_page_is_a_miss(stack: Stack) -> None:
    # DynamoDB deletes expired items late: the item is still there, its ttl in the past.
    expired, who = store(stack, ttl_seconds=-1), tenant()
    expired.put(who, URL, page())
    assert expired.get(who, URL) is None
    assert store(stack).get(who, URL) is None


def test_a_failure_is_remembered_for_a_shorter_time(stack: Stack) -> None:
    pages, who = store(stack, ttl_seconds=86_400, failure_ttl_seconds=900), tenant()
    pages.put_failure(who, URL, "timeout", "the page was not read in time")

    failure = pages.get(who, SAME_PAGE)
    assert isinstance(failure, PageFailure)
    assert (failure.reason, failure.detail, failure.url) == ("timeout", "the page was not read in time", URL)

    item = boto3.client("dynamodb").get_item(
        TableName=get_settings().data_table,
        Key={"pk": {"S": f"T#{who}#PAGE#{page_key(URL)}"}, "sk": {"S": "PAGE"}},
    )["Item"]
    assert int(item["ttl"]["N"]) <= time.time() + 900

    forgotten, later = store(stack, failure_ttl_seconds=-1), tenant()
    forgotten.put_failure(later, URL, "status", "HTTP 503")
    assert forgotten.get(later, URL) is None


def test_a_page_replaces_a_failure_and_a_failure_never_replaces_a_fresh_page(stack: Stack) -> None:
    pages, who = store(stack), tenant()
    pages.put_failure(who, URL, "connection")
    pages.put(who, URL, page())
    assert pages.get(who, URL) == page()

    pages.put_failure(who, URL, "timeout")  # a later read failed; what was read is still good
    assert pages.get(who, URL) == page()

    pages.put(who, URL, page("A newer version of the page."))
    assert pages.get(who, URL) == page("A newer version of the page.")


def test_the_wiring_builds_the_store_from_the_settings(stack: Stack) -> None:
    who = tenant()
    page_store(get_settings()).put(who, URL, page())
    assert store(stack).get(who, URL) == page()
