"""Prometheus text for the service's numbers."""

from handoff.domain.metrics import Histogram, RedisMemory, Snapshot, bucket_for, render


def test_metrics_render_cumulative_histograms() -> None:
    assert bucket_for(3) == "5" and bucket_for(61) == "120" and bucket_for(10_000) == "+Inf"
    text = render(
        Snapshot(
            states={"bot": 2}, handoffs={"requested": 3}, wait=Histogram({"5": 1, "60": 2}, 70.0, 3)
        )
    )
    assert (
        'tandem_conversations{state="bot"} 2' in text
        and 'tandem_conversations{state="agent"} 0' in text
    )
    assert 'tandem_queue_wait_seconds_bucket{le="30"} 1' in text
    assert 'tandem_queue_wait_seconds_bucket{le="60"} 3' in text
    assert "tandem_queue_wait_seconds_count 3" in text


def test_redis_memory_is_shown_with_an_alert_for_a_policy_that_evicts() -> None:
    full = render(Snapshot(redis_memory=RedisMemory(used=750, limit=1000, policy="noeviction")))
    assert "tandem_redis_used_memory_bytes 750" in full
    assert "tandem_redis_maxmemory_bytes 1000" in full
    assert "tandem_redis_memory_used_ratio 0.75" in full
    assert "tandem_redis_may_evict 0" in full
    evicting = render(Snapshot(redis_memory=RedisMemory(used=1, limit=10, policy="allkeys-lru")))
    assert "tandem_redis_may_evict 1" in evicting
    unlimited = render(Snapshot(redis_memory=RedisMemory(used=5, limit=0, policy="allkeys-lru")))
    assert (
        "tandem_redis_memory_used_ratio 0" in unlimited and "tandem_redis_may_evict 0" in unlimited
    )
