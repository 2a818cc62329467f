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


async def test_as_time_passes_only_the_customers_whose_wait_reads_differently_hear_it(
    redis: Any,
) -> None:
    """Number 1 in line heard "under a minute" for four minutes: the wait now counts down, and
    the sweeper's look (``retell_due``) reads only the customers due (``queue:retell``)."""
    clock = Clock()
    async with redis.pipeline(transaction=False) as pipe:
        for i in range(3):
            cid = f"c_{i}"
            pipe.hset(KEYS.conversation(cid), mapping={"id": cid, "customer": f"u_{i}"})
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
    start = clock.now

    async def retell_at(seconds: float) -> dict[str, dict[str, Any]]:
        clock.now = start + seconds
        notify.calls.clear()
        await board.retell_due()
        return {args[0]: args[1] for _, args, _ in notify.calls}

    assert await board.broadcast_positions() == 3  # about 1, 2 and 3 minutes
    assert await retell_at(0) == {}
    assert {u: s["estimated_wait_s"] for u, s in (await retell_at(1)).items()} == {"u_0": 59.0}
    assert await retell_at(20) == {}  # nobody's wait reads differently: nobody is read
    assert {u: s["estimated_wait_s"] for u, s in (await retell_at(31)).items()} == {
        "u_1": 89.0,  # "about 1 minute"
        "u_2": 149.0,  # "about 2 minutes"
    }
    told = await retell_at(61)  # a minute and nobody served
    assert told["u_0"]["longer_than_usual"] is True and told["u_0"]["estimated_wait_s"] == 0.0
    assert told["u_1"]["estimated_wait_s"] == 59.0 and "longer_than_usual" not in told["u_1"]
    assert set(told) == {"u_0", "u_1"}
    told = await retell_at(700)  # ten minutes more: each overdue customer hears it once
    assert set(told) == {"u_1", "u_2"} and all(s["longer_than_usual"] for s in told.values())
    assert await retell_at(800) == {}
    assert await redis.zcard(KEYS.queue_retell) == 0  # overdue: nothing to do until it moves

    await redis.zrem(KEYS.queue, "c_0")  # at last number 1 is served: the line moves
    notify.calls.clear()
    assert await board.broadcast_positions() == 2
    assert notify.calls[0][1][1] == {
        "conversation_id": "c_1",
        "state": "queued",
        "queue_position": 1,
        "estimated_wait_s": 60.0,
    }
    assert await redis.zcard(KEYS.queue_retell) == 2  # counting down again
