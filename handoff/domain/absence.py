"""Agents who vanish: when an owner without a console has been gone long enough (pure logic).

An agent whose last console closed (or whose replica died: its presence ran out) may be back in
a moment: a reload, a flaky network. Their conversations wait ``TANDEM_AGENT_GRACE_SECONDS``;
after that they go back to the queue with the history, so no customer is left writing to
nobody. The sweeper notes since when each owner has been gone (in Redis, so every replica
counts from the same moment) and asks here what to do.

Example::

    step = absences(owners={"a_1", "a_2"}, online={"a_2"}, gone_since={}, now=100.0, grace=60)
    step.newly_gone   # ["a_1"]: counted from now
    absences(owners={"a_1"}, online=set(), gone_since={"a_1": 100.0}, now=161.0, grace=60).overdue
    # ["a_1"]: their conversations go back to the queue
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass


@dataclass(frozen=True)
class Absences:
    newly_gone: list[str]  # owners without a console, first noticed now
    overdue: list[str]  # gone longer than the grace: requeue what they own
    settled: list[str]  # back online, or owning nothing any more: stop counting


def absences(
    *,
    owners: Set[str],
    online: Set[str],
    gone_since: Mapping[str, float],
    now: float,
    grace: float,
) -> Absences:
    """What the sweeper does about agents who own conversations and have no console."""
    missing = owners - online
    return Absences(
        newly_gone=sorted(a for a in missing if a not in gone_since),
        overdue=sorted(a for a in missing if a in gone_since and now - gone_since[a] >= grace),
        settled=sorted(a for a in gone_since if a not in missing),
    )
