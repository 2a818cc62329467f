"""The kept (customer message -> agent reply) pairs: once per conversation, capped, within the
retention, read back."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.domain.past_replies import ReplyPair
from handoff.store.assist import AssistStore
from tests.handoff.integration.store.conftest import KEYS, Clock

pytestmark = pytest.mark.asyncio


def pair(n: int, csat: int | None = 5) -> ReplyPair:
    return ReplyPair("en", f"question {n}", f"reply {n}", csat, f"c_{n}")


async def test_pairs_are_kept_once_per_conversation_and_the_newest_within_the_cap(
    redis: Any,
) -> None:
    store = AssistStore(redis, KEYS, cap=3, ttl=60, clock=Clock())
    assert await store.keep("c_1", [pair(1), pair(2, csat=None)]) == 2
    assert await store.keep("c_1", [pair(9)]) is None  # rated after a resolved close: once
    assert await store.keep("c_2", [pair(3), pair(4)]) == 4
    assert await store.pairs() == ([pair(2, csat=None), pair(3), pair(4)], 4)
    assert 0 < await redis.ttl(KEYS.assist_learned("c_1")) <= 60


async def test_a_replica_reads_what_others_kept_since_it_looked(redis: Any) -> None:
    store = AssistStore(redis, KEYS, cap=3, ttl=60, clock=Clock())
    await store.keep("c_1", [pair(1)])
    _, seen = await store.pairs()
    assert await store.since(seen) == ([], 1)
    await store.keep("c_2", [pair(2), pair(3)])
    assert await store.total() == 3
    assert await store.since(seen) == ([pair(2), pair(3)], 3)
    await store.keep("c_4", [pair(4), pair(5), pair(6), pair(7)])  # more than the cap
    assert await store.since(3) == ([pair(5), pair(6), pair(7)], 7)


async def test_pairs_older_than_the_retention_are_neither_read_nor_kept(redis: Any) -> None:
    clock = Clock()
    store = AssistStore(redis, KEYS, cap=100, ttl=60, clock=clock)
    await store.keep("c_1", [pair(1), pair(2)])
    clock.now += 30
    await store.keep("c_3", [pair(3)])
    clock.now += 31  # the first two are 61 s old
    assert await store.pairs() == ([pair(3)], 3)
    await store.keep("c_4", [pair(4)])  # a keep trims the expired head
    assert await redis.llen(KEYS.assist_pairs) == 2


async def test_a_malformed_pair_is_skipped(redis: Any) -> None:
    store = AssistStore(redis, KEYS, cap=10, ttl=60, clock=Clock())
    await redis.rpush(KEYS.assist_pairs, "not json", '{"language": "en"}')
    assert await store.keep("c_1", [pair(1)]) == 1
    assert await store.pairs() == ([pair(1)], 1)
