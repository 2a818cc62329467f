"""Sockets per client address, counted across replicas, freed by a replica that dies."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.store.sockets import AddressSockets
from tests.handoff.integration.store.conftest import KEYS

pytestmark = pytest.mark.asyncio
ADDRESS = "203.0.113.9"


async def test_an_address_holds_at_most_cap_sockets_over_all_replicas(redis: Any) -> None:
    one = AddressSockets(redis, KEYS, replica="r1", lease=60)
    two = AddressSockets(redis, KEYS, replica="r2", lease=60)
    assert await one.open(ADDRESS, "s1", now=100.0, cap=2)
    assert await two.open(ADDRESS, "s2", now=100.0, cap=2)
    assert not await two.open(ADDRESS, "s3", now=100.0, cap=2)
    assert await one.open("198.51.100.2", "s4", now=100.0, cap=2)  # another address
    await one.close(ADDRESS, "s1")
    assert await two.open(ADDRESS, "s3", now=101.0, cap=2)


async def test_renewed_leases_hold_and_a_dead_replicas_run_out(redis: Any) -> None:
    alive = AddressSockets(redis, KEYS, replica="r1", lease=60)
    dead = AddressSockets(redis, KEYS, replica="r2", lease=60)
    assert await alive.open(ADDRESS, "s1", now=100.0, cap=2)
    assert await dead.open(ADDRESS, "s2", now=100.0, cap=2)
    await alive.renew([(ADDRESS, "s1")], now=150.0)
    # r2 stopped renewing: at 161 its socket's place is free again, r1's is not.
    assert await alive.open(ADDRESS, "s3", now=161.0, cap=2)
    assert not await alive.open(ADDRESS, "s4", now=161.0, cap=2)
    # Renewing never brings back a socket that was closed.
    await alive.close(ADDRESS, "s3")
    await alive.renew([(ADDRESS, "s3")], now=162.0)
    assert await alive.open(ADDRESS, "s4", now=162.0, cap=2)
