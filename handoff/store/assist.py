"""Redis I/O of agent assist: the past (customer message -> agent reply) pairs every replica
indexes, kept once per conversation.

Example::

    store = AssistStore(redis, keys, cap=50_000, ttl=90 * 86400)
    await store.keep("c_…", pairs)     # True the first time for this conversation
    await store.pairs()                # every kept pair, oldest first
"""

from __future__ import annotations

import json
from typing import Any

import redis.asyncio as aioredis

from handoff.domain.past_replies import ReplyPair
from handoff.store.keys import Keys


class AssistStore:
    """See the module's doc."""

    def __init__(self, redis: aioredis.Redis, keys: Keys, *, cap: int, ttl: int) -> None:
        self.redis: Any = redis
        self.keys = keys
        self.cap = cap
        self.ttl = ttl

    async def keep(self, conversation_id: str, pairs: list[ReplyPair]) -> bool:
        """Append ``pairs`` unless this conversation's were kept already (a rating after a
        ``resolved`` close, say); the list keeps the newest ``cap``."""
        marker = self.keys.assist_learned(conversation_id)
        if not await self.redis.set(marker, "1", nx=True, ex=self.ttl):
            return False
        if pairs:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.rpush(self.keys.assist_pairs, *[_encode(p) for p in pairs])
                pipe.ltrim(self.keys.assist_pairs, -self.cap, -1)
                await pipe.execute()
        return True

    async def pairs(self) -> list[ReplyPair]:
        """Every kept pair, oldest first (a malformed one is skipped)."""
        found = []
        for raw in await self.redis.lrange(self.keys.assist_pairs, 0, -1):
            pair = _decode(raw)
            if pair is not None:
                found.append(pair)
        return found


def _encode(pair: ReplyPair) -> str:
    return json.dumps(
        {
            "language": pair.language,
            "customer": pair.customer,
            "reply": pair.reply,
            "csat": pair.csat,
            "conversation_id": pair.conversation_id,
        },
        ensure_ascii=False,
    )


def _decode(raw: str) -> ReplyPair | None:
    try:
        data = json.loads(raw)
        csat = data.get("csat")
        return ReplyPair(
            language=str(data["language"]),
            customer=str(data["customer"]),
            reply=str(data["reply"]),
            csat=int(csat) if csat is not None else None,
            conversation_id=str(data.get("conversation_id", "")),
        )
    except (ValueError, KeyError, TypeError):
        return None
