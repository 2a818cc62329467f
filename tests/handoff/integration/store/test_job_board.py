"""The check & train job's lease and state on Redis: one holder, renewed and given back only by
it, and the state every replica reads."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.store.job_board import JobBoard
from tests.handoff.integration.store.conftest import KEYS

pytestmark = pytest.mark.asyncio


async def test_one_job_holds_the_lease_and_only_it_renews_or_releases_it(redis: Any) -> None:
    one, two = JobBoard(redis, KEYS, lease=30), JobBoard(redis, KEYS, lease=30)
    assert await one.read() == (None, None)
    assert await one.claim("j1")
    assert not await two.claim("j2")  # another replica, another job: refused
    assert await one.renew("j1") and not await two.renew("j2")
    await two.release("j2")  # not its lease: nothing happens
    assert (await one.read())[1] == "j1"
    assert 29_000 < await redis.pttl(KEYS.train_job_lease) <= 30_000
    await one.publish({"id": "j1", "status": "running", "steps": [{"name": "a"}]})
    assert await two.read() == ({"id": "j1", "status": "running", "steps": [{"name": "a"}]}, "j1")
    await one.release("j1")
    assert not await one.renew("j1")
    assert (await two.read())[1] is None
    assert await two.claim("j2")
