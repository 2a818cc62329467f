"""The Redis pool makes a burst wait for a free connection instead of failing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from handoff.store.pool import (
    QueueingConnectionPool,
    QueueingSentinelPool,
    connect,
    parse_sentinel_url,
)
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.asyncio


async def test_a_burst_larger_than_the_pool_waits_its_turn(clean_redis: RedisServer) -> None:
    redis = connect(clean_redis.url, max_connections=2, decode_responses=True)
    try:
        results = await asyncio.gather(*(redis.incr("burst") for _ in range(60)))
        assert sorted(results) == list(range(1, 61))
        pool = redis.connection_pool
        assert isinstance(pool, QueueingConnectionPool)
        assert len(pool._in_use_connections) + len(pool._available_connections) <= 2
    finally:
        await redis.aclose()


async def test_waiting_is_bounded(clean_redis: RedisServer) -> None:
    redis = connect(clean_redis.url, max_connections=1, decode_responses=True)
    redis.connection_pool.wait_timeout = 0.2
    try:
        blocker = asyncio.create_task(redis.blpop(["nothing"], timeout=1))
        await asyncio.sleep(0.05)
        with pytest.raises(RedisConnectionError, match="no Redis connection free"):
            await redis.get("x")
        await blocker
        assert await redis.get("x") is None  # free again once the blocker is done
    finally:
        await redis.aclose()


async def test_the_first_command_after_a_redis_restart_succeeds(tmp_path: Path) -> None:
    """Pooled connections that the old Redis closed are replaced before use, not failed once."""
    server = RedisServer(tmp_path / "redis").start()
    redis = connect(server.url, decode_responses=True)
    try:
        await asyncio.gather(*(redis.incr("before") for _ in range(5)))  # several connections
        server.kill()
        server.start()  # the same port
        await asyncio.sleep(0.1)  # the old connections' EOF has arrived
        after = await asyncio.gather(*(redis.incr("after") for _ in range(5)))
        assert sorted(after) == [1, 2, 3, 4, 5]
    finally:
        await redis.aclose()
        server.stop()


async def test_a_sentinel_url_names_the_sentinels_the_db_and_the_service() -> None:
    address = parse_sentinel_url("redis+sentinel://:s%40cret@10.0.0.1:26379,[::1]:26380/2/tandem")
    assert address.sentinels == [("10.0.0.1", 26379), ("::1", 26380)]
    assert address.service == "tandem"
    assert address.options == {"db": 2, "password": "s@cret"}
    for bad in (
        "redis+sentinel://10.0.0.1:26379/0",  # no service name
        "redis+sentinel://10.0.0.1/0/tandem",  # no port
        "redis://10.0.0.1:6379/0",
    ):
        with pytest.raises(ValueError):
            parse_sentinel_url(bad)


async def test_a_sentinel_url_gives_the_queueing_pool_of_the_primary() -> None:
    redis = connect("redis+sentinel://127.0.0.1:1,127.0.0.1:2/0/tandem", max_connections=7)
    try:  # nothing connects until a command runs
        pool = redis.connection_pool
        assert isinstance(pool, QueueingSentinelPool) and pool.is_master
        assert pool.service_name == "tandem" and pool.max_connections == 7
    finally:
        await redis.aclose()
