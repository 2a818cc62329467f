"""Percentiles and summaries of latency samples (pure functions, unit-tested in tests/bench).

Percentiles interpolate linearly between the two nearest ranks (numpy's default), so a p99 of
a few hundred samples is not just the largest one.

Example::

    summary([1.0, 2.0, 3.0, 4.0])   # {"n": 4, "p50": 2.5, "p95": 3.85, "p99": 3.97, ...}
    ratio(2.0, 1.0)                 # 2.0
    ratio_ci([[30.1, 31.0], [29.8]], [[29.0, 30.2], [30.0]])   # (low, high) of p50 / p50, 95 %
    knee([(100, 12.0), (200, 40.0), (400, 900.0)], 250.0)      # 248.8 (between 200 and 400)
"""

from __future__ import annotations

import math
import random
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


def ratio_ci(
    value_phases: Sequence[Sequence[float]],
    anchor_phases: Sequence[Sequence[float]],
    *,
    q: float = 50.0,
    level: float = 0.95,
    resamples: int = 1000,
    seed: int = 14,
    paired: bool = False,
) -> tuple[float, float] | None:
    """A bootstrap confidence interval of ``percentile(value, q) / percentile(anchor, q)``.

    Both sides come as their phases' samples. Each resample draws phases with replacement and
    then turns with replacement within each drawn phase (a two-level bootstrap), pools them and
    takes the ratio of the pooled percentiles; the interval is the central ``level`` of those
    ratios. Drawing phases too is what makes the interval honest here: the phases of one run
    drift more than the turns within a phase scatter, so resampling turns alone would give a
    narrow interval around a figure the next run does not reproduce. ``None`` if a side has no
    samples. Seeded: the same samples give the same interval.

    ``paired``: phase ``i`` of both sides ran at the same time (side-by-side phases), so a
    resample draws the same phases for both. The machine's drift from phase to phase then moves
    both sides together and cancels in the ratio, as it did in the run; drawing them apart would
    count that drift as uncertainty of the ratio. Both sides need the same number of phases, and
    a phase empty on either side is left out of both.
    """
    if paired:
        if len(value_phases) != len(anchor_phases):
            raise ValueError("paired phases: both sides need the same number of phases")
        pairs = zip(value_phases, anchor_phases, strict=True)
        both = [(list(v), list(a)) for v, a in pairs if v and a]
        value, anchor = [v for v, _ in both], [a for _, a in both]
    else:
        value = [list(p) for p in value_phases if p]
        anchor = [list(p) for p in anchor_phases if p]
    if not value or not anchor:
        return None
    rng = random.Random(seed)
    ratios: list[float] = []
    for _ in range(resamples):
        if paired:
            drawn = [rng.randrange(len(value)) for _ in value]
            top = percentile(_resample_turns(rng, [value[i] for i in drawn]), q)
            bottom = percentile(_resample_turns(rng, [anchor[i] for i in drawn]), q)
        else:
            top = percentile(_resample(rng, value), q)
            bottom = percentile(_resample(rng, anchor), q)
        if top is not None and bottom is not None and bottom > 0:
            ratios.append(top / bottom)
    tail = (1.0 - level) / 2 * 100
    low, high = percentile(ratios, tail), percentile(ratios, 100 - tail)
    if low is None or high is None:
        return None
    return round(low, 3), round(high, 3)


def _resample(rng: random.Random, phases: list[list[float]]) -> list[float]:
    """Phases drawn with replacement, then turns with replacement within each, pooled."""
    pooled: list[float] = []
    for _ in phases:
        phase = phases[rng.randrange(len(phases))]
        pooled += rng.choices(phase, k=len(phase))
    return pooled


def _resample_turns(rng: random.Random, phases: list[list[float]]) -> list[float]:
    """Turns drawn with replacement within each of ``phases``, pooled."""
    pooled: list[float] = []
    for phase in phases:
        pooled += rng.choices(phase, k=len(phase))
    return pooled


def knee(curve: Sequence[tuple[float, float | None]], limit: float) -> float | None:
    """The load at which a latency curve first passes ``limit``, linearly interpolated.

    ``curve`` is ``(load, latency)`` points in increasing load; a point without a latency (the
    service did not keep up at all) counts as past the limit. ``None`` when the curve stays
    under the limit everywhere measured (the knee is beyond the last point); the first load if
    the curve starts above it.
    """
    previous: tuple[float, float] | None = None
    for load, latency in curve:
        if latency is None or latency > limit:
            if previous is None or latency is None:
                return round(float(load), 1)
            x0, y0 = previous
            return round(x0 + (load - x0) * (limit - y0) / (latency - y0), 1)
        previous = (load, latency)
    return None
