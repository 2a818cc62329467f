"""What a handoff decision reads: who can come (the one definition of available), the queue."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.store.agents import AgentStore
from handoff.store.facts import DeskFactsReader
from handoff.store.presence import Presence
from tests.handoff.integration.store.conftest import KEYS

pytestmark = pytest.mark.asyncio


async def test_only_enabled_agents_who_are_not_away_are_available(redis: Any) -> None:
    agents = AgentStore(redis, KEYS)
    made = {
        name: await agents.create(
            name, name=name, password_hash="h", languages=["de"], skills=["billing"], capacity=4
        )
        for name in ("ana", "ben", "cleo", "dan")
    }
    await agents.update(made["ben"].id, {"status": "away"})
    await agents.disable(made["cleo"].id)
    # dan has no live console.
    await Presence(redis, KEYS, replica="r1", ttl=10).beat(
        [made[n].id for n in ("ana", "ben", "cleo")], now=100.0
    )
    await redis.sadd(KEYS.agent_active(made["ana"].id), "c_1")
    await redis.zadd(KEYS.queue, {"c_8": 1.0, "c_9": 2.0})
    await redis.rpush(KEYS.recent_waits, "30", "90")
    facts = await DeskFactsReader(redis, KEYS).read(now=105.0)
    assert [(p.agent_id, p.load, p.capacity) for p in facts.available] == [(made["ana"].id, 1, 4)]
    assert facts.available[0].languages == {"de"} and facts.available[0].skills == {"billing"}
    assert facts.queue_length == 2 and facts.recent_waits == [30.0, 90.0]
