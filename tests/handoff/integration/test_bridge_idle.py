"""The bridge goes quiet once the bot has answered everything (no re-polling of Redis)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import redis.asyncio as aioredis

from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.asyncio


async def lease_attempts(redis_url: str) -> int:
    """How many times any bridge tried to take a conversation's lease (``SET … NX PX``)."""
    client = aioredis.Redis.from_url(redis_url, decode_responses=True)
    try:
        stats = await client.info("commandstats")
    finally:
        await client.aclose()
    return int(stats.get("cmdstat_set", {}).get("calls", 0))


async def test_bridge_stops_once_the_bot_has_answered(
    customer: Any, clean_redis: RedisServer
) -> None:
    alice = await customer()
    for text in ("one", "two"):
        await alice.say(text)
        await alice.wait_text(f"You said: {text}")
    await asyncio.sleep(0.3)
    before = await lease_attempts(clean_redis.url)
    await asyncio.sleep(1.0)
    # The bot's own answers come after bot_seq; they are not work for the bridge. (A bug once
    # compared bot_seq with the last seq and took the lease again and again, forever.)
    assert await lease_attempts(clean_redis.url) == before
