"""Token buckets on Redis: the same answers as the pure arithmetic, all or none, refunds."""

from __future__ import annotations

import random
from typing import Any

import pytest

from handoff.domain.entries import encode
from handoff.security.ratelimit import Bucket, Rule, retry_after, take
from handoff.store.conversations import ConversationStore
from handoff.store.limits import Limits, Spend
from tests.handoff.integration.store.conftest import KEYS, Clock

pytestmark = pytest.mark.asyncio
RULE = Rule("customer", burst=3, per_minute=30)  # a token every 2 s


async def test_the_script_decides_as_the_pure_arithmetic_does(redis: Any) -> None:
    clock = Clock(1_764_000_000.0)
    limits = Limits(redis, KEYS, clock=clock)
    rng = random.Random(7)
    bucket: Bucket | None = None
    for _ in range(200):
        clock.now += rng.choice([0.0, 0.0, 0.3, 1.1, 2.5, 7.0])
        allowed, bucket = take(bucket, now=clock.now, burst=RULE.burst, per_second=RULE.per_second)
        wait = await limits.take(Spend(RULE, "u_1"))
        assert (wait == 0) == allowed
        if not allowed:
            expected = retry_after(bucket, per_second=RULE.per_second)
            assert expected <= wait <= expected + 0.001  # rounded up to whole milliseconds


async def test_several_buckets_are_spent_all_or_none(redis: Any) -> None:
    clock = Clock()
    limits = Limits(redis, KEYS, clock=clock)
    small = Rule("address", burst=1, per_minute=1)
    assert await limits.take(Spend(RULE, "u_1"), Spend(small, "203.0.113.9")) == 0
    # The address is spent: the session's bucket is not touched by the refusal.
    assert await limits.take(Spend(RULE, "u_1"), Spend(small, "203.0.113.9")) == 60.0
    assert await limits.take(Spend(RULE, "u_1")) == 0
    assert await limits.take(Spend(RULE, "u_1")) == 0
    assert await limits.take(Spend(RULE, "u_1")) > 0


async def test_peek_force_and_refund(redis: Any) -> None:
    clock = Clock()
    limits = Limits(redis, KEYS, clock=clock)
    login = Spend(Rule("login", burst=2, per_minute=1), "ana")
    assert await limits.peek(login) == 0 and await limits.peek(login) == 0  # looking is free
    await limits.force(login)
    await limits.force(login)
    await limits.force(login)  # spends what is there, never below empty
    assert await limits.peek(login) == 60.0
    await limits.refund(login)
    assert await limits.peek(login) == 0
    await limits.refund(login)
    await limits.refund(login)  # never above full
    assert await limits.take(login) == 0 and await limits.take(login) == 0
    assert await limits.take(login) > 0


async def test_an_idle_bucket_expires_once_it_would_be_full(redis: Any) -> None:
    limits = Limits(redis, KEYS, clock=Clock())
    await limits.take(Spend(RULE, "u_1"))
    ttl = await redis.pttl(KEYS.limit("customer", "u_1"))
    assert 2000 < ttl <= 3000  # one token to refill (2 s), and a second of slack


async def test_a_message_spends_its_token_in_the_append_only_when_stored(redis: Any) -> None:
    clock = Clock()
    store = ConversationStore(redis, KEYS, retention_seconds=3600, clock=clock)
    limits = Limits(redis, KEYS, clock=clock)
    bucket = limits.bucket(Rule("customer", burst=2, per_minute=1), "u_1")
    conversation_id = await store.start("u_1", expected_current="", day_key=KEYS.stats_day("d"))
    fields = encode(author="customer", text="hi")
    assert (await store.append(conversation_id, fields, cmid="m1", bucket=bucket)).ok
    # A resend of a stored message and a refused one cost nothing.
    assert (await store.append(conversation_id, fields, cmid="m1", bucket=bucket)).status == "dup"
    refused = await store.append(conversation_id, fields, allowed=("agent",), bucket=bucket)
    assert refused.status == "state"
    assert (await store.append(conversation_id, fields, cmid="m2", bucket=bucket)).ok
    limited = await store.append(conversation_id, fields, cmid="m3", bucket=bucket)
    assert limited.status == "limited" and limited.retry_after == 60.0
    messages, _ = await store.read_log(conversation_id)
    assert [m["seq"] for m in messages] == [1, 2]


async def test_a_message_spends_on_its_session_and_its_address_all_or_none(redis: Any) -> None:
    clock = Clock()
    store = ConversationStore(redis, KEYS, retention_seconds=3600, clock=clock)
    limits = Limits(redis, KEYS, clock=clock)
    session = limits.bucket(Rule("customer", burst=2, per_minute=1), "u_1")
    address = limits.bucket(Rule("address_messages", burst=1, per_minute=2), "203.0.113.9")
    conversation_id = await store.start("u_1", expected_current="", day_key=KEYS.stats_day("d"))
    fields = encode(author="customer", text="hi")
    stored = await store.append(conversation_id, fields, bucket=session, also=[address])
    assert stored.ok and stored.seq == 1
    limited = await store.append(conversation_id, fields, bucket=session, also=[address])
    assert limited.status == "limited" and limited.retry_after == 30.0
    # The address's refusal took nothing from the session: it still has its second token.
    assert (await store.append(conversation_id, fields, bucket=session)).ok
    assert (await store.append(conversation_id, fields, bucket=session)).status == "limited"
    messages, _ = await store.read_log(conversation_id)
    assert [(m["seq"], m["text"]) for m in messages] == [(1, "hi"), (2, "hi")]
