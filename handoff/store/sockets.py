"""How many sockets each client address holds, counted across replicas.

Each socket holds a lease on a place of its address (``<replica>|<sid>`` in a sorted set scored
by the lease's expiry); its replica renews the leases of its own sockets, and frees them when
they close. A replica that dies stops renewing, so its sockets' places come free by themselves
within ``lease`` seconds, as presence does for agents.

Agent consoles are counted apart, under :func:`agent_place` of their address, so that they
have a cap of their own (a support office shares one address) and never take customers' places.

Example::

    sockets = AddressSockets(redis, keys, replica="r1", lease=60)
    await sockets.open("203.0.113.9", "sid1", now=time.time(), cap=200)   # True: it has a place
    await sockets.renew([("203.0.113.9", "sid1")], now=time.time())
    await sockets.close("203.0.113.9", "sid1")
    await sockets.open(agent_place("203.0.113.9"), "sid2", now=time.time(), cap=1000)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from handoff.store.keys import Keys
from handoff.store.scripts import OPEN_SOCKET

LEASE = 60.0  # renewed every third of it; a dead replica's sockets free their places after it


def agent_place(address: str) -> str:
    """Where agent console sockets of ``address`` are counted (no client address starts so)."""
    return "agent:" + address


class AddressSockets:
    def __init__(self, redis: Any, keys: Keys, *, replica: str, lease: float = LEASE) -> None:
        self.redis = redis
        self.keys = keys
        self.replica = replica
        self.lease = lease
        self._open = redis.register_script(OPEN_SOCKET)
        # The key outlives its newest lease a little (relative, so Redis' clock is not involved).
        self._ttl = math.ceil(lease) + 1

    def _member(self, sid: str) -> str:
        return f"{self.replica}|{sid}"

    async def open(self, address: str, sid: str, *, now: float, cap: int) -> bool:
        """Take a place for ``sid``; False when ``address`` already holds ``cap`` sockets."""
        key = self.keys.address_sockets(address)
        args = [self._member(sid), repr(now), repr(now + self.lease), cap, self._ttl]
        return bool(await self._open(keys=[key], args=args))

    async def close(self, address: str, sid: str) -> None:
        await self.redis.zrem(self.keys.address_sockets(address), self._member(sid))

    async def renew(self, sockets: Iterable[tuple[str, str]], *, now: float) -> None:
        """Extend the leases of this replica's open sockets (``(address, sid)`` pairs)."""
        expiry = now + self.lease
        async with self.redis.pipeline(transaction=False) as pipe:
            queued = False
            for address, sid in sockets:
                key = self.keys.address_sockets(address)
                pipe.zadd(key, {self._member(sid): expiry}, xx=True)
                pipe.expire(key, self._ttl, gt=True)
                queued = True
            if queued:
                await pipe.execute()
