"""What each queued customer was last told of their place, shared by every replica.

A hash ``queue:told`` of conversation id -> ``"<position>|<wait band>"``
(``handoff.domain.waiting.place_mark``), so that whichever replica moves the line tells only
the customers whose place changed. Two replicas moving the line at once may both tell someone:
a customer hears their place twice, never a wrong one for long (the next move corrects it).

Example::

    places = QueuePlaces(redis, keys)
    queue, told = await places.read()          # the queue in order, and what was told
    await places.remember({"c_…": "3|2"}, forget=["c_…"])
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from handoff.store.keys import Keys


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

    async def remember(self, told: Mapping[str, str], *, forget: Iterable[str] = ()) -> None:
        gone = list(forget)
        if not told and not gone:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            if told:
                pipe.hset(self.keys.queue_told, mapping=dict(told))
            if gone:
                pipe.hdel(self.keys.queue_told, *gone)
            await pipe.execute()
