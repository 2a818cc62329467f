"""Places in a long line, on a real Redis: one change costs the customers it moved, not the
length of the queue (1,000 waiting conversations; before, every change told all of them)."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.services.board import Board
from handoff.store.conversations import ConversationStore
from handoff.store.facts import DeskFactsReader
from handoff.store.queue_places import QueuePlaces
from tests.handoff.integration.store.conftest import KEYS, Clock
from tests.handoff.unit.services.fakes import Recorder

pytestmark = pytest.mark.asyncio
WAITING = 1000


async def test_a_change_in_a_queue_of_a_thousand_tells_only_who_moved(redis: Any) -> None:
    clock = Clock()
    async with redis.pipeline(transaction=False) as pipe:
        for i in range(WAITING):
            cid = f"c_{i:04d}"
            pipe.hset(KEYS.conversation(cid), mapping={"id": cid, "customer": f"u_{i}"})
            pipe.hset(KEYS.conversation(cid), "state", "queued")
            pipe.zadd(KEYS.queue, {cid: float(i)})
        await pipe.execute()
    notify = Recorder()
    board = Board(
        conversations=ConversationStore(redis, KEYS, retention_seconds=3600, clock=clock),
        facts=DeskFactsReader(redis, KEYS),
        places=QueuePlaces(redis, KEYS),
        notify=notify,  # type: ignore[arg-type]
        clock=clock,
    )
    assert await board.broadcast_positions() == WAITING  # nobody was told anything yet
    assert await board.broadcast_positions() == 0  # nothing moved

    await redis.zrem(KEYS.queue, "c_0999")  # the last in line gave up
    assert await board.broadcast_positions() == 0
    await redis.zrem(KEYS.queue, "c_0500")  # someone in the middle
    assert await board.broadcast_positions() == 498  # the 498 behind them moved up
    told = notify.calls[-1][1]
    assert told[0] == "u_998" and told[1]["queue_position"] == 998
    await redis.zrem(KEYS.queue, "c_0000")  # the first was served: everyone moved
    assert await board.broadcast_positions() == 997
    assert len(await redis.hgetall(KEYS.queue_told)) == 997  # the ones who left are forgotten
