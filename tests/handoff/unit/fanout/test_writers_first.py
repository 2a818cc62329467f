"""Work that yields with ``after_local_writes`` runs after engineio's writer has taken a packet
queued in the same step: what the relay's and the bot's frames rely on to go out before the
publish and the bookkeeping. engineio's own ``AsyncSocket.poll`` is the writer here, so an
engineio or Python release that makes it take more trips round the loop fails this test."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from engineio.async_socket import AsyncSocket

from handoff.fanout import writers_first
from handoff.fanout.writers_first import after_local_writes
from handoff.services.background import Background

pytestmark = pytest.mark.asyncio


def engineio_socket() -> AsyncSocket:
    server = SimpleNamespace(create_queue=asyncio.Queue, ping_interval=25, ping_timeout=20)
    return AsyncSocket(server, "sid")


async def order_of_writer_and_work(work: object) -> list[str]:
    """Queue a packet on a socket whose writer waits, start ``work`` in the same step (as an
    emit followed by its publish), and say who got the loop first."""
    socket = engineio_socket()
    order: list[str] = []

    async def writer() -> None:
        await socket.poll()
        order.append("writer")

    waiting = asyncio.create_task(writer())
    await asyncio.sleep(0.01)  # the writer is parked on the empty queue, as between messages
    await socket.queue.put("packet")
    assert callable(work)
    await work(order)
    await waiting
    await asyncio.sleep(0.01)
    return order


async def test_work_after_local_writes_runs_once_the_writer_has_its_packet() -> None:
    async def start(order: list[str]) -> None:
        async def publish() -> None:
            await after_local_writes()
            order.append("publish")

        asyncio.create_task(publish())

    assert await order_of_writer_and_work(start) == ["writer", "publish"]


async def test_without_the_yields_the_same_work_would_go_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The check above can fail: with no trips the other work takes the loop before the writer.
    monkeypatch.setattr(writers_first, "WRITER_TRIPS", 0)

    async def start(order: list[str]) -> None:
        async def publish() -> None:
            await after_local_writes()
            order.append("publish")

        asyncio.create_task(publish())

    assert await order_of_writer_and_work(start) == ["publish", "writer"]


async def test_background_work_starts_after_the_writer() -> None:
    work = Background("test")

    async def start(order: list[str]) -> None:
        async def report() -> None:
            order.append("report")

        work.spawn(report())

    assert await order_of_writer_and_work(start) == ["writer", "report"]
    await work.settled()


async def test_background_work_cancelled_before_it_began_never_runs() -> None:
    ran: list[str] = []

    async def report() -> None:
        ran.append("report")

    work = Background("test")
    work.spawn(report())
    await work.close()
    assert ran == []
