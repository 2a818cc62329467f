"""What a handoff decision reads from Redis, in one round trip (``HANDOFF_FACTS``).

Example::

    reader = DeskFactsReader(redis, Keys())
    facts = await reader.read(now=time.time())
    len(facts.available), facts.queue_length, facts.recent_waits
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from handoff.domain.agents import is_available
from handoff.domain.routing import AgentProfile
from handoff.store.keys import Keys
from handoff.store.scripts import HANDOFF_FACTS

_FIELDS = 7  # id, disabled, status, languages, skills, capacity, load


@dataclass(frozen=True)
class DeskFacts:
    """Who can take work now (with their load), the queue's length, the latest waits."""

    available: list[AgentProfile]  # live console and is_available; with their load
    queue_length: int
    recent_waits: list[float]


class DeskFactsReader:
    """Reads :class:`DeskFacts` with one script call (``HANDOFF_FACTS``)."""

    def __init__(self, redis: Any, keys: Keys) -> None:
        self.keys = keys
        self._script = redis.register_script(HANDOFF_FACTS)

    async def read(self, *, now: float) -> DeskFacts:
        keys = self.keys
        queue_length, waits, flat = await self._script(
            keys=[keys.presence, keys.queue, keys.recent_waits],
            args=[repr(now), keys.agent("{}"), keys.agent_active("{}")],
        )
        available = []
        for i in range(0, len(flat), _FIELDS):
            agent_id, disabled, status, languages, skills, capacity, load = flat[i : i + _FIELDS]
            # The same defaults as AgentRecord.from_hash.
            if not is_available(disabled=disabled == "1", status=status or "online"):
                continue
            available.append(
                AgentProfile(
                    str(agent_id),
                    frozenset(json.loads(languages)),
                    frozenset(json.loads(skills)),
                    int(capacity or "3"),
                    int(load),
                )
            )
        return DeskFacts(available, int(queue_length), [float(w) for w in waits])
