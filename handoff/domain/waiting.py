"""The estimated wait told to queued customers, and how it is worded (pure logic).

A customer's place in line is the queue's order (a sorted set by time queued, read in
``handoff.store``); this module turns a place into an honest estimate (the customer reads it in
their language: ``SystemTexts.describe_wait``).

Telling every queued customer their place whenever the line moves cost one emit per queued
customer per change, so a flood of fake conversations made each change O(queue).
:func:`places_to_tell` compares what each customer was last told with where they stand now and
picks only those whose place, or whose wait as they read it (:func:`wait_band`), changed.

Example::

    estimate_wait(position=2, agents_available=1, recent_waits=[30, 90, 60])   # 120.0
    places_to_tell(["c_1", "c_2"], {"c_1": "1|1"}, agents_available=1, recent_waits=[])
    # ({"c_2": (2, 120.0)}, [])
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence

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


def wait_band(seconds: float) -> int:
    """The wait as a customer reads it (``SystemTexts.describe_wait``): 0 for "under a minute",
    else whole minutes. A change inside one band is not worth a message."""
    return 0 if seconds < 60 else max(1, round(seconds / 60))


def place_mark(position: int, wait: float) -> str:
    """What is remembered of a customer's last place: the position and the wait's band."""
    return f"{position}|{wait_band(wait)}"


def places_to_tell(
    queue: Sequence[str],
    told: Mapping[str, str],
    *,
    agents_available: int,
    recent_waits: Sequence[float],
) -> tuple[dict[str, tuple[int, float]], list[str]]:
    """Who must hear their place again, ``{conversation: (position, wait)}``, and which
    remembered conversations left the queue (to forget)."""
    changed: dict[str, tuple[int, float]] = {}
    for position, conversation_id in enumerate(queue, start=1):
        wait = estimate_wait(
            position=position, agents_available=agents_available, recent_waits=recent_waits
        )
        if told.get(conversation_id) != place_mark(position, wait):
            changed[conversation_id] = (position, wait)
    waiting = set(queue)
    return changed, [c for c in told if c not in waiting]
