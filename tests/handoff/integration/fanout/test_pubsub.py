"""The Redis manager's listener: it subscribes again soon after Redis comes back, and says so
(so that the service can tell its clients to sync: issue 10 item 3). A real redis-server,
killed and started again on the same port."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest

from handoff.fanout.pubsub import RedisManager
from handoff.store import pool
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.asyncio


async def test_the_listener_comes_back_after_redis_restarts_and_reports_the_gap(
    tmp_path: Path,
) -> None:
    server = RedisServer(tmp_path / "redis").start()
    manager = RedisManager(server.url, channel="t:socketio")
    gaps: list[int] = []
    received: list[bytes] = []

    async def on_resubscribe() -> None:
        gaps.append(manager.subscriptions)

    manager.on_resubscribe = on_resubscribe

    async def listen() -> None:
        async for data in manager._listen():
            received.append(data)

    task = asyncio.create_task(listen())
    publisher = pool.connect(server.url)  # replaces connections the old Redis closed

    async def publish_until_heard(message: bytes) -> None:
        for _ in range(200):  # a bounded wait for the subscription, not a timing assertion
            await publisher.publish("t:socketio", message)
            if message in received:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"{message!r} never heard; heard {received}")

    try:
        await publish_until_heard(b"before")
        assert gaps == []  # the first subscription is not a gap
        server.kill()
        await asyncio.sleep(0.5)
        server.start()  # the same port
        await publish_until_heard(b"after")
        assert gaps == [2]  # subscribed again, and said so once
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await publisher.aclose()
        server.stop()
