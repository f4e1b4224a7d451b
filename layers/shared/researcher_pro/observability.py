"""Powertools Logger, Tracer and Metrics, one of each per container."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = "researcher-pro"

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
metrics = Metrics(namespace="ResearcherPro", service=SERVICE)
