"""What each queued customer was last told of their place, shared by every replica.

A hash ``queue:told`` of conversation id -> ``"<position>|<wait band>|<since>"``
(``handoff.domain.waiting.place_mark``), so that whichever replica moves the line tells only
the customers whose place changed; and a sorted set ``queue:retell`` of when each one's worded
wait is next due to change as time passes, so that the sweeper looks only at those. Two
replicas moving the line at once may both tell someone: a customer hears their place twice,
never a wrong one for long (the next move corrects it).

Example::

    places = QueuePlaces(redis, keys)
    queue, told = await places.read()          # the queue in order, and what was told
    await places.remember({"c_…": "3|2|1700000000.0"}, forget=["c_…"], due={"c_…": 1700000030.0})
    due = await places.due(now=time.time())    # [("c_…", 3, "3|2|…")]: position and mark
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from handoff.store.keys import Keys

DUE_BATCH = 500  # customers looked at again per sweep at most; the rest on the next one


class QueuePlaces:
    def __init__(self, redis: Any, keys: Keys) -> None:
        self.redis = redis
        self.keys = keys

    async def read(self) -> tuple[list[str], dict[str, str]]:
        """The queued conversation ids in order, and what each was last told (one round trip)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.zrange(self.keys.queue, 0, -1)
            pipe.hgetall(self.keys.queue_told)
            queue, told = await pipe.execute()
        return [str(c) for c in queue], {str(k): str(v) for k, v in told.items()}

    async def marks(self, conversation_ids: list[str]) -> dict[str, str]:
        """What these customers were last told (absent: nothing yet)."""
        if not conversation_ids:
            return {}
        values = await self.redis.hmget(self.keys.queue_told, conversation_ids)
        return {c: str(v) for c, v in zip(conversation_ids, values, strict=True) if v}

    async def due(
        self, *, now: float, limit: int = DUE_BATCH
    ) -> list[tuple[str, int | None, str | None]]:
        """The customers whose worded wait may have changed by ``now``: ``(conversation,
        position or None when no longer queued, last mark)``, in two round trips."""
        ids = [
            str(c)
            for c in await self.redis.zrangebyscore(
                self.keys.queue_retell, "-inf", repr(now), start=0, num=limit
            )
        ]
        if not ids:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for conversation_id in ids:
                pipe.zrank(self.keys.queue, conversation_id)
            pipe.hmget(self.keys.queue_told, ids)
            *ranks, marks = await pipe.execute()
        return [
            (c, None if rank is None else int(rank) + 1, None if mark is None else str(mark))
            for c, rank, mark in zip(ids, ranks, marks, strict=True)
        ]

    async def remember(
        self,
        told: Mapping[str, str],
        *,
        forget: Iterable[str] = (),
        due: Mapping[str, float | None] | None = None,
    ) -> None:
        """Store what was told, forget who left, and (re)schedule when to look again (``None``:
        not until the line moves)."""
        gone = list(forget)
        due = due or {}
        later = {c: t for c, t in due.items() if t is not None}
        never = [c for c, t in due.items() if t is None]
        if not told and not gone and not due:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            if told:
                pipe.hset(self.keys.queue_told, mapping=dict(told))
            if gone:
                pipe.hdel(self.keys.queue_told, *gone)
            if gone or never:
                pipe.zrem(self.keys.queue_retell, *gone, *never)
            if later:
                pipe.zadd(self.keys.queue_retell, later)
            await pipe.execute()
