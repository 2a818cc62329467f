"""Agent accounts for tests, written straight to Redis through the service's own store."""

from __future__ import annotations

import itertools
import os
from typing import Any

import redis.asyncio as aioredis

from handoff.security.passwords import hash_password
from handoff.store.agents import AgentStore
from handoff.store.keys import Keys

_names = itertools.count(1)
PASSWORD = "correct horse battery staple"
# Test accounts use a cheap scrypt cost: the real cost is tested once, in the unit tests.
_HASH = hash_password(PASSWORD, n=2**10)


async def create_agent(
    redis_url: str,
    *,
    prefix: str = "tandem:",
    name: str | None = None,
    languages: list[str] | None = None,
    skills: list[str] | None = None,
    capacity: int = 3,
    roles: list[str] | None = None,
    **_: Any,
) -> tuple[str, str]:
    username = f"agent{os.getpid()}x{next(_names)}"
    redis = aioredis.Redis.from_url(redis_url, decode_responses=True)
    try:
        await AgentStore(redis, Keys(prefix)).create(
            username,
            name=name or username.title(),
            password_hash=_HASH,
            languages=languages or ["en"],
            skills=skills or [],
            capacity=capacity,
            roles=roles or [],
        )
    finally:
        await redis.aclose()
    return username, PASSWORD
