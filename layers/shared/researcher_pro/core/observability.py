"""Powertools Logger and Metrics, one of each per container.

The Tracer lives in `tracing.py`: constructing it imports the X-Ray SDK and patches every supported
library, about 300 ms, the whole cold-start budget of an API function. The API functions are traced
by Lambda's active tracing (`Tracing: Active`) without the SDK; the worker and the sweeper, whose
provider and DynamoDB calls are worth subsegments, import the Tracer.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics

SERVICE = "researcher-pro"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace="ResearcherPro", service=SERVICE)
