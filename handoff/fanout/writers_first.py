"""Let this replica's sockets write what was just emitted before other work takes the loop.

An emit to a local socket only puts the packet on that socket's queue; engineio's writer task
takes it from there three trips round the event loop later (``asyncio.wait_for`` around
``queue.get()`` on Python 3.11: the inner task, the waiter, the writer). Work started in the
same step as the emit (the publish to the other replicas, the writers' inbox note after a bot
turn or an agent's reply) ran first: its encoding and its write to Redis, which on a machine
this size also hands Redis the core, sat in the customer's wait. Yielding that many trips first
puts the customer's frame on the wire before it (docs/benchmarks.md, "Agent → customer relay").

Only latency depends on the count: with fewer trips the other work runs first, as it did before.

Example::

    await notify.entry(...)        # queued on the customer's socket
    await after_local_writes()     # ... and written
    await inbox.bot_turn(...)      # bookkeeping, off the customer's path
"""

from __future__ import annotations

import asyncio

WRITER_TRIPS = 3


async def after_local_writes() -> None:
    for _ in range(WRITER_TRIPS):
        await asyncio.sleep(0)
