"""The Powertools Tracer, for the functions that make provider calls (see observability.py for why not all)."""

from __future__ import annotations

from aws_lambda_powertools import Tracer

from researcher_pro.core.observability import SERVICE

tracer = Tracer(service=SERVICE)
