"""Which agents have a live console, shared by all replicas.

Each replica heartbeats the agents connected to it as ``<agent_id>@<replica>`` members of one
sorted set, scored by when the heartbeat expires. A replica that dies simply stops beating, so
its agents drop out after ``TANDEM_PRESENCE_TTL`` seconds without anyone cleaning up.

Owners who have no console are noted with since when (``agents:gone``), so that every
replica's sweeper counts the grace period from the same moment (``domain.absence``).

Example::

    presence = Presence(redis, keys, replica="r1", ttl=15)
    await presence.beat(["a_…"], now=time.time())
    await presence.online(now=time.time())   # {"a_…"}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import redis.asyncio as aioredis

from handoff.store.keys import Keys


class Presence:
    def __init__(self, redis: aioredis.Redis, keys: Keys, *, replica: str, ttl: float) -> None:
        # redis-py types replies as bytes | str whatever decode_responses says; we decode.
        self.redis: Any = redis
        self.keys = keys
        self.replica = replica
        self.ttl = ttl

    async def beat(self, agent_ids: Iterable[str], now: float) -> None:
        members = {f"{agent_id}@{self.replica}": now + self.ttl for agent_id in agent_ids}
        async with self.redis.pipeline(transaction=False) as pipe:
            if members:
                pipe.zadd(self.keys.presence, members)
            pipe.zremrangebyscore(self.keys.presence, "-inf", now)
            await pipe.execute()

    async def leave(self, agent_id: str) -> None:
        await self.redis.zrem(self.keys.presence, f"{agent_id}@{self.replica}")

    async def leave_all(self, agent_ids: Iterable[str]) -> None:
        members = [f"{agent_id}@{self.replica}" for agent_id in agent_ids]
        if members:
            await self.redis.zrem(self.keys.presence, *members)

    async def online(self, now: float) -> set[str]:
        members = await self.redis.zrangebyscore(self.keys.presence, now, "+inf")
        return {str(m).rsplit("@", 1)[0] for m in members}

    async def gone_since(self) -> dict[str, float]:
        """Owners noted as without a console, and since when."""
        found = await self.redis.zrange(self.keys.agents_gone, 0, -1, withscores=True)
        return {str(agent_id): float(since) for agent_id, since in found}

    async def note_gone(self, since: Mapping[str, float]) -> None:
        """Note owners as gone from ``since``; one already noted keeps the earlier time."""
        if since:
            await self.redis.zadd(self.keys.agents_gone, dict(since), nx=True)

    async def settle(self, agent_ids: Iterable[str]) -> None:
        """Stop counting for these agents (back, or their conversations went back)."""
        ids = list(agent_ids)
        if ids:
            await self.redis.zrem(self.keys.agents_gone, *ids)
