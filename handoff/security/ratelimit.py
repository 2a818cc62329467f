"""Flood protection: token buckets, and the rules that size them (the arithmetic is pure).

The buckets themselves live in Redis (``handoff.store.limits``), so a limit holds however many
replicas a client spreads over; the Lua there does exactly what :func:`take` does here (a store
test holds the two to the same answers). A bucket starts full (``burst`` tokens), refills at
``per_minute`` and a request spends one token; an empty bucket refuses and says how long until
the next token.

Example::

    rule = Rule("customer", burst=10, per_minute=30)
    ok, bucket = take(None, now=0.0, burst=rule.burst, per_second=rule.per_second)
    retry_after(bucket, per_second=rule.per_second)   # 0.0: a token is left
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """One kind of limit: its name (part of the Redis key), burst and sustained rate."""

    name: str
    burst: int
    per_minute: float

    @property
    def per_second(self) -> float:
        return self.per_minute / 60.0

    @property
    def full_after(self) -> float:
        """Seconds an empty bucket takes to fill: after that it is as good as new (and expires)."""
        return self.burst / self.per_second


@dataclass(frozen=True)
class Bucket:
    tokens: float
    updated: float


def take(
    bucket: Bucket | None, *, now: float, burst: int, per_second: float, cost: float = 1.0
) -> tuple[bool, Bucket]:
    """Try to spend ``cost`` tokens; returns (allowed, the bucket afterwards)."""
    if bucket is None:
        bucket = Bucket(tokens=float(burst), updated=now)
    tokens = min(float(burst), bucket.tokens + max(0.0, now - bucket.updated) * per_second)
    if tokens >= cost:
        return True, Bucket(tokens=tokens - cost, updated=now)
    return False, Bucket(tokens=tokens, updated=now)


def retry_after(bucket: Bucket, *, per_second: float, cost: float = 1.0) -> float:
    """Seconds until ``bucket`` holds ``cost`` tokens again (0 when it already does)."""
    return max(0.0, (cost - bucket.tokens) / per_second)


def refund(bucket: Bucket | None, *, burst: int, cost: float = 1.0) -> Bucket | None:
    """Give back what a request that failed for the server's sake spent (never above full)."""
    if bucket is None:
        return None
    return Bucket(tokens=min(float(burst), bucket.tokens + cost), updated=bucket.updated)
