"""Per-session flood protection: a token bucket per key (decisions are pure functions).

Each replica keeps its own buckets in memory (no Redis round trip per message); with several
replicas a client spread over them gets at most the limit once per replica, which still stops a
flood. Buckets of idle keys are pruned.

Example::

    limiter = RateLimiter(burst=10, per_minute=30)
    limiter.allow("u_…", now=time.monotonic())   # True until the burst is spent
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bucket:
    tokens: float
    updated: float


def take(
    bucket: Bucket | None, *, now: float, burst: int, per_second: float
) -> tuple[bool, Bucket]:
    """Try to spend one token; returns (allowed, the bucket afterwards)."""
    if bucket is None:
        bucket = Bucket(tokens=float(burst), updated=now)
    tokens = min(float(burst), bucket.tokens + max(0.0, now - bucket.updated) * per_second)
    if tokens >= 1.0:
        return True, Bucket(tokens=tokens - 1.0, updated=now)
    return False, Bucket(tokens=tokens, updated=now)


class RateLimiter:
    """Token buckets keyed by session (customers) or agent id."""

    def __init__(self, *, burst: int, per_minute: float) -> None:
        self.burst = burst
        self.per_second = per_minute / 60.0
        self._buckets: dict[str, Bucket] = {}

    def allow(self, key: str, now: float) -> bool:
        allowed, bucket = take(
            self._buckets.get(key), now=now, burst=self.burst, per_second=self.per_second
        )
        self._buckets[key] = bucket
        return allowed

    def prune(self, now: float) -> None:
        """Forget buckets that have refilled completely: they behave like new ones."""
        full_after = self.burst / self.per_second
        self._buckets = {k: b for k, b in self._buckets.items() if now - b.updated < full_after}

    def __len__(self) -> int:
        return len(self._buckets)
