"""Rasa's tracker and lock stores: Redis when ``TANDEM_REDIS_URL`` is set, in memory otherwise.

endpoints.yml cannot say "Redis if configured", and Rasa's ``${VAR}`` substitution fails on an
unset variable, so these two classes make the choice at start-up. Rasa instantiates whatever
class endpoints.yml names; ``__new__`` hands it the store that fits the environment.
Several Rasa replicas pointed at one Redis share trackers and take turns through its locks.

In Redis, a tracker is a log of events that each turn appends to (``bot/event_log_store.py``)
instead of Rasa's one JSON string rewritten on every turn, and a lock is drawn and given back
in one script each (``bot/ticket_lock_store.py``) instead of Rasa's seven round trips: together
3.1 ms less per bot turn on this machine (docs/benchmarks.md).
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlparse

from rasa.core.lock_store import InMemoryLockStore, LockStore
from rasa.core.tracker_store import InMemoryTrackerStore, TrackerStore

from bot.event_log_store import EventLogTrackerStore
from bot.ticket_lock_store import ScriptedRedisLockStore

REDIS_URL_VARIABLE = "TANDEM_REDIS_URL"
KEY_PREFIX = "rasa"
TRACKER_TTL_SECONDS = 30 * 24 * 3600  # a month of history, then Redis forgets the tracker


def redis_settings(url: str) -> dict[str, Any]:
    """Host, port, db and credentials from a ``redis://[user:password@]host[:port][/db]`` URL."""
    parsed = urlparse(url)
    if parsed.scheme not in ("redis", "rediss"):
        raise ValueError(f"{REDIS_URL_VARIABLE} must start with redis:// or rediss://, got {url!r}")
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
        url = os.environ.get(REDIS_URL_VARIABLE)
        if not url:
            return InMemoryTrackerStore(domain, event_broker=event_broker)
        return EventLogTrackerStore(
            domain,
            event_broker=event_broker,
            record_exp=TRACKER_TTL_SECONDS,
            **redis_settings(url),
        )


class LockStoreFromEnv:
    """Named in endpoints.yml as ``lock_store: type: bot.stores.LockStoreFromEnv``."""

    def __new__(cls, **_: Any) -> LockStore:
        url = os.environ.get(REDIS_URL_VARIABLE)
        if not url:
            return InMemoryLockStore()
        return ScriptedRedisLockStore(key_prefix=KEY_PREFIX, **redis_settings(url))
