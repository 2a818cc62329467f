"""Redis I/O of agent assist: the past (customer message -> agent reply) pairs every replica
indexes, kept once per conversation and for as long as conversations are
(``TANDEM_RETENTION_DAYS``): each pair carries when it was kept, and older ones are dropped.

Example::

    store = AssistStore(redis, keys, cap=50_000, ttl=90 * 86400, clock=time.time)
    await store.keep("c_…", pairs)     # the total ever kept; None if this conversation's were
    pairs, total = await store.pairs() # every kept pair still within the retention, oldest first
    await store.since(total)           # later: what other replicas kept since
"""

from __future__ import annotations

import json
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import WatchError

from handoff.domain.clock import SYSTEM_CLOCK, Clock
from handoff.domain.past_replies import ReplyPair
from handoff.store.keys import Keys

EXPIRED_BATCH = 200  # the oldest pairs looked at per keep: expiry keeps up with any pace of keeps


class AssistStore:
    """See the module's doc."""

    def __init__(
        self, redis: aioredis.Redis, keys: Keys, *, cap: int, ttl: int, clock: Clock = SYSTEM_CLOCK
    ) -> None:
        self.redis: Any = redis
        self.keys = keys
        self.cap = cap
        self.ttl = ttl
        self.now = clock

    async def keep(self, conversation_id: str, pairs: list[ReplyPair]) -> int | None:
        """Append ``pairs`` unless this conversation's were kept already (a rating after a
        ``resolved`` close, say): None then, else the total ever appended, these included. The
        list keeps the newest ``cap``, and none past the ttl."""
        marker = self.keys.assist_learned(conversation_id)
        if not await self.redis.set(marker, "1", nx=True, ex=self.ttl):
            return None
        at = round(self.now(), 3)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incrby(self.keys.assist_pairs_total, len(pairs))
            if pairs:
                pipe.rpush(self.keys.assist_pairs, *[_encode(p, at) for p in pairs])
                pipe.ltrim(self.keys.assist_pairs, -self.cap, -1)
            total = int((await pipe.execute())[0])
        await self._drop_expired()
        return total

    async def pairs(self) -> tuple[list[ReplyPair], int]:
        """Every kept pair within the ttl, oldest first (a malformed one is skipped), and the
        total ever appended at that moment (one snapshot)."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.get(self.keys.assist_pairs_total)
            pipe.lrange(self.keys.assist_pairs, 0, -1)
            total, rows = await pipe.execute()
        return self._fresh(rows), int(total or 0)

    async def total(self) -> int:
        return int(await self.redis.get(self.keys.assist_pairs_total) or 0)

    async def since(self, seen: int) -> tuple[list[ReplyPair], int]:
        """The pairs appended after the first ``seen`` (at most ``cap``: older ones are gone),
        and the total they bring it to; read under WATCH, so the two agree."""
        while True:
            async with self.redis.pipeline(transaction=True) as pipe:
                try:
                    await pipe.watch(self.keys.assist_pairs_total)
                    total = int(await pipe.get(self.keys.assist_pairs_total) or 0)
                    count = min(total - seen, self.cap)
                    rows = (
                        await pipe.lrange(self.keys.assist_pairs, -count, -1) if count > 0 else []
                    )
                    pipe.multi()
                    pipe.get(self.keys.assist_pairs_total)
                    await pipe.execute()  # fails if a keep came in between: read again
                    return self._fresh(rows), total
                except WatchError:
                    continue

    def _fresh(self, rows: list[str]) -> list[ReplyPair]:
        cutoff = self.now() - self.ttl
        found = []
        for raw in rows:
            decoded = _decode(raw)
            if decoded is not None and decoded[1] >= cutoff:
                found.append(decoded[0])
        return found

    async def _drop_expired(self) -> None:
        """Trim the expired head of the list (pairs are appended in time order). Optimistic:
        if another replica changes the list meanwhile, its own keep trims instead."""
        key = self.keys.assist_pairs
        cutoff = self.now() - self.ttl
        async with self.redis.pipeline(transaction=True) as pipe:
            try:
                await pipe.watch(key)
                head = await pipe.lrange(key, 0, EXPIRED_BATCH - 1)
                expired = 0
                for raw in head:
                    decoded = _decode(raw)
                    if decoded is not None and decoded[1] >= cutoff:
                        break
                    expired += 1
                if expired:
                    pipe.multi()
                    pipe.ltrim(key, expired, -1)
                    await pipe.execute()
            except WatchError:
                pass


def _encode(pair: ReplyPair, at: float) -> str:
    return json.dumps(
        {
            "language": pair.language,
            "customer": pair.customer,
            "reply": pair.reply,
            "csat": pair.csat,
            "conversation_id": pair.conversation_id,
            "at": at,
        },
        ensure_ascii=False,
    )


def _decode(raw: str) -> tuple[ReplyPair, float] | None:
    """The pair and when it was kept; None (dropped) when malformed."""
    try:
        data = json.loads(raw)
        csat = data.get("csat")
        pair = ReplyPair(
            language=str(data["language"]),
            customer=str(data["customer"]),
            reply=str(data["reply"]),
            csat=int(csat) if csat is not None else None,
            conversation_id=str(data.get("conversation_id", "")),
        )
        return pair, float(data.get("at", 0))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
