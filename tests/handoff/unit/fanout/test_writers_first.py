"""Work that yields with ``after_local_writes`` runs after engineio's writer has taken a packet
queued in the same step: what the relay's and the bot's frames rely on to go out before the
publish and the bookkeeping. engineio's own ``AsyncSocket.poll`` is the writer here, so an
engineio or Python release that makes it take more trips round the loop fails this test."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from types import SimpleNamespace

import pytest
from engineio.async_socket import AsyncSocket

from handoff.fanout import writers_first
from handoff.fanout.writers_first import after_local_writes
from handoff.services.background import Background

pytestmark = pytest.mark.asyncio


async def who_goes_first(start: Callable[[list[str]], Awaitable[object]]) -> list[str]:
    """Queue a packet on an engineio socket whose writer waits for one, and in the same step
    ``start`` the other work (as an emit, then its publish): the order in which they ran."""
    server = SimpleNamespace(create_queue=asyncio.Queue, ping_interval=25, ping_timeout=20)
    socket = AsyncSocket(server, "sid")
    order: list[str] = []

    async def writer() -> None:
        await socket.poll()
        order.append("writer")

    waiting = asyncio.create_task(writer())
    await asyncio.sleep(0.01)  # the writer is parked on the empty queue, as between messages
    socket.queue.put_nowait("packet")
    other = start(order)
    await asyncio.gather(waiting, other)
    return order


def publish(order: list[str]) -> asyncio.Task[None]:
    async def run() -> None:
        await after_local_writes()
        order.append("publish")

    return asyncio.create_task(run())


async def test_work_after_local_writes_runs_once_the_writer_has_its_packet() -> None:
    assert await who_goes_first(publish) == ["writer", "publish"]


async def test_without_the_yields_the_same_work_would_go_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The check above can fail: with no trips the other work takes the loop before the writer.
    monkeypatch.setattr(writers_first, "WRITER_TRIPS", 0)
    assert await who_goes_first(publish) == ["publish", "writer"]


async def test_background_work_starts_after_the_writer() -> None:
    work = Background("test")

    def report(order: list[str]) -> Awaitable[object]:
        async def run() -> None:
            order.append("report")

        work.spawn(run())
        return work.settled()

    assert await who_goes_first(report) == ["writer", "report"]


async def test_background_work_cancelled_before_it_began_never_runs() -> None:
    ran: list[str] = []

    async def report() -> None:
        ran.append("report")

    work = Background("test")
    work.spawn(report())
    await work.close()
    assert ran == []
