"""Token buckets: the arithmetic the Redis script repeats (store/test_limits.py checks both)."""

from handoff.security.ratelimit import Bucket, Rule, refund, retry_after, take


def test_token_bucket() -> None:
    ok, bucket = take(None, now=0.0, burst=2, per_second=1.0)
    assert ok
    ok, bucket = take(bucket, now=0.0, burst=2, per_second=1.0)
    assert ok
    ok, bucket = take(bucket, now=0.1, burst=2, per_second=1.0)
    assert not ok
    assert retry_after(bucket, per_second=1.0) == 0.9
    ok, _ = take(bucket, now=1.2, burst=2, per_second=1.0)
    assert ok


def test_a_refund_gives_back_what_was_spent_and_never_more_than_full() -> None:
    _, bucket = take(None, now=0.0, burst=2, per_second=1.0)
    assert refund(bucket, burst=2) == Bucket(tokens=2.0, updated=0.0)
    assert refund(Bucket(tokens=2.0, updated=0.0), burst=2) == Bucket(tokens=2.0, updated=0.0)
    assert refund(None, burst=2) is None  # an unknown bucket is full already


def test_a_rule_knows_its_rate_and_when_an_empty_bucket_is_full() -> None:
    rule = Rule("customer", burst=10, per_minute=30)
    assert rule.per_second == 0.5 and rule.full_after == 20.0
