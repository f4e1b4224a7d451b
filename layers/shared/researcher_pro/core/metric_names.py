"""The names of Researcher Pro's own CloudWatch metrics (namespace `ResearcherPro`, dimension `service`), in one
place: the code emits them by these names, and template.yaml's dashboard and alarms name them, which
tests/unit/test_metric_names.py holds to this module."""

from __future__ import annotations

NAMESPACE = "ResearcherPro"

# Work started through the API or by a watch's schedule.
RUNS_STARTED = "RunsStarted"
ANALYSES_STARTED = "AnalysesStarted"
REPORTS_STARTED = "ReportsStarted"

# A task's end: `<prefix><Status>` for each kind (tasks/kinds.py: Runs, Analyses, Reports) and each ending.
TASK_PREFIXES = ("Runs", "Analyses", "Reports")
TASK_ENDINGS = ("succeeded", "failed", "cancelled")


def task_ended(prefix: str, status: str) -> str:
    return f"{prefix}{status.capitalize()}"


RUNS_FAILED = task_ended("Runs", "failed")
# A failed task again, by its kind and `error.code` (dimensions Kind, ErrorCode).
TASK_FAILURES = "TaskFailures"
# How long a step took, by kind and step (dimensions Kind, Step), in milliseconds.
STEP_DURATION = "StepDuration"

# Provider calls: each attempt made, each that failed (retried or refused), each refused with 429, and the
# time of a call that was answered (retries included).
PROVIDER_REQUESTS = "ProviderRequests"
PROVIDER_ERRORS = "ProviderErrors"
PROVIDER_THROTTLES = "ProviderThrottles"
PROVIDER_LATENCY = "ProviderLatency"

# What answered calls cost, and the response cache (a hit is a call not made).
INPUT_TOKENS = "InputTokens"
OUTPUT_TOKENS = "OutputTokens"
COST_USD = "CostUSD"
CACHE_HITS = "CacheHits"
CACHE_MISSES = "CacheMisses"

# WebSocket: messages posted to connections (events and replies), and those that could not be delivered.
PUSHES = "WebSocketPushes"
PUSH_FAILURES = "WebSocketPushFailures"

# Webhooks (webhooks/delivery.py, Count): attempts made, attempts that failed, endpoints disabled for failing.
WEBHOOK_DELIVERIES = "WebhookDeliveries"
WEBHOOK_DELIVERY_FAILURES = "WebhookDeliveryFailures"
WEBHOOK_ENDPOINTS_DISABLED = "WebhookEndpointsDisabled"
