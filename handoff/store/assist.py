"""Redis I/O of agent assist: the past (customer message -> agent reply) pairs every replica
indexes, kept once per conversation and for as long as conversations are
(``TANDEM_RETENTION_DAYS``): each pair carries when it was kept, and older ones are dropped.

Two counters tell a replica what changed since it indexed the list: ``assist:pairs_total``
(pairs ever appended: the difference is at the list's tail) and ``assist:pairs_erased`` (erases
that removed pairs from the middle, privacy on request: the tail no longer lines up, so the
replica reads the whole list again). Erases are rare; appends are not.

Example::

    store = AssistStore(redis, keys, cap=50_000, ttl=90 * 86400, clock=time.time)
    await store.keep("c_…", pairs)             # the total ever kept; None if this one's were
    pairs, total, erased = await store.pairs() # every pair within the retention, oldest first
    await store.since(total, erased)           # later: what other replicas kept since
    await store.forget(["c_…"])                # an erase: its pairs gone (how many)
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

    async def pairs(self) -> tuple[list[ReplyPair], int, int]:
        """Every kept pair within the ttl, oldest first (a malformed one is skipped), the total
        ever appended and the erases so far, at that moment (one snapshot)."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.get(self.keys.assist_pairs_total)
            pipe.get(self.keys.assist_pairs_erased)
            pipe.lrange(self.keys.assist_pairs, 0, -1)
            total, erased, rows = await pipe.execute()
        return self._fresh(rows), int(total or 0), int(erased or 0)

    async def counts(self) -> tuple[int, int]:
        """(pairs ever appended, erases that removed pairs): one round trip."""
        total, erased = await self.redis.mget(
            self.keys.assist_pairs_total, self.keys.assist_pairs_erased
        )
        return int(total or 0), int(erased or 0)

    async def since(self, seen: int, erased: int) -> tuple[list[ReplyPair], int] | None:
        """The pairs appended after the first ``seen`` (at most ``cap``: older ones are gone),
        and the total they bring it to; read under WATCH, so the two agree. None when an erase
        came after the ``erased``-th: the tail no longer lines up, read :meth:`pairs` again."""
        counters = (self.keys.assist_pairs_total, self.keys.assist_pairs_erased)
        while True:
            async with self.redis.pipeline(transaction=True) as pipe:
                try:
                    await pipe.watch(*counters)
                    total, now_erased = await pipe.mget(*counters)
                    if int(now_erased or 0) != erased:
                        return None
                    count = min(int(total or 0) - seen, self.cap)
                    rows = (
                        await pipe.lrange(self.keys.assist_pairs, -count, -1) if count > 0 else []
                    )
                    pipe.multi()
                    pipe.get(self.keys.assist_pairs_total)
                    await pipe.execute()  # fails if a keep or an erase came in between: again
                    return self._fresh(rows), int(total or 0)
                except WatchError:
                    continue

    async def kept(self, conversation_id: str) -> list[dict[str, Any]]:
        """The pairs kept from one conversation, as stored (for a privacy export)."""
        rows = await self.redis.lrange(self.keys.assist_pairs, 0, -1)
        return [row for row in map(_row, rows) if row.get("conversation_id") == conversation_id]

    async def forget(self, conversation_ids: list[str]) -> int:
        """Remove these conversations' pairs and their kept markers (an erase); how many pairs
        went. Removing any counts an erase (``assist:pairs_erased``), so that every replica
        rebuilds its index without them. Optimistic: a keep meanwhile makes it look again."""
        if not conversation_ids:
            return 0
        doomed_ids = set(conversation_ids)
        key = self.keys.assist_pairs
        while True:
            async with self.redis.pipeline(transaction=True) as pipe:
                try:
                    await pipe.watch(key)
                    rows = await pipe.lrange(key, 0, -1)
                    doomed = {r for r in rows if _row(r).get("conversation_id") in doomed_ids}
                    pipe.multi()
                    for row in doomed:  # one LREM per distinct row takes its copies too
                        pipe.lrem(key, 0, row)
                    if doomed:
                        pipe.incr(self.keys.assist_pairs_erased)
                    pipe.delete(*[self.keys.assist_learned(c) for c in conversation_ids])
                    results = await pipe.execute()
                    return sum(int(n) for n in results[: len(doomed)])
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


def _row(raw: str) -> dict[str, Any]:
    """A stored row as it is (empty when malformed)."""
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


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
