"""Before a customer who waited too long is offered the offline form: alert who could come.

A customer queued for ``TANDEM_QUEUE_WAIT_LIMIT`` used to become an offline ticket even with an
agent online who had room and spoke their language (the agent had simply not noticed). Now the
agents who could take the conversation are alerted first (``queue_alert``: an insistent
notification in their console), and the customer is offered the form only if nobody claimed it
within ``TANDEM_QUEUE_ALERT_GRACE`` seconds, or at once when nobody could come at all.

Example::

    capable_agents(Need("hr"), facts.available)                    # ["a_1"]
    expiry_step(capable=True, alerted_at=None, queued_at=10.0, now=400.0, grace=60.0)
    # Step.ALERT; 30 s later Step.WAIT; 60 s later Step.OFFLINE
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum

from handoff.domain.routing import AgentProfile, Need, matches


class Step(Enum):
    ALERT = "alert"  # alert the capable agents, and wait for them
    WAIT = "wait"  # alerted already: give them the grace period
    OFFLINE = "offline"  # offer the customer the offline form


def capable_agents(need: Need, available: Iterable[AgentProfile]) -> list[str]:
    """The available agents with room who speak the language and have the skill ``need`` asks."""
    return [a.agent_id for a in available if a.has_room and matches(a, need)]


def expiry_step(
    *, capable: bool, alerted_at: float | None, queued_at: float, now: float, grace: float
) -> Step:
    """What to do with a conversation past the wait limit. An alert from an earlier stay in the
    queue (before ``queued_at``) does not count."""
    if not capable:
        return Step.OFFLINE
    if alerted_at is None or alerted_at < queued_at:
        return Step.ALERT
    return Step.WAIT if now - alerted_at < grace else Step.OFFLINE
