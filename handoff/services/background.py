"""Work done after the answer: tasks a service starts and never awaits on the message path,
begun once this replica's sockets have written what was just emitted (``fanout.writers_first``),
kept (so they are not garbage-collected mid-flight), cancelled at shutdown, and awaitable by
tests.

Example::

    work = Background("inbox")
    work.spawn(report(conversation_id))   # returns at once
    await work.settled()                  # tests: wait for what is still running
    await work.close()                    # shutdown: cancel it
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from handoff.fanout.writers_first import after_local_writes


class Background:
    def __init__(self, name: str) -> None:
        self.name = name
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(_after_local_writes(work), name=self.name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        # Cancelled before it began (a shutdown): it never runs, and Python need not warn.
        task.add_done_callback(lambda _: work.close())

    async def settled(self) -> None:
        await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _after_local_writes(work: Coroutine[Any, Any, None]) -> None:
    """Work after the answer starts once the answer is on the wire (``fanout.writers_first``)."""
    await after_local_writes()
    await work
