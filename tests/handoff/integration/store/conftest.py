"""Store tests talk to the session's real redis-server, flushed before each test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio

from handoff.store import pool
from handoff.store.keys import Keys
from tests.support.redis_server import RedisServer


class Clock:
    """A clock a test moves by hand."""

    def __init__(self, now: float = 1_764_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest_asyncio.fixture
async def redis(clean_redis: RedisServer) -> AsyncIterator[Any]:
    client = pool.connect(clean_redis.url, decode_responses=True)
    yield client
    await client.aclose()


KEYS = Keys("t:")
