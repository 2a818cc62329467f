"""Which replicas have a member of a room, in Redis, so that an emit nobody else can deliver is
not published.

python-socketio publishes every emit on one channel that every replica subscribes to, and every
replica decodes every message, the sender included (it drops its own by host id). Most rooms
have their members on one replica: a customer's tabs (``cust:<id>``), an agent's consoles
(``agent:<id>``), a conversation's watchers (``watch:<id>``). For those, the publish only costs
Redis and both replicas CPU. So, per room, Redis keeps the set of replicas (the manager's
``host_id``) with at least one local member (``Keys.room_replicas``), and an emit is published
by :data:`PUBLISH_IF_SHARED`, which publishes only if some *other* replica is in the set of one
of its rooms. An emit to a socket of this replica is not published at all.

Only rooms whose name has a ``:`` are tracked (:func:`tracked`): python-socketio's own per-sid
rooms never have one, so an emit to a sid on another replica is still published; ``agents``
(every console, on every replica) is published as before without a set to keep.

Why nothing is lost. A replica adds itself to a room's set, and waits for Redis to say so,
*before* the socket joins the room locally; it removes itself after the last local member left.
The publish and the check are one script, so they are atomic with those changes. The service
appends an entry to its stream before it emits it (and the emit's publish is queued after the
append returned), and every join is followed by a read of the stream (the widget's transcript
after ``session_request``, the console's ``hello`` and ``get_conversation``, ``watch``'s
detail). Take replica B joining a room while A relays an entry: if A's script ran before B's
add, the entry was not published to B, but it was appended before the script, so before B's
add, so before B's read: B's client gets it from its sync. If the script ran after B's add, it
is published and B delivers it live (or, if it arrives before B's local join finished, the
append was before that too, and the read after the join has it). This is the same promise as
before: the pub/sub transport is at-most-once, the streams are what clients trust.

Cleanup. Each replica heartbeats its host id in ``Keys.replicas`` (score: when the beat runs
out, on Redis's clock) and keeps the list of room keys it is in (``Keys.replica_rooms``). Every
beat also sweeps the replicas whose beat ran out: their host id leaves every room they were in.
A replica stopped cleanly forgets itself at once. A dead replica's stale entries only cost
needless publishes until a survivor sweeps them, ``TANDEM_REPLICA_TTL`` seconds after its last
beat. A replica that could not beat for that long (frozen, or cut off from Redis) may have been
swept while alive: its next beat sees that it was missing and adds its rooms again; what was not
published to it meanwhile its clients get on their next sync (a gap in its subscription also
sends them ``tandem_resync``). After its listener subscribes again it adds its rooms again too,
in case Redis restarted empty.

Example::

    membership = RoomMembership(redis, keys, host_id)
    await membership.join("/", "cust:u_1")          # before the local join
    membership.publish(pipe, "tandem:socketio", "/", ["cust:u_1"], data)   # queued on a pipeline
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from handoff.store.keys import Keys

DEAD_AFTER = 30.0  # default: a replica not heard from for this long is taken for dead
BEATS_PER_LIFE = 6  # heartbeats (and sweeps of dead replicas) per DEAD_AFTER


def tracked(room: Any) -> bool:
    """Rooms whose replicas are kept in Redis: the service's named rooms, never a sid."""
    return isinstance(room, str) and ":" in room


# KEYS: room_replicas, replica_rooms   ARGV: host id   (join: add, leave: remove)
JOIN = """
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], KEYS[1])
return 1
"""
LEAVE = """
redis.call('SREM', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[2], KEYS[1])
return 1
"""

# KEYS: the room_replicas of every room the emit goes to   ARGV: channel, host id, message
# Publishes if another replica has a member of one of them; returns 1 if published, else 0.
PUBLISH_IF_SHARED = """
for i = 1, #KEYS do
  local n = redis.call('SCARD', KEYS[i])
  if n > 1 or (n == 1 and redis.call('SISMEMBER', KEYS[i], ARGV[2]) == 0) then
    redis.call('PUBLISH', ARGV[1], ARGV[3])
    return 1
  end
end
return 0
"""

# The replica ``host`` leaves every room it was in (its rooms key: ARGV[1] .. host .. ':rooms',
# as ``Keys.replica_rooms`` builds it).
FORGET_FUNCTION = """
local function forget(replicas, prefix, host)
  local mine = prefix .. host .. ':rooms'
  for _, room in ipairs(redis.call('SMEMBERS', mine)) do
    redis.call('SREM', room, host)
  end
  redis.call('DEL', mine)
  redis.call('ZREM', replicas, host)
end
"""

# KEYS: replicas   ARGV: replica_rooms prefix, host id, beat lifetime (ms)
# Beats, sweeps the replicas whose beat ran out; returns 1 if this one was missing (new, swept,
# or Redis lost its data), else 0.
BEAT = (
    FORGET_FUNCTION
    + """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local missing = redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
for _, host in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)) do
  forget(KEYS[1], ARGV[1], host)
end
return missing
"""
)

# KEYS: replicas   ARGV: replica_rooms prefix, host id   (a clean stop)
FORGET = FORGET_FUNCTION + "\nforget(KEYS[1], ARGV[1], ARGV[2])\nreturn 1\n"


class RoomMembership:
    """This replica's entries in the rooms' replica sets (see the module's doc)."""

    def __init__(
        self, redis: Any, keys: Keys, host_id: str, *, dead_after: float = DEAD_AFTER
    ) -> None:
        self.redis = redis
        self.dead_after = dead_after
        self.beat_every = dead_after / BEATS_PER_LIFE
        self.keys = keys
        self.host_id = host_id
        self.mine = keys.replica_rooms(host_id)
        self._join = redis.register_script(JOIN)
        self._leave = redis.register_script(LEAVE)
        self._publish = redis.register_script(PUBLISH_IF_SHARED)
        self._beat = redis.register_script(BEAT)
        self._forget = redis.register_script(FORGET)

    async def join(self, namespace: str, room: str) -> None:
        key = self.keys.room_replicas(namespace, room)
        await self._join(keys=[key, self.mine], args=[self.host_id])

    async def join_all(self, rooms: Iterable[tuple[str, str]]) -> None:
        """Join again every (namespace, room) this replica has members of, in one round trip."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for namespace, room in rooms:
                key = self.keys.room_replicas(namespace, room)
                await self._join(keys=[key, self.mine], args=[self.host_id], client=pipe)
            await pipe.execute()

    async def leave(self, namespace: str, room: str) -> None:
        key = self.keys.room_replicas(namespace, room)
        await self._leave(keys=[key, self.mine], args=[self.host_id])

    def publish(
        self, pipe: Any, channel: str, namespace: str, rooms: Iterable[str], data: str
    ) -> None:
        """Queue, on ``pipe``, the publish of ``data`` if another replica is in one of ``rooms``.

        By the script's sha: redis-py runs a ``Script`` in a pipeline by first asking Redis
        whether it exists, a round trip more on every relayed message. A Redis that lost its
        scripts (a restart, a failover) answers ``NoScriptError`` for this command:
        :meth:`load_publish` it and send it again."""
        keys = [self.keys.room_replicas(namespace, room) for room in rooms]
        pipe.evalsha(self._publish.sha, len(keys), *keys, channel, self.host_id, data)

    async def load_publish(self) -> None:
        await self.redis.script_load(PUBLISH_IF_SHARED)

    async def beat(self) -> bool:
        """Heartbeat and sweep; True if this replica was missing from the replicas."""
        lifetime = int(self.dead_after * 1000)
        args = [self.keys.replica_rooms_prefix, self.host_id, lifetime]
        return bool(await self._beat(keys=[self.keys.replicas], args=args))

    async def forget(self) -> None:
        """Leave every room at once (a clean stop), rather than wait to be swept."""
        args = [self.keys.replica_rooms_prefix, self.host_id]
        await self._forget(keys=[self.keys.replicas], args=args)
