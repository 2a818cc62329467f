"""What queued customers were last told of their place, shared by the replicas."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.store.queue_places import QueuePlaces
from tests.handoff.integration.store.conftest import KEYS

pytestmark = pytest.mark.asyncio


async def test_the_queue_in_order_with_what_was_told(redis: Any) -> None:
    places = QueuePlaces(redis, KEYS)
    await redis.zadd(KEYS.queue, {"c_2": 2.0, "c_1": 1.0})
    assert await places.read() == (["c_1", "c_2"], {})
    await places.remember({"c_1": "1|0", "c_2": "2|1"})
    await places.remember({"c_2": "1|0"}, forget=["c_1"])
    assert (await places.read())[1] == {"c_2": "1|0"}
    await places.remember({})  # nothing to do
