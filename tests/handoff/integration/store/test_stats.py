"""The numbers behind /metrics and the console's stats panel."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.store.keys import Keys
from handoff.store.stats import Stats
from tests.handoff.integration.store.conftest import KEYS, Clock


def test_desk_day_follows_the_desk_time_zone() -> None:
    # 2025-11-24 23:30 UTC is already the 25th in Berlin and still the 24th in New York.
    moment = 1764027000.0
    assert Stats(None, Keys(), zone="Europe/Berlin").today(moment) == "2025-11-25"  # type: ignore[arg-type]
    assert Stats(None, Keys(), zone="America/New_York").today(moment) == "2025-11-24"  # type: ignore[arg-type]


@pytest.mark.asyncio
async def test_recorded_figures_come_back_in_the_snapshot_and_the_day(redis: Any) -> None:
    stats = Stats(redis, KEYS, zone="UTC", clock=Clock(1764027000.0))
    await stats.record_wait(42.0)
    await stats.record_first_response(3.0)
    await stats.record_csat(4)
    await stats.record_handoff("triage")
    assert await stats.recent_waits() == [42.0]
    snapshot = await stats.snapshot(customer_sockets=2)
    assert snapshot.wait.count == 1 and snapshot.csat == {"4": 1}
    assert snapshot.customer_sockets == 2
    day = await stats.desk_stats(agents_online=1)
    assert day["day"] == "2025-11-24" and day["handoffs_by_reason"] == {"triage": 1}
    assert day["median_wait_s"] == 42.0 and day["csat_average"] == 4.0


@pytest.mark.asyncio
async def test_the_snapshot_reads_redis_memory_and_its_policy(redis: Any) -> None:
    await redis.config_set("maxmemory", str(64 * 1024 * 1024))
    await redis.config_set("maxmemory-policy", "allkeys-lru")
    try:
        memory = (await Stats(redis, KEYS, zone="UTC").snapshot()).redis_memory
        assert memory.limit == 64 * 1024 * 1024 and 0 < memory.used < memory.limit
        assert memory.may_evict
    finally:
        await redis.config_set("maxmemory", "0")
        await redis.config_set("maxmemory-policy", "noeviction")


@pytest.mark.asyncio
async def test_ratings_by_tag_and_the_latest_comments(redis: Any) -> None:
    """Tags and CSAT comments were stored and never shown: the day's stats now carry both."""
    clock = Clock(1764027000.0)
    stats = Stats(redis, KEYS, zone="UTC", clock=clock)
    await stats.record_csat(5, tags=["billing", "refund"], comment="Quick!", conversation_id="c_1")
    clock.now += 60
    await stats.record_csat(2, tags=["billing"], comment="", conversation_id="c_2")
    for i in range(12):
        clock.now += 1
        await stats.record_csat(3, comment=f"comment {i}", conversation_id=f"c_x{i}")
    day = await stats.desk_stats(agents_online=0)
    assert day["csat_by_tag"] == {
        "billing": {"average": 3.5, "count": 2},
        "refund": {"average": 5.0, "count": 1},
    }
    comments = day["csat_comments"]
    assert len(comments) == 10 and comments[0]["comment"] == "comment 11"  # newest first
    assert comments[-1]["comment"] == "comment 2"
    await redis.delete(KEYS.stats_day_samples(stats.today(), "csat_comments"))
    await stats.record_csat(5, tags=["refund"], comment="Thanks", conversation_id="c_9")
    (latest,) = (await stats.desk_stats(agents_online=0))["csat_comments"]
    assert latest == {
        "conversation_id": "c_9",
        "rating": 5,
        "comment": "Thanks",
        "tags": ["refund"],
        "at": clock.now,
    }
