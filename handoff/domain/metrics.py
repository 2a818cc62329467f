"""Prometheus text exposition of the service's numbers (pure rendering).

The numbers live in Redis (shared by all replicas, see ``handoff.store.stats``); this module
turns a :class:`Snapshot` into the text format, version 0.0.4.

Example::

    render(Snapshot(states={"bot": 3}, handoffs={"requested": 1}))
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from handoff.domain.ownership import State

# Seconds; chosen around what support teams promise (a minute) and what hurts (half an hour).
BUCKETS: tuple[float, ...] = (5, 15, 30, 60, 120, 300, 600, 1800, 3600)


def bucket_for(value: float) -> str:
    """The label of the smallest bucket holding ``value`` (``+Inf`` past the last)."""
    for bound in BUCKETS:
        if value <= bound:
            return _fmt(bound)
    return "+Inf"


@dataclass(frozen=True)
class Histogram:
    """Non-cumulative counts per bucket label, as stored; cumulated when rendered."""

    counts: Mapping[str, int] = field(default_factory=dict)
    total: float = 0.0
    count: int = 0


@dataclass(frozen=True)
class RedisMemory:
    """Redis's ``INFO memory``: bytes used, the ``maxmemory`` limit (0: none) and its policy."""

    used: int = 0
    limit: int = 0
    policy: str = "noeviction"

    @property
    def used_ratio(self) -> float:
        """Of the limit (0 without one). At 1 a ``noeviction`` Redis refuses writes."""
        return self.used / self.limit if self.limit > 0 else 0.0

    @property
    def may_evict(self) -> bool:
        """Whether Redis may drop keys on its own when full: conversation data lost silently."""
        return self.limit > 0 and self.policy != "noeviction"


@dataclass(frozen=True)
class Snapshot:
    states: Mapping[str, int] = field(default_factory=dict)
    handoffs: Mapping[str, int] = field(default_factory=dict)
    wait: Histogram = field(default_factory=Histogram)
    first_response: Histogram = field(default_factory=Histogram)
    csat: Mapping[str, int] = field(default_factory=dict)
    queue_length: int = 0
    tickets: int = 0
    agents_online: int = 0
    customer_sockets: int = 0
    agent_sockets: int = 0
    redis_memory: RedisMemory = field(default_factory=RedisMemory)


def render(snap: Snapshot) -> str:
    lines: list[str] = []

    def family(name: str, kind: str, help_text: str) -> None:
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} {kind}")

    family("tandem_conversations", "gauge", "Conversations by ownership state.")
    for state in State:
        lines.append(
            f'tandem_conversations{{state="{state.value}"}} '
            f"{max(0, snap.states.get(state.value, 0))}"
        )
    family("tandem_handoffs_total", "counter", "Conversations handed to people, by reason.")
    for reason, count in sorted(snap.handoffs.items()):
        lines.append(f'tandem_handoffs_total{{reason="{_label(reason)}"}} {count}')
    _histogram(
        lines, "tandem_queue_wait_seconds", "Time from handoff to an agent's claim.", snap.wait
    )
    _histogram(
        lines,
        "tandem_first_response_seconds",
        "Time from handoff to the first agent message.",
        snap.first_response,
    )
    family(
        "tandem_csat_ratings_total",
        "counter",
        "Customer satisfaction ratings, 1 (bad) to 5 (good).",
    )
    for rating in ("1", "2", "3", "4", "5"):
        lines.append(f'tandem_csat_ratings_total{{rating="{rating}"}} {snap.csat.get(rating, 0)}')
    family("tandem_queue_length", "gauge", "Conversations waiting for an agent.")
    lines.append(f"tandem_queue_length {snap.queue_length}")
    family("tandem_offline_tickets", "gauge", "Offline tickets not yet claimed.")
    lines.append(f"tandem_offline_tickets {snap.tickets}")
    family("tandem_agents_online", "gauge", "Agents with a live console.")
    lines.append(f"tandem_agents_online {snap.agents_online}")
    family("tandem_sockets", "gauge", "Socket.IO connections on this replica.")
    lines.append(f'tandem_sockets{{namespace="/"}} {snap.customer_sockets}')
    lines.append(f'tandem_sockets{{namespace="/agent"}} {snap.agent_sockets}')
    memory = snap.redis_memory
    family("tandem_redis_used_memory_bytes", "gauge", "Memory Redis uses (INFO used_memory).")
    lines.append(f"tandem_redis_used_memory_bytes {memory.used}")
    family("tandem_redis_maxmemory_bytes", "gauge", "Redis's maxmemory; 0 means no limit.")
    lines.append(f"tandem_redis_maxmemory_bytes {memory.limit}")
    family(
        "tandem_redis_memory_used_ratio",
        "gauge",
        "Used memory over maxmemory (0 without a limit); alert well before 1, where Redis "
        "refuses writes.",
    )
    lines.append(f"tandem_redis_memory_used_ratio {_num(memory.used_ratio)}")
    family(
        "tandem_redis_may_evict",
        "gauge",
        "1 if Redis's maxmemory-policy may evict keys (conversations lost silently); must be 0.",
    )
    lines.append(f"tandem_redis_may_evict {int(memory.may_evict)}")
    return "\n".join(lines) + "\n"


def _histogram(lines: list[str], name: str, help_text: str, hist: Histogram) -> None:
    lines.append(f"# HELP {name} {help_text}")
    lines.append(f"# TYPE {name} histogram")
    running = 0
    for bound in BUCKETS:
        running += hist.counts.get(_fmt(bound), 0)
        lines.append(f'{name}_bucket{{le="{_fmt(bound)}"}} {running}')
    lines.append(f'{name}_bucket{{le="+Inf"}} {hist.count}')
    lines.append(f"{name}_sum {_num(hist.total)}")
    lines.append(f"{name}_count {hist.count}")


def _fmt(bound: float) -> str:
    return str(int(bound)) if float(bound).is_integer() else str(bound)


def _num(value: float) -> str:
    return "0" if not math.isfinite(value) else repr(round(value, 3))


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
