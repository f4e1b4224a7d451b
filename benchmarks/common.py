"""Statistics the benchmarks share. The local cloud they drive comes from tests/harness.py."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable


def percentile(values: Iterable[float], pct: float) -> float:
    """Nearest-rank percentile: the smallest value with at least `pct` percent of values at or below it."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: Iterable[float]) -> float:
    return float(statistics.median(list(values)))


def rounded(value: float, digits: int = 1) -> float:
    return round(value, digits)
