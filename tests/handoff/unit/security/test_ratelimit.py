"""Token buckets per session or agent."""

from handoff.security.ratelimit import RateLimiter, take


def test_token_bucket() -> None:
    ok, bucket = take(None, now=0.0, burst=2, per_second=1.0)
    assert ok
    ok, bucket = take(bucket, now=0.0, burst=2, per_second=1.0)
    assert ok
    ok, bucket = take(bucket, now=0.1, burst=2, per_second=1.0)
    assert not ok
    ok, _ = take(bucket, now=1.2, burst=2, per_second=1.0)
    assert ok


def test_rate_limiter_keys_are_independent_and_pruned() -> None:
    limiter = RateLimiter(burst=1, per_minute=60)
    assert limiter.allow("a", 0.0) and not limiter.allow("a", 0.0) and limiter.allow("b", 0.0)
    limiter.prune(100.0)
    assert len(limiter) == 0
