"""Idle conversations are closed (resolution "idle") and then expire; found by an index, in
batches (issue 10 item 7). Real Redis, the real stores and scripts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
import socketio

from handoff.config.settings import Settings
from handoff.config.texts import SystemTexts
from handoff.domain.entries import encode
from handoff.domain.ownership import Action
from handoff.fanout.notify import Notifier
from handoff.services.board import Board
from handoff.services.idle import IdleCloser
from handoff.store import pool
from handoff.store.conversations import ConversationStore
from handoff.store.facts import DeskFactsReader
from handoff.store.keys import Keys
from handoff.store.queue_places import QueuePlaces
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.asyncio
KEYS = Keys("t:")
HOUR = 3600.0


class Clock:
    def __init__(self) -> None:
        self.now = 1_764_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest_asyncio.fixture
async def redis(clean_redis: RedisServer) -> AsyncIterator[Any]:
    client = pool.connect(clean_redis.url, decode_responses=True)
    yield client
    await client.aclose()


def parts(redis: Any, clock: Clock, **env: str) -> tuple[ConversationStore, IdleCloser]:
    settings = Settings.from_env({"TANDEM_SECRET": "x" * 32, **env})
    store = ConversationStore(redis, KEYS, retention_seconds=7 * 86400, clock=clock)
    notify = Notifier(socketio.AsyncServer(async_mode="asgi"))
    board = Board(
        conversations=store,
        facts=DeskFactsReader(redis, KEYS),
        places=QueuePlaces(redis, KEYS),
        notify=notify,
        clock=clock,
    )
    closer = IdleCloser(
        settings,
        conversations=store,
        notify=notify,
        board=board,
        texts=SystemTexts.load(),
        clock=clock,
    )
    return store, closer


async def start(store: ConversationStore, customer: str) -> str:
    return await store.start(customer, expected_current="", day_key=KEYS.stats_day("d"))


async def test_a_conversation_nobody_wrote_to_for_a_day_is_closed_and_expires(redis: Any) -> None:
    clock = Clock()
    store, closer = parts(redis, clock)
    idle = await start(store, "u_1")
    busy = await start(store, "u_2")
    await store.append(idle, encode(author="customer", text="hi"), for_bot=True)
    clock.now += 2 * HOUR
    await store.append(busy, encode(author="customer", text="hi"), for_bot=True)
    clock.now += 23 * HOUR  # idle: 25 h without a message; busy: 23 h
    assert await closer.run() == 1
    assert await store.fields(idle, "state", "resolution") == ["closed", "idle"]
    assert 0 < await redis.ttl(KEYS.conversation(idle)) <= 7 * 86400
    assert 0 < await redis.ttl(KEYS.log(idle))
    assert await store.fields(busy, "state") == ["bot"]
    assert await redis.ttl(KEYS.conversation(busy)) == -1
    assert await closer.run() == 0  # closed ones leave the index
    clock.now += 2 * HOUR
    assert await closer.run() == 1  # now the other one too


async def test_queued_and_owned_conversations_are_closed_and_tickets_after_longer(
    redis: Any,
) -> None:
    clock = Clock()
    store, closer = parts(redis, clock, TANDEM_TICKET_CLOSE_DAYS="30")
    queued, owned, ticket = [await start(store, f"u_{i}") for i in range(3)]
    await store.transition(queued, Action.HANDOFF, queue_score=clock.now)
    await store.transition(owned, Action.HANDOFF)
    await store.transition(owned, Action.CLAIM, new_owner="a_1", new_owner_name="Ana")
    await store.transition(ticket, Action.GO_OFFLINE)
    clock.now += 25 * HOUR
    assert await closer.run() == 2
    assert await store.queue() == []
    assert await redis.smembers(KEYS.agent_active("a_1")) == set()
    assert await store.fields(owned, "state", "resolution") == ["closed", "idle"]
    assert await store.fields(ticket, "state") == ["offline"]  # a promise to write back
    clock.now += 30 * 86400
    assert await closer.run() == 1
    assert await store.fields(ticket, "state", "resolution") == ["closed", "idle"]
    assert await store.tickets() == []


async def test_idle_conversations_are_found_by_index_in_batches(redis: Any) -> None:
    clock = Clock()
    store, closer = parts(redis, clock)
    ids = [await start(store, f"u_{i}") for i in range(25)]
    clock.now += 25 * HOUR
    assert await closer.run(batch=10, rounds=2) == 20  # a backlog is worked off over sweeps
    assert await closer.run(batch=10, rounds=2) == 5
    states = [s for (s,) in [await store.fields(c, "state") for c in ids]]
    assert states == ["closed"] * 25
    assert await redis.zcard(KEYS.active) == 0


async def test_a_bot_answer_counts_as_activity_and_gone_hashes_leave_the_index(
    redis: Any,
) -> None:
    clock = Clock()
    store, closer = parts(redis, clock)
    answered = await start(store, "u_1")
    gone = await start(store, "u_2")
    await store.append(answered, encode(author="customer", text="hi"), for_bot=True)
    await redis.set(KEYS.bot_lock(answered), "t")
    clock.now += 24.5 * HOUR
    committed = await store.commit_bot_turn(
        answered,
        version=1,
        processed_seq=1,
        entries=[encode(author="bot", text="hello")],
        lease_token="t",
        taken_bot_seq=0,
    )
    assert committed is not None
    await redis.delete(KEYS.conversation(gone))  # an operator removed it by hand
    clock.now += 1 * HOUR
    assert await closer.run() == 0
    assert await store.fields(answered, "state") == ["bot"]
    assert await redis.zscore(KEYS.active, gone) is None
