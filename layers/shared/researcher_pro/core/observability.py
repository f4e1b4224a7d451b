"""Powertools Logger and Metrics, one of each per container.

The Tracer lives in `tracing.py`: constructing it imports the X-Ray SDK and patches every supported
library, about 300 ms, the whole cold-start budget of an API function. The API functions are traced
by Lambda's active tracing (`Tracing: Active`) without the SDK; the worker and the sweeper, whose
provider and DynamoDB calls are worth subsegments, import the Tracer.
"""

from __future__ import annotations

import threading

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from researcher_pro.core.metric_names import NAMESPACE

SERVICE = "researcher-pro"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
_adding = threading.Lock()


def add_metric(name: str, unit: MetricUnit, value: float) -> None:
    """`metrics.add_metric` for code that runs on several threads at once (sub-questions, the fan-out's pool):
    Powertools writes an invocation's metrics out as soon as one of them has 100 values, and that write must
    not meet another thread's add."""
    with _adding:
        metrics.add_metric(name=name, unit=unit, value=value)


def metric_by(name: str, unit: MetricUnit, value: float, **dimensions: str) -> None:
    """One value of a metric with dimensions of its own (a step, an error code). `metrics` gives every metric of
    an invocation the same dimensions, so this one is written as a record of its own, at once."""
    with single_metric(
        name=name, unit=unit, value=value, namespace=NAMESPACE, default_dimensions={"service": SERVICE}
    ) as metric:
        for key, dimension in dimensions.items():
            metric.add_dimension(name=key, value=dimension)
