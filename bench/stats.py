"""Percentiles and summaries of latency samples (pure functions, unit-tested in tests/bench).

Percentiles interpolate linearly between the two nearest ranks (numpy's default), so a p99 of
a few hundred samples is not just the largest one.

Example::

    summary([1.0, 2.0, 3.0, 4.0])   # {"n": 4, "p50": 2.5, "p95": 3.85, "p99": 3.97, ...}
    ratio(2.0, 1.0)                 # 2.0
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0..100) of ``values``; ``None`` when there are none."""
    if not 0.0 <= q <= 100.0:
        raise ValueError(f"percentile must be within 0..100, not {q}")
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low, high = math.floor(rank), math.ceil(rank)
    if low == high:
        return float(ordered[low])
    return float(ordered[low] + (ordered[high] - ordered[low]) * (rank - low))


def summary(values: Iterable[float]) -> dict[str, float | int | None]:
    """Count, p50/p90/p95/p99, mean and max, rounded to 0.001 (values are milliseconds)."""
    data = list(values)

    def r(x: float | None) -> float | None:
        return None if x is None else round(x, 3)

    return {
        "n": len(data),
        "p50": r(percentile(data, 50)),
        "p90": r(percentile(data, 90)),
        "p95": r(percentile(data, 95)),
        "p99": r(percentile(data, 99)),
        "mean": r(sum(data) / len(data)) if data else None,
        "max": r(max(data)) if data else None,
    }


def ratio(value: float | None, anchor: float | None) -> float | None:
    """``value / anchor`` rounded to 0.001; ``None`` if either is missing or the anchor is 0."""
    if value is None or anchor is None or anchor <= 0:
        return None
    return round(value / anchor, 3)


def median(values: Sequence[float]) -> float | None:
    return percentile(values, 50)
