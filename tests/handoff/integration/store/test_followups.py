"""The follow-up schedule on a real Redis: due by time, taken once, answered once, counted."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.store.followups import FollowUpStore
from handoff.store.stats import Stats
from tests.handoff.integration.store.conftest import KEYS, Clock

pytestmark = pytest.mark.asyncio
HOUR = 3600.0


async def conversation(redis: Any, cid: str, customer: str, **fields: str) -> None:
    await redis.hset(KEYS.conversation(cid), mapping={"id": cid, "customer": customer, **fields})


async def test_follow_ups_come_due_in_time_and_are_taken_once(redis: Any) -> None:
    clock = Clock()
    store = FollowUpStore(redis, KEYS, clock=clock)
    await conversation(redis, "c_a", "u_a", contact_email="a@example.org")
    await conversation(redis, "c_b", "u_b")
    await store.schedule("c_a", due=clock.now + 24 * HOUR)
    await store.schedule("c_b", due=clock.now + 48 * HOUR)
    assert await store.take_due() == []
    clock.now += 24 * HOUR
    assert await store.take_due() == ["c_a"]
    assert await store.take_due() == []  # another replica's sweep finds nothing
    assert await redis.hget(KEYS.conversation("c_a"), "followup") == "due"
    assert await redis.hget(KEYS.conversation("c_b"), "followup") == "scheduled"
    # The outbox gets the one with an email, once.
    assert await store.take_for_mail() == ["c_a"]
    assert await store.take_for_mail() == []
    clock.now += 24 * HOUR
    assert await store.take_due() == ["c_b"]
    assert await store.take_for_mail() == []  # no address: the widget asks, nobody mails


async def test_only_the_conversations_customer_answers_and_only_once(redis: Any) -> None:
    clock = Clock()
    store = FollowUpStore(redis, KEYS, clock=clock)
    stats = Stats(redis, KEYS, clock=clock)
    await conversation(redis, "c_a", "u_a")
    day = stats.day_key()
    assert await store.answer("c_a", "u_a", solved=True, day_key=day) == "none"  # not asked
    await store.schedule("c_a", due=clock.now)
    assert await store.answer("c_a", "u_a", solved=True, day_key=day) == "scheduled"
    await store.take_due()
    assert await store.answer("c_a", "u_other", solved=True, day_key=day) == "missing"
    assert await store.answer("c_a", "u_a", solved=False, day_key=day) == "ok"
    assert await store.answer("c_a", "u_a", solved=True, day_key=day) == "no"  # answered
    assert await redis.hgetall(KEYS.stats_followups) == {"no": "1"}
    today = await stats.desk_stats(agents_online=0)
    assert (today["followup_yes"], today["followup_no"]) == (0, 1)
    assert today["resolution_confirmed_rate"] == 0.0


async def test_a_customer_who_came_back_first_is_not_asked(redis: Any) -> None:
    clock = Clock()
    store = FollowUpStore(redis, KEYS, clock=clock)
    await conversation(redis, "c_a", "u_a", contact_email="a@example.org")
    await store.schedule("c_a", due=clock.now)
    await store.cancel("c_a")
    assert await store.take_due() == []
    assert await redis.hget(KEYS.conversation("c_a"), "followup") == "cancelled"
    # Cancelling an answered one changes nothing.
    await conversation(redis, "c_b", "u_b", followup="yes")
    await store.cancel("c_b")
    assert await redis.hget(KEYS.conversation("c_b"), "followup") == "yes"
