"""Customer presence across replicas: connected while a lease runs, last seen for the away time."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.store.customer_seen import LEASE, CustomerPresence, CustomerSeen
from tests.handoff.integration.store.conftest import KEYS

pytestmark = pytest.mark.asyncio


async def test_connected_until_the_last_socket_leaves(redis: Any) -> None:
    one = CustomerSeen(redis, KEYS, replica="r1")
    two = CustomerSeen(redis, KEYS, replica="r2")
    assert await one.presence("u_1", now=100.0) == CustomerPresence(False, None)
    await one.connect("u_1", "s1", now=100.0)
    await two.connect("u_1", "s2", now=101.0)
    await one.disconnect("u_1", "s1", now=105.0)
    assert (await one.presence("u_1", now=106.0)).connected  # the other tab is still open
    await two.disconnect("u_1", "s2", now=107.0)
    gone = await one.presence("u_1", now=108.0)
    assert not gone.connected and gone.last_seen == 107.0


async def test_a_dead_replicas_sockets_run_out_and_renewals_move_last_seen(redis: Any) -> None:
    alive = CustomerSeen(redis, KEYS, replica="r1")
    dead = CustomerSeen(redis, KEYS, replica="r2")
    await dead.connect("u_1", "s1", now=100.0)
    await alive.connect("u_2", "s2", now=100.0)
    await alive.renew([("u_2", "s2")], now=100.0 + LEASE - 1)
    later = 100.0 + LEASE + 1
    assert not (await alive.presence("u_1", now=later)).connected
    assert (await alive.presence("u_1", now=later)).last_seen == 100.0
    kept = await alive.presence("u_2", now=later)
    assert kept.connected and kept.last_seen == 100.0 + LEASE - 1
