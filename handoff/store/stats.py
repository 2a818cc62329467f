"""The numbers behind ``/metrics`` and the console's stats panel, kept in Redis so every replica
reports the same totals.

Conversations by state and handoffs by reason are counted inside the transition script (same
atomic step as the change); this module records durations and ratings and reads a snapshot.
It also keeps per-day figures (the day in ``TANDEM_TIMEZONE``) for the agents' ``get_stats``:
conversations started, handoffs by reason, wait and first-response samples, CSAT, and the
answers to the follow-up question (counted by ``store/followups.py``): the resolution
confirmed rate.

Example::

    stats = Stats(redis, keys, zone="Europe/Berlin")
    await stats.record_wait(42.0)
    snapshot = await stats.snapshot(agents_online=2)
    today = await stats.desk_stats(agents_online=2)
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import redis.asyncio as aioredis

from handoff.domain.clock import SYSTEM_CLOCK, Clock
from handoff.domain.metrics import Histogram, RedisMemory, Snapshot, bucket_for
from handoff.protocol.agent import AssistFigures, CsatFigure, DeskStats
from handoff.store.keys import Keys

RECENT_WAITS = 50
CSAT_COMMENTS = 10  # the latest comments of the day the panel shows
DAY_SAMPLES = 1000  # per day and kind: plenty for a median, bounded for a busy desk
DAY_TTL = 8 * 86400  # a day's figures are kept a week (the panel shows today only)


class Stats:
    def __init__(
        self, redis: aioredis.Redis, keys: Keys, *, zone: str = "UTC", clock: Clock = SYSTEM_CLOCK
    ) -> None:
        # redis-py types replies as bytes | str whatever decode_responses says; we decode.
        self.redis: Any = redis
        self.keys = keys
        self.zone = ZoneInfo(zone)
        self.now = clock

    def today(self, now: float | None = None) -> str:
        """The desk's day (``YYYY-MM-DD`` in its time zone) at ``now`` (default: now)."""
        moment = datetime.fromtimestamp(self.now() if now is None else now, UTC)
        return moment.astimezone(self.zone).date().isoformat()

    def day_key(self, now: float | None = None) -> str:
        """The hash of today's figures (``START_CONVERSATION`` counts into it)."""
        return self.keys.stats_day(self.today(now))

    async def record_wait(self, seconds: float) -> None:
        """Handoff -> claim: a histogram sample, and one of the recent waits for estimates."""
        async with self.redis.pipeline(transaction=False) as pipe:
            self._observe(pipe, "wait", seconds)
            pipe.lpush(self.keys.recent_waits, repr(round(seconds, 3)))
            pipe.ltrim(self.keys.recent_waits, 0, RECENT_WAITS - 1)
            self._sample(pipe, "wait", seconds)
            await pipe.execute()

    async def record_first_response(self, seconds: float) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            self._observe(pipe, "first_response", seconds)
            self._sample(pipe, "first_response", seconds)
            await pipe.execute()

    async def record_csat(
        self,
        rating: int,
        *,
        tags: Sequence[str] = (),
        comment: str = "",
        conversation_id: str = "",
    ) -> None:
        """A rating: today's average, overall and by each tag the agent closed with, and the
        comment among today's latest."""
        today = self.today()
        day = self.keys.stats_day(today)
        comments = self.keys.stats_day_samples(today, "csat_comments")
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hincrby(self.keys.stats_csat, str(rating), 1)
            pipe.hincrby(day, "csat_sum", rating)
            pipe.hincrby(day, "csat_count", 1)
            for tag in sorted(set(tags)):
                pipe.hincrby(day, f"csat_tag:{tag}:sum", rating)
                pipe.hincrby(day, f"csat_tag:{tag}:count", 1)
            pipe.expire(day, DAY_TTL)
            if comment:
                entry = {
                    "conversation_id": conversation_id,
                    "rating": rating,
                    "comment": comment,
                    "tags": sorted(set(tags)),
                    "at": round(self.now(), 3),
                }
                pipe.lpush(comments, json.dumps(entry))
                pipe.ltrim(comments, 0, CSAT_COMMENTS - 1)
                pipe.expire(comments, DAY_TTL)
            await pipe.execute()

    async def record_handoff(self, reason: str) -> None:
        """Today's handoffs by reason (the all-time counter is kept by the transition script)."""
        day = self.day_key()
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hincrby(day, f"handoff:{reason}", 1)
            pipe.expire(day, DAY_TTL)
            await pipe.execute()

    async def record_suggestions(self, outcomes: Sequence[tuple[str, str]]) -> None:
        """What an agent did with suggested replies, ``(source, outcome)`` each (used, edited,
        ignored), counted by source."""
        day = self.day_key()
        async with self.redis.pipeline(transaction=False) as pipe:
            for source, outcome in outcomes:
                pipe.hincrby(day, f"assist:{source}:{outcome}", 1)
            pipe.expire(day, DAY_TTL)
            await pipe.execute()

    async def desk_stats(self, *, agents_online: int) -> DeskStats:
        """Today at the desk: what the console's stats panel shows."""
        today = self.today()
        day = self.keys.stats_day(today)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(day)
            pipe.lrange(self.keys.stats_day_samples(today, "wait"), 0, -1)
            pipe.lrange(self.keys.stats_day_samples(today, "first_response"), 0, -1)
            pipe.zcard(self.keys.queue)
            pipe.zcard(self.keys.tickets)
            pipe.lrange(self.keys.stats_day_samples(today, "csat_comments"), 0, -1)
            figures, waits, firsts, queue_length, tickets, comments = await pipe.execute()
        csat_count = int(figures.get("csat_count", 0))
        solved, unsolved = int(figures.get("followup_yes", 0)), int(figures.get("followup_no", 0))
        return {
            "day": today,
            "conversations_today": int(figures.get("conversations", 0)),
            "handoffs_by_reason": {
                k.removeprefix("handoff:"): int(v)
                for k, v in sorted(figures.items())
                if k.startswith("handoff:")
            },
            "median_wait_s": _median(waits),
            "median_first_response_s": _median(firsts),
            "csat_average": (
                round(int(figures.get("csat_sum", 0)) / csat_count, 2) if csat_count else None
            ),
            "csat_count": csat_count,
            "queue_length": int(queue_length),
            "tickets": int(tickets),
            "agents_online": agents_online,
            "csat_by_tag": _csat_by_tag(figures),
            "csat_comments": [json.loads(c) for c in comments],
            "followup_yes": solved,
            "followup_no": unsolved,
            "resolution_confirmed_rate": (
                round(solved / (solved + unsolved), 3) if solved + unsolved else None
            ),
            "assist": _assist(figures),
        }

    async def recent_waits(self) -> list[float]:
        return [float(v) for v in await self.redis.lrange(self.keys.recent_waits, 0, -1)]

    async def snapshot(self, *, customer_sockets: int = 0, agent_sockets: int = 0) -> Snapshot:
        now = self.now()
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(self.keys.stats_states)
            pipe.hgetall(self.keys.stats_handoffs)
            pipe.hgetall(self.keys.stats_histogram("wait"))
            pipe.hgetall(self.keys.stats_histogram("first_response"))
            pipe.hgetall(self.keys.stats_csat)
            pipe.zcard(self.keys.queue)
            pipe.zcard(self.keys.tickets)
            pipe.zrangebyscore(self.keys.presence, now, "+inf")
            pipe.info("memory")
            (
                states,
                handoffs,
                wait,
                first,
                csat,
                queue_length,
                tickets,
                online,
                memory,
            ) = await pipe.execute()
        return Snapshot(
            states={k: int(v) for k, v in states.items()},
            handoffs={k: int(v) for k, v in handoffs.items()},
            wait=_histogram(wait),
            first_response=_histogram(first),
            csat={k: int(v) for k, v in csat.items()},
            queue_length=int(queue_length),
            tickets=int(tickets),
            agents_online=len({str(m).rsplit("@", 1)[0] for m in online}),
            customer_sockets=customer_sockets,
            agent_sockets=agent_sockets,
            redis_memory=RedisMemory(
                used=int(memory.get("used_memory", 0)),
                limit=int(memory.get("maxmemory", 0)),
                policy=str(memory.get("maxmemory_policy", "")),
            ),
        )

    def _sample(self, pipe: aioredis.client.Pipeline, name: str, seconds: float) -> None:
        key = self.keys.stats_day_samples(self.today(), name)
        pipe.lpush(key, repr(round(seconds, 3)))
        pipe.ltrim(key, 0, DAY_SAMPLES - 1)
        pipe.expire(key, DAY_TTL)

    def _observe(self, pipe: aioredis.client.Pipeline, name: str, seconds: float) -> None:
        key = self.keys.stats_histogram(name)
        pipe.hincrby(key, bucket_for(seconds), 1)
        pipe.hincrbyfloat(key, "sum", seconds)
        pipe.hincrby(key, "count", 1)


def _csat_by_tag(figures: dict[str, str]) -> dict[str, CsatFigure]:
    """``csat_tag:<tag>:sum`` and ``:count`` of a day's hash as averages by tag."""
    by_tag: dict[str, CsatFigure] = {}
    for key, value in sorted(figures.items()):
        if key.startswith("csat_tag:") and key.endswith(":count") and int(value):
            tag = key.removeprefix("csat_tag:").removesuffix(":count")
            total = int(figures.get(f"csat_tag:{tag}:sum", 0))
            by_tag[tag] = {"average": round(total / int(value), 2), "count": int(value)}
    return by_tag


def _assist(figures: dict[str, str]) -> dict[str, AssistFigures]:
    """``assist:<source>:<outcome>`` counters as ``{source: {used, edited, ignored}}``."""
    found: dict[str, AssistFigures] = {}
    for name, value in figures.items():
        parts = name.split(":")
        if len(parts) == 3 and parts[0] == "assist" and parts[2] in ("used", "edited", "ignored"):
            figure = found.setdefault(parts[1], {"used": 0, "edited": 0, "ignored": 0})
            figure[parts[2]] = int(value)  # type: ignore[literal-required]
    return dict(sorted(found.items()))


def _median(samples: list[str]) -> float | None:
    return round(statistics.median(float(v) for v in samples), 3) if samples else None


def _histogram(data: dict[str, str]) -> Histogram:
    counts = {k: int(v) for k, v in data.items() if k not in ("sum", "count")}
    return Histogram(
        counts=counts, total=float(data.get("sum", 0)), count=int(data.get("count", 0))
    )
