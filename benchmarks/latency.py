"""Warm latency of POST and GET /v1/research through the local HTTP gateway, offline (no provider keys)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from benchmarks.common import median, percentile, rounded
from tests.harness import Cloud

WARMUP = 20
REQUESTS = 200
BASELINE_REQUESTS = 50
P99_THRESHOLD_MS = 50.0


def timed(send: Callable[[], httpx.Response], expected: int, count: int) -> dict[str, Any]:
    """`count` sequential requests; latency in ms of each, and how many did not answer `expected`."""
    times: list[float] = []
    unexpected = 0
    for _ in range(count):
        start = time.perf_counter()
        response = send()
        times.append((time.perf_counter() - start) * 1000)
        unexpected += response.status_code != expected
    return {
        "requests": count,
        "p50_ms": rounded(percentile(times, 50)),
        "p99_ms": rounded(percentile(times, 99)),
        "median_ms": rounded(median(times)),
        "max_ms": rounded(max(times)),
        "unexpected_status": unexpected,
    }


def measure(warmup: int = WARMUP, requests: int = REQUESTS) -> dict[str, Any]:
    with Cloud({"RP_LOCAL_TICK_SECONDS": "60"}) as cloud:
        counter = iter(range(1_000_000))

        def post() -> httpx.Response:
            body = {"query": f"benchmark question {next(counter)}", "depth": "quick"}
            return cloud.http.post("/v1/research", json=body)

        def get() -> httpx.Response:
            return cloud.http.get("/v1/research", params={"limit": 20})

        def health() -> httpx.Response:
            return cloud.http.get("/v1/health")

        for i in range(warmup):  # both routes, so each has a warm container and a warm connection
            (post if i % 2 == 0 else get)()
        health()
        # For comparison: a route that touches no AWS service (gateway, container hand-off, FastAPI only).
        baseline = timed(health, 200, BASELINE_REQUESTS)
        posts = timed(post, 202, requests)
        gets = timed(get, 200, requests)
        startup_s = cloud.startup_s
    worst = max(posts["p99_ms"], gets["p99_ms"])
    return {
        "warmup_requests": warmup,
        "cloud_startup_s": rounded(startup_s, 2),
        "baseline_get_health": baseline,
        "post_research": posts,
        "get_research": gets,
        "target": {
            "description": f"warm p99 under {P99_THRESHOLD_MS:.0f} ms for POST and GET /v1/research",
            "threshold_ms": P99_THRESHOLD_MS,
            "worst_p99_ms": worst,
            "met": worst < P99_THRESHOLD_MS and posts["unexpected_status"] == 0 and gets["unexpected_status"] == 0,
        },
    }
