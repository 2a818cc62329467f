"""The estimated wait told to queued customers, and how it is worded (pure logic).

A customer's place in line is the queue's order (a sorted set by time queued, read in
``handoff.store``); this module turns a place into an honest estimate (the customer reads it in
their language: ``SystemTexts.describe_wait``).

Example::

    estimate_wait(position=2, agents_available=1, recent_waits=[30, 90, 60])   # 120.0
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

# Used until real waits have been observed: one minute per place, shared among agents.
DEFAULT_WAIT = 60.0


def estimate_wait(*, position: int, agents_available: int, recent_waits: Sequence[float]) -> float:
    """Seconds a customer at ``position`` can expect to wait.

    The median of recent waits is what one place in the queue costs; places are served by the
    available agents in parallel. Deliberately simple: customers need an honest order of
    magnitude, not a promise.
    """
    per_place = statistics.median(recent_waits) if recent_waits else DEFAULT_WAIT
    per_place = max(per_place, 5.0)
    return round(per_place * max(position, 1) / max(agents_available, 1), 1)
