"""The writers' inbox on Redis: items (one per normalised text), their counts and sightings.

The inbox is bounded (:meth:`InboxStore.trim`, from the sweeper): an item nobody has written
for ``TANDEM_INBOX_DAYS`` is forgotten, and beyond ``TANDEM_INBOX_MAX_ITEMS`` the items writers
are done with go first (oldest resolved first), then the least frequent.

Example::

    inbox = InboxStore(redis, Keys(), seen_ttl=90 * 86400, max_items=5000)
    await inbox.record(Sighting(text="where is my parcel", reason="fallback",
                                conversation_id="c_…", seq=3, ts=1764000000.0))
    items = await inbox.items()               # most frequent first
    await inbox.set_status(items[0].id, "labelled", {"intent": "faq/order_tracking"})
    await inbox.pick("c_…", 3, "where is my parcel", "faq/order_tracking")  # a customer's pick
    await inbox.trim(now=time.time())         # the sweeper keeps it bounded
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import redis.asyncio as aioredis

from handoff.domain.clock import SYSTEM_CLOCK, Clock
from handoff.domain.inbox import InboxItem, Sighting, item_id, normalise
from handoff.store.keys import Keys
from handoff.store.scripts import INBOX_PICK, INBOX_SIGHTING

REFS_KEPT = 20  # links to conversations per item: enough to read a few, bounded
MAX_ITEMS = 2000  # the most frequent items a listing reads
RESOLVED = ("saved", "ignored")  # statuses a writer is done with: trimmed first


class InboxStore:
    """Inbox items: ``inbox:item:<iid>`` hashes ranked in ``inbox:items`` (see the module)."""

    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
        *,
        seen_ttl: int,
        max_items: int = 5000,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.now = clock
        self.redis: Any = redis
        self.keys = keys
        self.seen_ttl = seen_ttl  # sightings older than this are forgotten (TANDEM_INBOX_DAYS)
        self.max_items = max_items
        self._sighting = redis.register_script(INBOX_SIGHTING)
        self._pick = redis.register_script(INBOX_PICK)

    async def record(self, sighting: Sighting) -> bool:
        """Count one sighting; False when this message was already counted for this reason."""
        iid = item_id(normalise(sighting.text))
        keys = [
            self.keys.inbox_item(iid),
            self.keys.inbox_items,
            self.keys.inbox_seen(sighting.conversation_id),
            self.keys.inbox_refs(iid),
            self.keys.inbox_last_seen,
        ]
        args = [
            iid,
            str(sighting.seq),
            sighting.reason,
            repr(sighting.ts),
            sighting.text,
            sighting.intent,
            "" if sighting.confidence is None else repr(sighting.confidence),
            json.dumps(sighting.ranking, separators=(",", ":")),
            sighting.language,
            sighting.reply,
            f"{sighting.conversation_id}:{sighting.seq}",
            str(REFS_KEPT),
            str(self.seen_ttl),
        ]
        return bool(await self._sighting(keys=keys, args=args))

    async def pick(self, conversation_id: str, seq: int, text: str, intent: str) -> bool:
        """The customer picked ``intent`` when the bot asked about message ``seq`` (its masked
        ``text``): a free label on its item; False unless the inbox holds it as clarified (or
        the pick was counted already)."""
        keys = [
            self.keys.inbox_item(item_id(normalise(text))),
            self.keys.inbox_seen(conversation_id),
        ]
        return bool(await self._pick(keys=keys, args=[str(seq), intent, str(self.seen_ttl)]))

    async def items(self, limit: int = MAX_ITEMS) -> list[InboxItem]:
        """The most frequent items (each with its conversation links), most frequent first."""
        ids = [str(i) for i in await self.redis.zrevrange(self.keys.inbox_items, 0, limit - 1)]
        return await self.many(ids)

    async def many(self, ids: Sequence[str]) -> list[InboxItem]:
        async with self.redis.pipeline(transaction=False) as pipe:
            for iid in ids:
                pipe.hgetall(self.keys.inbox_item(iid))
                pipe.lrange(self.keys.inbox_refs(iid), 0, -1)
            found = await pipe.execute()
        return [
            InboxItem.from_hash(data, [str(r) for r in refs])
            for data, refs in zip(found[::2], found[1::2], strict=True)
            if data
        ]

    async def get(self, iid: str) -> InboxItem | None:
        found = await self.many([iid])
        return found[0] if found else None

    async def set_status(
        self, iid: str, status: str, annotation: dict[str, Any] | None = None
    ) -> bool:
        """Mark an existing item (``annotation``: what the writer decided, kept as JSON);
        False when there is no such item (items are never deleted, so no race to lose)."""
        fields = {"status": status}
        if annotation is not None:
            fields["annotation"] = json.dumps(annotation, separators=(",", ":"))
        if not await self.redis.exists(self.keys.inbox_item(iid)):
            return False
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hset(self.keys.inbox_item(iid), mapping=fields)
            if status in RESOLVED:
                pipe.zadd(self.keys.inbox_resolved, {iid: self.now()})
            else:
                pipe.zrem(self.keys.inbox_resolved, iid)
            await pipe.execute()
        return True

    async def trim(self, now: float) -> int:
        """Forget items not seen for ``seen_ttl`` seconds, then, over ``max_items``, the oldest
        resolved (saved, ignored) and then the least frequent; how many were dropped.

        Run by every replica's sweeper; the steps are idempotent, and a sighting that races a
        drop makes its item anew (the sighting script starts an item whose hash is gone).
        """
        stale = await self.redis.zrangebyscore(
            self.keys.inbox_last_seen, "-inf", now - self.seen_ttl
        )
        dropped = await self._drop([str(i) for i in stale])
        excess = await self.redis.zcard(self.keys.inbox_items) - self.max_items
        if excess > 0:
            resolved = await self.redis.zrange(self.keys.inbox_resolved, 0, excess - 1)
            dropped += await self._drop([str(i) for i in resolved])
            excess -= len(resolved)
        if excess > 0:
            rarest = await self.redis.zrange(self.keys.inbox_items, 0, excess - 1)
            dropped += await self._drop([str(i) for i in rarest])
        return dropped

    async def _drop(self, ids: Sequence[str]) -> int:
        if not ids:
            return 0
        async with self.redis.pipeline(transaction=False) as pipe:
            for iid in ids:
                pipe.delete(self.keys.inbox_item(iid), self.keys.inbox_refs(iid))
            for index in (
                self.keys.inbox_items,
                self.keys.inbox_last_seen,
                self.keys.inbox_resolved,
            ):
                pipe.zrem(index, *ids)
            await pipe.execute()
        return len(ids)
