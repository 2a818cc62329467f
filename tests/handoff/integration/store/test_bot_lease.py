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
