"""Rasa's per-conversation ticket locks in Redis, each step one atomic script.

Rasa 3.6's ``RedisLockStore`` takes and gives back a conversation's lock in about seven round
trips (get, set, get; then get, set, get, delete), each a read-modify-write that another Rasa
replica can interleave with, so two replicas can draw the same ticket. On this machine that
was 0.7 ms of an 11 ms bot turn (docs/benchmarks.md, "The event-log tracker store, built").
Here drawing a ticket and giving it back are one script each, atomic in Redis. Drawing also
says which ticket is being served, so an uncontended turn goes ahead at once instead of
reading the lock again.

The lock is stored as Rasa stores it (``rasa:lock:<conversation_id>``, the same JSON), so
Rasa's own lock store and this one can share a Redis during an upgrade, and Rasa's waiting
loop (``LockStore._acquire_lock``, used when a ticket has to wait) works unchanged. Unlike
Rasa's, the key expires with its newest ticket, so a Rasa that died holding a lock leaves
nothing behind for long.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore

# KEYS[1]: the lock. ARGV: now, lifetime (seconds), conversation id.
# Drops expired tickets, adds one; returns {its number, the number being served}.
ISSUE_SCRIPT = """
local now = tonumber(ARGV[1])
local kept, first, last = {}, nil, -1
local raw = redis.call('GET', KEYS[1])
if raw then
  for _, encoded in ipairs(cjson.decode(raw).tickets or {}) do
    local ticket = cjson.decode(encoded)
    if ticket.expires >= now then
      kept[#kept + 1] = encoded
      first = first or ticket.number
      last = ticket.number
    end
  end
end
local number = last + 1
local lifetime = tonumber(ARGV[2])
kept[#kept + 1] = cjson.encode({number = number, expires = now + lifetime})
redis.call('SET', KEYS[1], cjson.encode({conversation_id = ARGV[3], tickets = kept}),
           'PX', math.ceil(lifetime * 1000) + 1000)
return {number, first or number}
"""

# KEYS[1]: the lock. ARGV: now, the ticket's number. Drops it and the expired tickets, and the
# lock once no ticket is left; returns how many are left.
RELEASE_SCRIPT = """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local now, number = tonumber(ARGV[1]), tonumber(ARGV[2])
local lock = cjson.decode(raw)
local kept = {}
for _, encoded in ipairs(lock.tickets or {}) do
  local ticket = cjson.decode(encoded)
  if ticket.expires >= now and ticket.number ~= number then kept[#kept + 1] = encoded end
end
if #kept == 0 then
  redis.call('DEL', KEYS[1])
else
  lock.tickets = kept
  redis.call('SET', KEYS[1], cjson.encode(lock), 'KEEPTTL')
end
return #kept
"""


class ScriptedRedisLockStore(RedisLockStore):
    """``RedisLockStore`` whose ticket is drawn and given back by one script each."""

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self._issue = self.red.register_script(ISSUE_SCRIPT)
        self._release = self.red.register_script(RELEASE_SCRIPT)

    def _draw(self, conversation_id: str, lock_lifetime: float) -> tuple[int, int]:
        try:
            number, serving = self._issue(
                keys=[self.key_prefix + conversation_id],
                args=[repr(time.time()), repr(float(lock_lifetime)), conversation_id],
            )
        except Exception as error:  # as Rasa's issue_ticket reports any failure
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error
        return int(number), int(serving)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        return self._draw(conversation_id, lock_lifetime)[0]

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        self._release(
            keys=[self.key_prefix + conversation_id], args=[repr(time.time()), ticket_number]
        )

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncGenerator[TicketLock, None]:
        """Rasa's ``LockStore.lock``, one script call shorter when nobody holds the lock."""
        ticket, serving = self._draw(conversation_id, lock_lifetime)
        try:
            if ticket == serving:
                # The lock as the script left it, as far as this ticket knows.
                yield TicketLock(
                    conversation_id, deque([Ticket(ticket, time.time() + lock_lifetime)])
                )
            else:
                yield await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
        finally:
            self.cleanup(conversation_id, ticket)
