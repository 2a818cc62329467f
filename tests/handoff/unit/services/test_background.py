"""Work after the answer: started at once, awaited by tests, cancelled at shutdown."""

import asyncio

import pytest

from handoff.services.background import Background

pytestmark = pytest.mark.asyncio


async def test_spawned_work_runs_without_being_awaited_and_settles() -> None:
    done: list[str] = []

    async def report(name: str) -> None:
        await asyncio.sleep(0.01)
        done.append(name)

    work = Background("test")
    work.spawn(report("a"))
    work.spawn(report("b"))
    assert done == []  # spawn returns at once
    await work.settled()
    assert sorted(done) == ["a", "b"]


async def test_close_cancels_what_is_still_running() -> None:
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def forever() -> None:
        started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    work = Background("test")
    work.spawn(forever())
    await started.wait()
    await work.close()
    assert cancelled.is_set()
