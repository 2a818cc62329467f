"""Presence: heartbeats per replica that expire by themselves."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.store.presence import Presence
from tests.handoff.integration.store.conftest import KEYS

pytestmark = pytest.mark.asyncio


async def test_agents_are_online_while_some_replica_beats(redis: Any) -> None:
    one = Presence(redis, KEYS, replica="r1", ttl=10)
    two = Presence(redis, KEYS, replica="r2", ttl=10)
    await one.beat(["a_1", "a_2"], now=100.0)
    await two.beat(["a_1"], now=100.0)
    assert await one.online(now=105.0) == {"a_1", "a_2"}
    await one.leave("a_1")
    assert await one.online(now=105.0) == {"a_1", "a_2"}  # still on r2
    await two.leave_all(["a_1"])
    assert await one.online(now=105.0) == {"a_2"}
    assert await one.online(now=111.0) == set()  # r1 died: its beats ran out


async def test_owners_without_a_console_are_noted_once_with_since_when(redis: Any) -> None:
    presence = Presence(redis, KEYS, replica="r1", ttl=10)
    await presence.note_gone({"a_1": 100.0})
    await presence.note_gone({"a_1": 130.0, "a_2": 130.0})  # a_1 keeps the earlier time
    assert await presence.gone_since() == {"a_1": 100.0, "a_2": 130.0}
    await presence.settle(["a_1"])
    await presence.settle([])
    assert await presence.gone_since() == {"a_2": 130.0}
