"""Rasa's tracker and lock stores: on Redis when ``TANDEM_RASA_REDIS_URL`` or ``TANDEM_REDIS_URL``
is set (the first wins: a Redis of the bot's own, else the service's), in memory otherwise.

endpoints.yml cannot say "Redis if configured", and Rasa's ``${VAR}`` substitution fails on an
unset variable, so these two classes make the choice at start-up. Rasa instantiates whatever
class endpoints.yml names; ``__new__`` hands it the store that fits the environment.
Several Rasa replicas pointed at one Redis share trackers and take turns through its locks.
Their own Redis (``TANDEM_RASA_REDIS_URL``, given to the handoff service too, so that privacy
requests reach the trackers there) takes the bot's share of the Redis work off the service's:
43 % of a bot turn's Redis CPU, measured with the two apart; one Redis is the first limit of a
deployment (docs/benchmarks.md, "Beyond one machine").

In Redis, a tracker is a log of events that each turn appends to (``bot/event_log_store.py``)
instead of Rasa's one JSON string rewritten on every turn, and a lock is drawn and given back
in one script each (``bot/ticket_lock_store.py``) instead of Rasa's seven round trips: together
3.1 ms less per bot turn on this machine (docs/benchmarks.md).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from rasa.core.lock_store import InMemoryLockStore, LockStore
from rasa.core.tracker_store import InMemoryTrackerStore, TrackerStore

from bot.event_log_store import EventLogTrackerStore
from bot.ticket_lock_store import ScriptedRedisLockStore

REDIS_URL_VARIABLE = "TANDEM_REDIS_URL"
BOT_REDIS_URL_VARIABLE = "TANDEM_RASA_REDIS_URL"
KEY_PREFIX = "rasa"
TRACKER_TTL_SECONDS = 30 * 24 * 3600  # a month of history, then Redis forgets the tracker


def redis_url(env: Mapping[str, str]) -> tuple[str, str]:
    """The variable that names the stores' Redis and its URL (``("", "")``: none, in memory)."""
    for name in (BOT_REDIS_URL_VARIABLE, REDIS_URL_VARIABLE):
        url = env.get(name, "").strip()
        if url:
            return name, url
    return "", ""


def redis_settings(url: str, variable: str = REDIS_URL_VARIABLE) -> dict[str, Any]:
    """Host, port, db and credentials from a ``redis://[user:password@]host[:port][/db]`` URL."""
    parsed = urlparse(url)
    if parsed.scheme not in ("redis", "rediss"):
        raise ValueError(f"{variable} must start with redis:// or rediss://, got {url!r}")
    db = parsed.path.strip("/")
    return {
        "host": parsed.hostname or "localhost",
        "port": parsed.port or 6379,
        "db": int(db) if db else 0,
        "username": parsed.username or None,
        "password": parsed.password or None,
        "use_ssl": parsed.scheme == "rediss",
    }


class TrackerStoreFromEnv:
    """Named in endpoints.yml as ``tracker_store: type: bot.stores.TrackerStoreFromEnv``."""

    def __new__(cls, domain: Any = None, event_broker: Any = None, **_: Any) -> TrackerStore:
        variable, url = redis_url(os.environ)
        if not url:
            return InMemoryTrackerStore(domain, event_broker=event_broker)
        return EventLogTrackerStore(
            domain,
            event_broker=event_broker,
            record_exp=TRACKER_TTL_SECONDS,
            **redis_settings(url, variable),
        )


class LockStoreFromEnv:
    """Named in endpoints.yml as ``lock_store: type: bot.stores.LockStoreFromEnv``."""

    def __new__(cls, **_: Any) -> LockStore:
        variable, url = redis_url(os.environ)
        if not url:
            return InMemoryLockStore()
        return ScriptedRedisLockStore(key_prefix=KEY_PREFIX, **redis_settings(url, variable))
