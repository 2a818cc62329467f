"""Token buckets on Redis, shared by every replica: one script round trip per decision.

The arithmetic is :func:`handoff.security.ratelimit.take`'s, in Lua (``scripts.LIMITS``). A
request that needs several limits (an address and a username, a session and an address) asks
for all of them at once and spends on all or none. Messages spend their token inside the
append script instead (:meth:`Limits.bucket`), so the message path has no extra round trip.

Example::

    limits = Limits(redis, keys, clock=time.time)
    rule = Rule("customer", burst=10, per_minute=30)
    wait = await limits.take(Spend(rule, "u_…"))      # 0.0, or seconds until a token
    await limits.refund(Spend(rule, "u_…"))           # the request failed on our side
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from handoff.domain.clock import Clock
from handoff.security.ratelimit import Rule
from handoff.store.keys import Keys
from handoff.store.scripts import LIMITS


@dataclass(frozen=True)
class Spend:
    """``cost`` tokens of ``rule``'s bucket for ``key`` (a session, an address, a username)."""

    rule: Rule
    key: str
    cost: float = 1.0


@dataclass(frozen=True)
class BucketRef:
    """A bucket for a script that spends a token itself (the append): its key and size."""

    key: str
    burst: int
    per_second: float


class Limits:
    """Takes, peeks at and refunds tokens; every bucket lives in Redis (see the module's doc)."""

    def __init__(self, redis: Any, keys: Keys, *, clock: Clock) -> None:
        self.keys = keys
        self.now = clock
        self._script = redis.register_script(LIMITS)

    def bucket(self, rule: Rule, key: str) -> BucketRef:
        return BucketRef(self.keys.limit(rule.name, key), rule.burst, rule.per_second)

    async def take(self, *spends: Spend) -> float:
        """Spend on every bucket, or (when one is short) on none: 0.0, or seconds to wait."""
        return await self._run("take", spends)

    async def peek(self, *spends: Spend) -> float:
        """What :meth:`take` would answer, spending nothing."""
        return await self._run("peek", spends)

    async def force(self, *spends: Spend) -> None:
        """Spend whatever is there (down to empty): a failed login counts even when late."""
        await self._run("force", spends)

    async def refund(self, *spends: Spend) -> None:
        """Give back tokens a request spent before it failed on the server's side."""
        await self._run("refund", spends)

    async def _run(self, mode: str, spends: tuple[Spend, ...]) -> float:
        if not spends:
            return 0.0
        args: list[str | float | int] = [repr(self.now()), mode]
        for spend in spends:
            args += [spend.rule.burst, repr(spend.rule.per_second), repr(spend.cost)]
        keys = [self.keys.limit(s.rule.name, s.key) for s in spends]
        waited_ms = await self._script(keys=keys, args=args)
        return int(waited_ms) / 1000.0
