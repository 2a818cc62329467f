"""Whether a customer has a socket connected anywhere, and when they last had one.

Each socket holds a lease in its customer's set (``<replica>|<sid>``, scored by the lease's
end), as client addresses' places do (``store.sockets``): its replica renews it, removes it at
disconnect, and a dead replica's leases run out by themselves. When the customer was last
connected is a score in one sorted set, moved forward at connect, at every renewal and at
disconnect, so "away for ``TANDEM_MAIL_AWAY_SECONDS``" is ``now - last_seen`` on any replica.

Example::

    seen = CustomerSeen(redis, keys, replica="r1")
    await seen.connect("u_…", "sid1", now=time.time())
    await seen.renew([("u_…", "sid1")], now=time.time())      # the sweeper, every few seconds
    await seen.disconnect("u_…", "sid1", now=time.time())
    await seen.presence("u_…", now=time.time())   # Presence(connected=False, last_seen=…)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from handoff.domain.outbox import MARK_EVERY
from handoff.store.keys import Keys

LEASE = 6 * MARK_EVERY  # a dead replica's customers count as connected this long at most
FORGET_AFTER = 7 * 86400.0  # last-seen marks older than a week are dropped


@dataclass(frozen=True)
class CustomerPresence:
    connected: bool
    last_seen: float | None


class CustomerSeen:
    def __init__(self, redis: Any, keys: Keys, *, replica: str) -> None:
        self.redis = redis
        self.keys = keys
        self.replica = replica
        self._ttl = math.ceil(LEASE) + 1

    def _member(self, sid: str) -> str:
        return f"{self.replica}|{sid}"

    async def connect(self, customer_id: str, sid: str, *, now: float) -> None:
        await self._hold([(customer_id, sid)], now=now, mark_new=True)

    async def renew(self, sockets: Iterable[tuple[str, str]], *, now: float) -> None:
        """Extend the leases of this replica's customer sockets (``(customer, sid)`` pairs).

        A renewal only moves a last-seen mark that exists: a customer erased while one of their
        sockets was still being disconnected (the erase asks the replicas, which takes a moment)
        is not marked seen again by a renewal already on its way."""
        await self._hold(list(sockets), now=now, mark_new=False)

    async def _hold(self, held: list[tuple[str, str]], *, now: float, mark_new: bool) -> None:
        if not held:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for customer_id, sid in held:
                key = self.keys.customer_sockets(customer_id)
                pipe.zadd(key, {self._member(sid): now + LEASE})
                pipe.expire(key, self._ttl)
            marks = {c: now for c, _ in held}
            pipe.zadd(self.keys.customers_seen, marks, gt=True, xx=not mark_new)
            pipe.zremrangebyscore(self.keys.customers_seen, "-inf", repr(now - FORGET_AFTER))
            await pipe.execute()

    async def disconnect(self, customer_id: str, sid: str, *, now: float) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.zrem(self.keys.customer_sockets(customer_id), self._member(sid))
            # xx: only move a mark the connect made; a customer erased meanwhile stays gone.
            pipe.zadd(self.keys.customers_seen, {customer_id: now}, gt=True, xx=True)
            await pipe.execute()

    async def presence(self, customer_id: str, *, now: float) -> CustomerPresence:
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.zcount(self.keys.customer_sockets(customer_id), f"({now!r}", "+inf")
            pipe.zscore(self.keys.customers_seen, customer_id)
            live, seen = await pipe.execute()
        return CustomerPresence(bool(live), float(seen) if seen is not None else None)
