"""The bridge's lease: one replica at a time, work and release in the same round trip."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.domain.entries import encode
from handoff.domain.ownership import Action
from handoff.store.bot_lease import BotLease
from handoff.store.conversations import ConversationStore
from tests.handoff.integration.store.conftest import KEYS

pytestmark = pytest.mark.asyncio


async def test_one_replica_works_a_conversation_at_a_time(redis: Any) -> None:
    store = ConversationStore(redis, KEYS, retention_seconds=3600)
    cid = await store.start("u_1", expected_current="", day_key=KEYS.stats_day("d"))
    lease = BotLease(redis, KEYS, lease_ms=5000)
    assert (await lease.take(cid, "t1", renew=False)).status == "done"  # nothing to answer
    await store.append(cid, encode(author="customer", text="hi"), for_bot=True)
    work = await lease.take(cid, "t1", renew=False)
    assert work.status == "work" and work.message["text"] == "hi" and work.last_seq == 1
    assert work.conversation["id"] == cid
    other = await lease.take(cid, "t2", renew=False)
    assert other.status == "busy" and 0 < other.busy_ms <= 5000
    assert (await lease.take(cid, "t2", renew=True)).status == "lost"
    left = await lease.release(cid, "t1")
    assert left.work_left and (left.customer_seq, left.bot_seq) == (1, 0)
    assert (await lease.take(cid, "t2", renew=False)).status == "work"


async def test_a_pending_hand_back_is_work(redis: Any) -> None:
    store = ConversationStore(redis, KEYS, retention_seconds=3600)
    cid = await store.start("u_1", expected_current="", day_key=KEYS.stats_day("d"))
    await store.transition(cid, Action.HANDOFF)
    await store.transition(cid, Action.CLAIM, new_owner="a_1", new_owner_name="Ana")
    await store.transition(cid, Action.HAND_BACK, actor="a_1", fields={"bot_event": "handback"})
    lease = BotLease(redis, KEYS, lease_ms=5000)
    work = await lease.take(cid, "t1", renew=False)
    assert work.status == "work" and work.conversation["bot_event"] == "handback"
    assert (await lease.release(cid, "t1")).work_left


async def test_a_commit_takes_the_next_work_or_releases_the_lease(redis: Any) -> None:
    store = ConversationStore(redis, KEYS, retention_seconds=3600)
    cid = await store.start("u_1", expected_current="", day_key=KEYS.stats_day("d"))
    lease = BotLease(redis, KEYS, lease_ms=5000)
    await store.append(cid, encode(author="customer", text="one"), for_bot=True)
    work = await lease.take(cid, "t1", renew=False)
    await store.append(cid, encode(author="customer", text="two"), for_bot=True)
    await redis.pexpire(KEYS.bot_lock(cid), 100)
    bot = [encode(author="bot", text="You said: one")]
    first = await store.commit_bot_turn(
        cid,
        version=1,
        processed_seq=1,
        entries=bot,
        lease_token="t1",
        taken_bot_seq=int(work.conversation["bot_seq"]),
        take_next_ms=5000,
    )
    # "two" is left: the same step renewed the lease and returns it as TAKE_BOT_WORK would.
    assert first is not None and first.seqs == [3] and first.next is not None
    assert first.next.status == "work" and first.next.message["text"] == "two"
    assert first.next.conversation["bot_seq"] == "1" and first.next.last_seq == 3
    assert await redis.get(KEYS.bot_lock(cid)) == "t1"
    assert await redis.pttl(KEYS.bot_lock(cid)) > 1000
    # A stalled replica's commit stays fenced: nothing stored, the lease untouched.
    late = await store.commit_bot_turn(
        cid,
        version=1,
        processed_seq=1,
        entries=bot,
        lease_token="x",
        taken_bot_seq=0,
        take_next_ms=5000,
    )
    assert late is None and await redis.get(KEYS.bot_lock(cid)) == "t1"
    second = await store.commit_bot_turn(
        cid,
        version=1,
        processed_seq=2,
        entries=[],
        lease_token="t1",
        taken_bot_seq=1,
        take_next_ms=5000,
    )
    # Nothing left: released in the same step, so the next message starts a new pump.
    assert second is not None and second.next is not None and second.next.status == "done"
    assert not await redis.exists(KEYS.bot_lock(cid))


async def test_a_commit_without_take_next_keeps_the_lease(redis: Any) -> None:
    store = ConversationStore(redis, KEYS, retention_seconds=3600)
    cid = await store.start("u_1", expected_current="", day_key=KEYS.stats_day("d"))
    lease = BotLease(redis, KEYS, lease_ms=5000)
    await store.append(cid, encode(author="customer", text="a person please"), for_bot=True)
    await lease.take(cid, "t1", renew=False)
    committed = await store.commit_bot_turn(
        cid, version=1, processed_seq=1, entries=[], lease_token="t1", taken_bot_seq=0
    )
    assert committed is not None and committed.next is None
    assert await redis.get(KEYS.bot_lock(cid)) == "t1"  # still held for the handoff
