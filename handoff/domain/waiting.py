"""The estimated wait told to queued customers, and how it is worded (pure logic).

A customer's place in line is the queue's order (a sorted set by time queued, read in
``handoff.store``); this module turns a place into an honest estimate (the customer reads it in
their language: ``SystemTexts.describe_wait``).

The estimate counts down: a customer who has stood at the same place for ``t`` seconds has
``t`` seconds less to wait (:func:`remaining_wait`). When the line has not moved for longer than
the whole estimate, the queue is slower than usual and the customer is told so
(:data:`LONGER`), never "under a minute" for minutes on end.

Telling every queued customer their place whenever the line moves cost one emit per queued
customer per change, so a flood of fake conversations made each change O(queue).
:func:`places_to_tell` compares what each customer was last told with where they stand now and
picks only those whose place, or whose wait as they read it (:func:`wait_band`), changed. As
time passes, only the customers whose worded wait is due to change are looked at again
(:func:`next_retell`): the cost is what changed, not the length of the queue.

Example::

    estimate_wait(position=2, agents_available=1, recent_waits=[30, 90, 60])   # 120.0
    places_to_tell([("c_1", 1), ("c_2", 2)], {"c_1": "1|1|0.0"}, now=30.0,
                   agents_available=1, recent_waits=[])
    # ({"c_1": Place(1, 30.0, 0.0), "c_2": Place(2, 120.0, 30.0)}, [])  (c_1 is now "under a
    # minute", c_2 is new)
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

# Used until real waits have been observed: one minute per place, shared among agents.
DEFAULT_WAIT = 60.0
# The least wait ever estimated: it still reads "under a minute" (:func:`wait_band`), as anything
# shorter would. With instant claims the median of recent waits is near 0 s: without a floor a
# customer would be told "longer than usual" five seconds after "under a minute".
MIN_ESTIMATE = 59.0
# The band of a wait that ran past its estimate: "longer than usual".
LONGER = -1


class Place(NamedTuple):
    """Where a customer stands: their position, the seconds left to wait (negative: longer
    than estimated), and since when they have stood at that position."""

    position: int
    wait: float
    since: float

    @property
    def longer_than_usual(self) -> bool:
        return wait_band(self.wait) == LONGER


def estimate_wait(*, position: int, agents_available: int, recent_waits: Sequence[float]) -> float:
    """Seconds a customer at ``position`` can expect to wait.

    The median of recent waits is what one place in the queue costs; places are served by the
    available agents in parallel. Deliberately simple: customers need an honest order of
    magnitude, not a promise.
    """
    per_place = statistics.median(recent_waits) if recent_waits else DEFAULT_WAIT
    return round(max(per_place * max(position, 1) / max(agents_available, 1), MIN_ESTIMATE), 1)


def remaining_wait(
    *,
    position: int,
    since: float,
    now: float,
    agents_available: int,
    recent_waits: Sequence[float],
) -> float:
    """The estimate for ``position`` less the time already spent there (negative: overdue)."""
    estimate = estimate_wait(
        position=position, agents_available=agents_available, recent_waits=recent_waits
    )
    return round(estimate - max(0.0, now - since), 1)


def wait_band(seconds: float) -> int:
    """The wait as a customer reads it (``SystemTexts.describe_wait``): :data:`LONGER` past the
    estimate, 0 for "under a minute", else whole minutes. A change inside one band is not worth
    a message."""
    if seconds < 0:
        return LONGER
    return 0 if seconds < 60 else max(1, round(seconds / 60))


def next_retell(wait: float) -> float | None:
    """Seconds until ``wait``, counting down, may read differently (None: it never will, until
    the line moves). Early by up to a second at worst: the retold place is compared again."""
    band = wait_band(wait)
    if band == LONGER:
        return None
    floor = 0.0 if band == 0 else 60.0 if band == 1 else (band - 0.5) * 60
    return max(1.0, wait - floor + 0.1)


def place_mark(place: Place) -> str:
    """What is remembered of a customer's last place: position, wait band, since when."""
    return f"{place.position}|{wait_band(place.wait)}|{place.since!r}"


def read_mark(mark: str | None) -> tuple[int, int, float] | None:
    """``(position, band, since)`` of a :func:`place_mark`; None for none or an older form
    (without ``since``: that customer is told again, which costs one message)."""
    parts = (mark or "").split("|")
    if len(parts) != 3:
        return None
    try:
        return int(parts[0]), int(parts[1]), float(parts[2])
    except ValueError:
        return None


def place_now(
    position: int,
    mark: str | None,
    *,
    now: float,
    agents_available: int,
    recent_waits: Sequence[float],
) -> tuple[Place, bool]:
    """Where a customer at ``position`` stands now, and whether that reads differently from
    what they were last told (``mark``). A new position starts the count down again."""
    last = read_mark(mark)
    since = last[2] if last is not None and last[0] == position else now
    wait = remaining_wait(
        position=position,
        since=since,
        now=now,
        agents_available=agents_available,
        recent_waits=recent_waits,
    )
    place = Place(position, wait, since)
    return place, last is None or (last[0], last[1]) != (position, wait_band(wait))


def places_to_tell(
    placed: Iterable[tuple[str, int]],
    told: Mapping[str, str],
    *,
    now: float,
    agents_available: int,
    recent_waits: Sequence[float],
) -> tuple[dict[str, Place], list[str]]:
    """Who must hear their place again, ``{conversation: Place}``, and which remembered
    conversations left the queue (to forget). ``placed``: ``(conversation, position)`` for the
    whole queue."""
    changed: dict[str, Place] = {}
    waiting: set[str] = set()
    for conversation_id, position in placed:
        waiting.add(conversation_id)
        place, differs = place_now(
            position,
            told.get(conversation_id),
            now=now,
            agents_available=agents_available,
            recent_waits=recent_waits,
        )
        if differs:
            changed[conversation_id] = place
    return changed, [c for c in told if c not in waiting]
