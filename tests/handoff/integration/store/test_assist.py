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
    assert await store.pairs() == ([pair(2, csat=None), pair(3), pair(4)], 4, 0)
    assert 0 < await redis.ttl(KEYS.assist_learned("c_1")) <= 60


async def test_a_replica_reads_what_others_kept_since_it_looked(redis: Any) -> None:
    store = AssistStore(redis, KEYS, cap=3, ttl=60, clock=Clock())
    await store.keep("c_1", [pair(1)])
    _, seen, erased = await store.pairs()
    assert await store.since(seen, erased) == ([], 1)
    await store.keep("c_2", [pair(2), pair(3)])
    assert await store.counts() == (3, 0)
    assert await store.since(seen, erased) == ([pair(2), pair(3)], 3)
    await store.keep("c_4", [pair(4), pair(5), pair(6), pair(7)])  # more than the cap
    assert await store.since(3, erased) == ([pair(5), pair(6), pair(7)], 7)


async def test_pairs_older_than_the_retention_are_neither_read_nor_kept(redis: Any) -> None:
    clock = Clock()
    store = AssistStore(redis, KEYS, cap=100, ttl=60, clock=clock)
    await store.keep("c_1", [pair(1), pair(2)])
    clock.now += 30
    await store.keep("c_3", [pair(3)])
    clock.now += 31  # the first two are 61 s old
    assert await store.pairs() == ([pair(3)], 3, 0)
    await store.keep("c_4", [pair(4)])  # a keep trims the expired head
    assert await redis.llen(KEYS.assist_pairs) == 2


async def test_a_malformed_pair_is_skipped(redis: Any) -> None:
    store = AssistStore(redis, KEYS, cap=10, ttl=60, clock=Clock())
    await redis.rpush(KEYS.assist_pairs, "not json", '{"language": "en"}')
    assert await store.keep("c_1", [pair(1)]) == 1
    assert await store.pairs() == ([pair(1)], 1, 0)


def said(conversation_id: str, n: int) -> ReplyPair:
    return ReplyPair("en", f"question {n}", f"reply {n}", 5, conversation_id)


async def test_forgetting_a_conversation_removes_its_pairs_and_marker_and_counts_an_erase(
    redis: Any,
) -> None:
    store = AssistStore(redis, KEYS, cap=10, ttl=60, clock=Clock())
    await store.keep("c_a", [said("c_a", 1), said("c_a", 1), said("c_a", 2)])  # the same twice
    await store.keep("c_b", [said("c_b", 3)])
    _, seen, erased = await store.pairs()
    assert [p["reply"] for p in await store.kept("c_a")] == ["reply 1", "reply 1", "reply 2"]

    assert await store.forget(["c_a", "c_never"]) == 3
    assert await store.pairs() == ([said("c_b", 3)], 4, 1)  # the total ever kept stays
    assert await store.kept("c_a") == []
    assert not await redis.exists(KEYS.assist_learned("c_a"))
    assert await redis.exists(KEYS.assist_learned("c_b"))
    # A replica that indexed before the erase may not read the tail: it must read it all again.
    assert await store.since(seen, erased) is None
    assert await store.since(4, 1) == ([], 4)
    await store.keep("c_c", [said("c_c", 5)])
    assert await store.since(4, 1) == ([said("c_c", 5)], 5)

    assert await store.forget(["c_never"]) == 0  # nothing removed: no erase to catch up on
    assert await store.counts() == (5, 1)
