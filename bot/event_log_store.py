"""Rasa's trackers in Redis as logs of events that each turn appends to instead of rewriting.

Rasa 3.6's ``RedisTrackerStore`` keeps a conversation as one JSON string. Every save reads it
back, rebuilds it (twice: to deserialise, then to travel back in time and merge), serialises the
whole conversation and writes it again; every retrieve rebuilds it twice more (all of it, then
its last session). On this machine that was 4.8 ms of a 12 ms bot turn, and it grows with the
conversation (docs/benchmarks.md, "Where the metadata's cost is, narrowed").

Here a conversation is two keys:

    rasa:events:<sender_id>    list, one JSON event per element, oldest first
    rasa:session:<sender_id>   string, the list index where the last session starts (its
                               ``action_session_start``, as Rasa splits sessions)

A retrieve reads the last session in one script call and replays only that. A save appends
the events the tracker gained since this store read or saved it, in one script call that
first checks the log still has the length it had then. Another Rasa replica or Rasa's HTTP
API may have written in between (Rasa's lock store serialises turns, but not every writer).
If the check fails, or the tracker is one this store never handed out, the save falls back to
what Rasa's own store does: merge with what is stored and rewrite, in a WATCH transaction.
Both keys expire a month after the last write, like Rasa's ``record_exp``.

A conversation that Rasa's own store wrote (``rasa:tracker:<sender_id>``) is moved into a log
the first time it is read, so upgrading loses nothing.

The client is redis-py's synchronous one, as in Rasa's store: a call blocks Rasa's event loop
for one round trip to Redis (loopback in the stack).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from typing import Any

import redis
from rasa.core.tracker_store import RedisTrackerStore, TrackerStore
from rasa.shared.core.constants import ACTION_SESSION_START_NAME
from rasa.shared.core.conversation import Dialogue
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, deserialise_events
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

EVENTS_KEY_PREFIX = "rasa:events:"
SESSION_KEY_PREFIX = "rasa:session:"
LEGACY_TRACKER_KEY_PREFIX = "rasa:tracker:"  # Rasa's RedisTrackerStore with key_prefix "rasa"

# Set on every tracker this store hands out or saves: (length of the log, number of the
# tracker's events already in it). The tracker's events after that number are the new ones.
STORED_ATTRIBUTE = "_tandem_event_log"

# KEYS: events, session, legacy tracker. ARGV[1]: "full" for every session, else the last.
# Returns {log length, first index returned, events}, {-1, legacy JSON} or {-1}.
READ_SCRIPT = """
local length = redis.call('LLEN', KEYS[1])
if length == 0 then
  local legacy = redis.call('GET', KEYS[3])
  if legacy then return {-1, legacy} end
  return {-1}
end
local first = 0
if ARGV[1] ~= 'full' then first = tonumber(redis.call('GET', KEYS[2]) or '0') end
return {length, first, redis.call('LRANGE', KEYS[1], first, -1)}
"""

# KEYS: events, session. ARGV[1]: the log length the caller saw; ARGV[2]: expiry in seconds (0:
# none); ARGV[3]: the new last session's index among the new events, or -1; ARGV[4..]: the new
# events. Appends only if the log still has the length the caller saw; returns the new length,
# or -1 (and writes nothing) if it has not.
APPEND_SCRIPT = """
local length = redis.call('LLEN', KEYS[1])
if length ~= tonumber(ARGV[1]) then return -1 end
for i = 4, #ARGV, 1000 do
  redis.call('RPUSH', KEYS[1], unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
if tonumber(ARGV[3]) >= 0 then redis.call('SET', KEYS[2], length + tonumber(ARGV[3])) end
local ttl = tonumber(ARGV[2])
if ttl > 0 then
  redis.call('EXPIRE', KEYS[1], ttl)
  if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('EXPIRE', KEYS[2], ttl) end
end
return length + #ARGV - 3
"""


def last_session_start(events: Sequence[Event]) -> int:
    """Index of the last ``action_session_start`` in ``events``, or -1: where Rasa's stores
    split a conversation into sessions (``get_trackers_for_conversation_sessions``)."""
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if isinstance(event, ActionExecuted) and event.action_name == ACTION_SESSION_START_NAME:
            return index
    return -1


def serialise(events: Iterable[Event]) -> list[str]:
    return [json.dumps(event.as_dict()) for event in events]


class EventLogTrackerStore(TrackerStore):
    """Rasa's ``TrackerStore`` over per-conversation event logs in Redis (see the module)."""

    def __init__(
        self,
        domain: Domain | None,
        *,
        event_broker: Any = None,
        record_exp: int | None = None,
        host: str = "localhost",
        port: int = 6379,
        db: int = 0,
        username: str | None = None,
        password: str | None = None,
        use_ssl: bool = False,
        **kwargs: Any,
    ) -> None:
        self.red = redis.StrictRedis(
            host=host,
            port=port,
            db=db,
            username=username,
            password=password,
            ssl=use_ssl,
            decode_responses=True,
        )
        self.record_exp = int(record_exp or 0)
        self._read = self.red.register_script(READ_SCRIPT)
        self._append = self.red.register_script(APPEND_SCRIPT)
        super().__init__(domain, event_broker, **kwargs)

    @staticmethod
    def _keys(sender_id: str) -> list[str]:
        return [
            EVENTS_KEY_PREFIX + sender_id,
            SESSION_KEY_PREFIX + sender_id,
            LEGACY_TRACKER_KEY_PREFIX + sender_id,
        ]

    # -- reading -------------------------------------------------------------------------------
    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The conversation's last session, or ``None`` if it has no events."""
        return self._retrieve(sender_id, full=False)

    async def retrieve_full_tracker(self, sender_id: str) -> DialogueStateTracker | None:
        """Every session of the conversation, or ``None`` if it has no events."""
        return self._retrieve(sender_id, full=True)

    def _retrieve(self, sender_id: str, *, full: bool) -> DialogueStateTracker | None:
        result = self._read(keys=self._keys(sender_id), args=["full" if full else "last"])
        if result[0] == -1:
            if len(result) < 2:
                return None
            self._move_legacy_tracker(sender_id, result[1])
            result = self._read(keys=self._keys(sender_id), args=["full" if full else "last"])
            if result[0] == -1:
                return None
        length, _first, raw_events = result
        events = deserialise_events([json.loads(raw) for raw in raw_events])
        tracker = self.init_tracker(sender_id)
        tracker.recreate_from_dialogue(Dialogue(sender_id, events))
        setattr(tracker, STORED_ATTRIBUTE, (int(length), len(tracker.events)))
        return tracker

    async def exists(self, conversation_id: str) -> bool:
        keys = self._keys(conversation_id)
        return bool(self.red.exists(keys[0], keys[2]))

    async def keys(self) -> Iterable[str]:
        """The sender ids of every stored conversation."""
        found = set()
        for prefix in (EVENTS_KEY_PREFIX, LEGACY_TRACKER_KEY_PREFIX):
            for key in self.red.scan_iter(match=prefix + "*", count=1000):
                found.add(key[len(prefix) :])
        return sorted(found)

    # -- writing -------------------------------------------------------------------------------
    async def save(self, tracker: DialogueStateTracker) -> None:
        """Append the events the tracker gained since it was read or saved (see the module)."""
        events = list(tracker.events)
        log_length, stored = getattr(tracker, STORED_ATTRIBUTE, (0, 0))
        # A capped tracker (max_event_history) drops its oldest events: counting fails there.
        if tracker.events.maxlen is None and stored <= len(events):
            new = events[stored:]
            if not new:
                return
            session = last_session_start(new)
            length = self._append(
                keys=self._keys(tracker.sender_id)[:2],
                args=[log_length, self.record_exp, session, *serialise(new)],
            )
            if length >= 0:
                setattr(tracker, STORED_ATTRIBUTE, (int(length), len(events)))
                if self.event_broker is not None:
                    await self._stream_new_events(self.event_broker, new, tracker.sender_id)
                return
            logger.debug("event log of %s changed since it was read; merging", tracker.sender_id)
        await self._merge_and_rewrite(tracker)

    async def _merge_and_rewrite(self, tracker: DialogueStateTracker) -> None:
        """What Rasa's RedisTrackerStore does on every save: merge with the stored conversation
        (events not stored yet are added after it) and write the whole of it back."""
        if self.event_broker is not None:
            await self.stream_events(tracker)
        events_key, session_key, _legacy = self._keys(tracker.sender_id)
        merged_length = 0

        def rewrite(pipe: Any) -> None:
            nonlocal merged_length
            stored = pipe.lrange(events_key, 0, -1)
            merged = tracker
            if stored:
                prior = self.init_tracker(tracker.sender_id)
                prior.recreate_from_dialogue(
                    Dialogue(tracker.sender_id, deserialise_events([json.loads(e) for e in stored]))
                )
                merged = RedisTrackerStore._merge_trackers(prior, tracker)
            events = list(merged.events)
            merged_length = len(events)
            pipe.multi()
            pipe.delete(events_key, session_key)
            self._queue_log(pipe, events_key, session_key, events)

        self.red.transaction(rewrite, events_key)
        # The merged log holds every event of this tracker: its next save appends after them.
        setattr(tracker, STORED_ATTRIBUTE, (merged_length, len(tracker.events)))

    def _move_legacy_tracker(self, sender_id: str, serialised: str) -> None:
        """Turn a tracker Rasa's own store wrote into a log (once; a concurrent reader that
        moved it first wins, and the legacy key is deleted either way)."""
        events = list(self.deserialise_tracker(sender_id, serialised).events)
        events_key, session_key, legacy_key = self._keys(sender_id)

        def move(pipe: Any) -> None:
            if pipe.llen(events_key):
                pipe.multi()
                pipe.delete(legacy_key)
                return
            pipe.multi()
            pipe.delete(session_key)  # a stale index would cut the moved log short
            self._queue_log(pipe, events_key, session_key, events)
            pipe.delete(legacy_key)

        self.red.transaction(move, events_key)
        logger.info("moved %s's tracker from Rasa's key layout into an event log", sender_id)

    def _queue_log(
        self, pipe: Any, events_key: str, session_key: str, events: Sequence[Event]
    ) -> None:
        """Queue, in a transaction that emptied both keys, the writes of a whole log of events."""
        if events:
            pipe.rpush(events_key, *serialise(events))
        session = last_session_start(events)
        if session > 0:
            pipe.set(session_key, session)
        if self.record_exp:
            pipe.expire(events_key, self.record_exp)
            if session > 0:
                pipe.expire(session_key, self.record_exp)
