"""The guard's rate limits on a real Redis: spent per key, refused with when to retry, and given
back when the request then fails on the server's side."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.edges.guard import GuardedNamespace
from handoff.security.ratelimit import Rule
from handoff.store.limits import Limits, Spend
from tests.handoff.integration.store.conftest import KEYS, Clock
from tests.handoff.unit.edges.test_guard import Server

pytestmark = pytest.mark.asyncio
RULE = Rule("customer", burst=2, per_minute=1)


class Customers(GuardedNamespace):
    async def on_tandem_sync(self, sid: str, data: Any) -> dict[str, Any]:
        await self.limit(sid, "slow down")
        if data == "crash":
            raise RuntimeError("Redis went away mid-request")
        return {"ok": True}


def make(redis: Any, clock: Clock) -> Customers:
    namespace = Customers("/", limits=Limits(redis, KEYS, clock=clock), rule=RULE)
    namespace._set_server(Server())
    return namespace


async def test_the_limit_is_spent_per_key_and_says_when_to_retry(redis: Any) -> None:
    namespace = make(redis, Clock())
    acks = [await namespace.trigger_event("tandem_sync", "s1", {}) for _ in range(3)]
    assert [a["ok"] for a in acks] == [True, True, False]
    assert acks[2]["error"] == {
        "code": "rate_limited",
        "message": "slow down",
        "details": {"retry_after_s": 60.0},
    }
    assert (await namespace.trigger_event("tandem_sync", "s2", {}))["ok"]


async def test_a_request_that_fails_on_our_side_gets_its_token_back(redis: Any) -> None:
    clock = Clock()
    namespace = make(redis, clock)
    for _ in range(5):
        failed = await namespace.trigger_event("tandem_sync", "s1", "crash")
        assert failed["error"]["code"] == "internal"
    limits = Limits(redis, KEYS, clock=clock)
    assert await limits.peek(Spend(RULE, "s1", cost=2)) == 0  # the whole burst is still there
