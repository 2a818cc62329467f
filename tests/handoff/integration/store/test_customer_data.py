"""One customer's keys on a real Redis: found by conversation and by email, erased without
touching anyone else's."""

from __future__ import annotations

import json
from typing import Any

import pytest

from handoff.store.customer_data import CustomerData, conversation_keys
from tests.handoff.integration.store.conftest import KEYS

pytestmark = pytest.mark.asyncio
SAM, OTHER = "u_" + "a" * 24, "u_" + "b" * 24


async def conversation(redis: Any, cid: str, customer: str, **fields: str) -> None:
    await redis.hset(KEYS.conversation(cid), mapping={"id": cid, "customer": customer, **fields})
    await redis.xadd(KEYS.log(cid), {"seq": "1", "text": "hello"}, id="1-0")
    await redis.rpush(KEYS.customer_conversations(customer), cid)
    await redis.hset(KEYS.customer(customer), mapping={"current": cid})
    await redis.set(KEYS.rasa_tracker(cid), "{}")


async def test_found_by_conversation_and_email_then_erased_alone(redis: Any) -> None:
    data = CustomerData(redis, KEYS)
    summary = json.dumps({"contact_email": "Sam@Example.org"})
    await conversation(redis, "c_sam1", SAM, summary=summary, owner="a_1", state="closed")
    await conversation(redis, "c_sam2", SAM, contact_email="sam@example.org", state="queued")
    await conversation(redis, "c_other", OTHER, contact_email="other@example.org")
    await redis.zadd(KEYS.queue, {"c_sam2": 1, "c_other": 2})
    await redis.sadd(KEYS.agent_active("a_1"), "c_sam1", "c_other")
    await redis.rpush(KEYS.inbox_refs("i1"), "c_sam1:2", "c_other:3")
    await redis.zadd(KEYS.inbox_items, {"i1": 2})
    await redis.hset(KEYS.limit("customer", SAM), mapping={"t": "1"})

    assert await data.customer_of("c_sam2") == SAM and await data.known(SAM)
    assert await data.customers_with_email(" SAM@example.org ") == [SAM]
    assert await data.inbox_sightings(["c_sam1", "c_sam2"]) == {"i1": ["c_sam1:2"]}
    assert await data.erase(SAM, ["c_sam1", "c_sam2"]) > 0

    for cid in ("c_sam1", "c_sam2"):
        assert not await redis.exists(*conversation_keys(KEYS, cid))
    assert not await redis.exists(KEYS.customer(SAM), KEYS.limit("customer", SAM))
    assert await redis.zrange(KEYS.queue, 0, -1) == ["c_other"]
    assert await redis.smembers(KEYS.agent_active("a_1")) == {"c_other"}
    assert await redis.lrange(KEYS.inbox_refs("i1"), 0, -1) == ["c_other:3"]
    assert await data.customers_with_email("other@example.org") == [OTHER]
    assert await redis.exists(KEYS.rasa_tracker("c_other"))
