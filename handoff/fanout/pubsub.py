"""python-socketio's Redis manager, with publishes pipelined in the background and never failing
for lack of a pooled connection.

Every emit is delivered to this replica's sockets at once and published on Redis for the others
(``docs/architecture.md``, "Delivery and replicas"). python-socketio awaits one ``PUBLISH``
round trip per emit, so a handler that notifies the customer and the agents waited two round
trips before it could acknowledge, and every publish cost its own write and read. Here an emit
only queues its message: one background task sends the queue in order, as a pipeline (one round
trip for everything queued meanwhile). Order is kept (one sender, FIFO) and the delivery promise
is unchanged: python-socketio's Redis manager is at-most-once already (it gave up after one
retry), which is why clients replay from their last seq.

The listener is ours too. python-socketio's backs off up to 60 s between attempts to subscribe
again, so after a Redis outage this replica heard nothing from the others for up to a minute
(measured: live delivery across replicas resumed 29 s after Redis was back), and nobody told its
clients that they had missed something. Here the listener waits a second at most between
attempts, and every time it is subscribed again (after an error, or redis-py reconnecting by
itself) it calls ``on_resubscribe``: the service then tells this replica's clients to sync
(``tandem_resync``, ``docs/protocol.md``), since whatever was published while it was deaf is
in the streams.

Not every emit is published (``handoff.fanout.membership``): one to a socket of this replica
never is, and one to a room whose members are all here is not either, since nobody else could
deliver it. Each replica keeps, in Redis, which rooms it has members of; the pipeline publishes
through a script that checks that set. Joins wait for Redis, leaves do not hold anyone up.

Example::

    manager = RedisManager(url, channel="tandem:socketio")
    sio = socketio.AsyncServer(client_manager=manager)
    manager.on_resubscribe = notifier.resync   # after a gap in what this replica heard
    ...
    await sio.manager.drain()   # at shutdown: send what is queued
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, NamedTuple

import socketio  # type: ignore[import-untyped]  # no type information shipped
from engineio import packet as eio_packet  # type: ignore[import-untyped]
from redis.exceptions import NoScriptError
from socketio import packet as socketio_packet

from handoff.fanout.membership import DEAD_AFTER, RoomMembership, tracked
from handoff.fanout.writers_first import after_local_writes
from handoff.store import pool
from handoff.store.keys import Keys

log = logging.getLogger("handoff.pubsub")


def _no_script(reply: Any) -> bool:
    return isinstance(reply, NoScriptError)


MAX_BATCH = 512  # messages per pipeline
MAX_BACKLOG = 20_000  # beyond this, emitters wait for Redis (backpressure, not unbounded memory)
# The listener's pause between attempts to subscribe again: short, since every second deaf is a
# second of cross-replica delivery lost; bounded, since a SUBSCRIBE attempt costs Redis nothing.
LISTEN_RETRY_FIRST = 0.1
LISTEN_RETRY_MAX = 1.0


class DirectDelivery(socketio.AsyncManager):  # type: ignore[misc]
    """Local delivery without a task per recipient.

    python-socketio's ``AsyncManager.emit`` wraps every recipient's send in a task and waits
    for them all; each send only puts the encoded packet on that socket's queue (never blocks
    on the websocket transport), so the tasks bought nothing but a trip round the event loop
    per emit, and their allocations. Here the sends run inline, in order. Emits with an ack
    callback keep python-socketio's own path.
    """

    async def emit(
        self,
        event: str,
        data: Any,
        namespace: str,
        room: Any = None,
        skip_sid: Any = None,
        callback: Any = None,
        to: Any = None,
        **kwargs: Any,
    ) -> None:
        if callback is not None:
            await super().emit(
                event, data, namespace, room=room, skip_sid=skip_sid, callback=callback, to=to
            )
            return
        room = to or room
        if namespace not in self.rooms:
            return
        if isinstance(data, tuple):
            data = list(data)
        elif data is not None:
            data = [data]
        else:
            data = []
        skip = skip_sid if isinstance(skip_sid, list) else [skip_sid]
        targets = [e for sid, e in self.get_participants(namespace, room) if sid not in skip]
        if not targets:
            return
        encoded = self.server.packet_class(
            socketio_packet.EVENT, namespace=namespace, data=[event, *data]
        ).encode()
        packets = [
            eio_packet.Packet(eio_packet.MESSAGE, p)
            for p in (encoded if isinstance(encoded, list) else [encoded])
        ]
        for eio_sid in targets:
            try:
                for p in packets:
                    await self.server._send_eio_packet(eio_sid, p)
            except Exception:  # noqa: BLE001 - a socket closing meanwhile; the others still get it
                log.debug("could not deliver %s to %s", event, eio_sid, exc_info=True)


class Outgoing(NamedTuple):
    """A message for the other replicas. ``rooms``: the tracked rooms it goes to, published only
    if another replica has a member of one of them; ``None``: published whatever."""

    data: str
    namespace: str
    rooms: list[str] | None


class RoomLocks:
    """One lock per (namespace, room), kept only while someone holds or waits for it: a room's
    first join and last leave change its set in Redis one at a time."""

    def __init__(self) -> None:
        self._locks: dict[tuple[str, str], tuple[asyncio.Lock, list[int]]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, namespace: str, room: str) -> AsyncIterator[None]:
        key = (namespace, room)
        lock, users = self._locks.setdefault(key, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if users[0] == 0:
                del self._locks[key]


class RedisManager(socketio.AsyncRedisManager, DirectDelivery):  # type: ignore[misc]
    """``socketio.AsyncRedisManager`` with a FIFO, pipelined, background publisher that skips
    what no other replica needs, and :class:`DirectDelivery` for this replica's own sockets."""

    def __init__(
        self,
        *args: Any,
        keys: Keys | None = None,
        dead_after: float = DEAD_AFTER,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.keys = keys or Keys()
        self.dead_after = dead_after
        self._outbox: deque[Outgoing] = deque()
        self._sender: asyncio.Task[None] | None = None
        self._beater: asyncio.Task[None] | None = None
        self._room_locks = RoomLocks()
        self.membership: RoomMembership | None = None
        self.on_resubscribe: Callable[[], Awaitable[None]] | None = None
        self.subscriptions = 0  # how many times the listener has subscribed (1 = never a gap)

    def _redis_connect(self) -> None:
        # Publisher and listener both talk to the primary, also under Sentinel: a replica
        # does not pass on what is published on it, so one replica publishing on a Redis
        # replica would not be heard by the others. After a failover both sides' connections
        # fail, and come back to whichever node the sentinels name primary then.
        self.redis = pool.connect(self.redis_url, **self.redis_options)
        self.pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        self.membership = RoomMembership(
            self.redis, self.keys, self.host_id, dead_after=self.dead_after
        )
        self.connected = True

    def _members(self) -> RoomMembership:
        if not self.connected or self.membership is None:
            self._redis_connect()
        assert self.membership is not None
        return self.membership

    def initialize(self) -> None:
        super().initialize()
        if not self.write_only:
            self._beater = self.server.start_background_task(self._beat_forever)

    # -- rooms --------------------------------------------------------------------------------
    def _has_local_members(self, namespace: str, room: str) -> bool:
        return bool(self.rooms.get(namespace, {}).get(room))

    async def enter_room(self, sid: str, namespace: str, room: str, eio_sid: Any = None) -> None:
        """A local socket's join of a tracked room: this replica is in the room's set in Redis
        before the join completes (the ordering ``handoff.fanout.membership`` relies on)."""
        here = self.is_connected(sid, namespace) or self.is_pre_connected(sid, namespace)
        if not (here and tracked(room)):
            await super().enter_room(sid, namespace, room, eio_sid=eio_sid)
            return
        async with self._room_locks.hold(namespace, room):
            if not self._has_local_members(namespace, room):
                await self._members().join(namespace, room)
            await super().enter_room(sid, namespace, room, eio_sid=eio_sid)

    async def leave_room(self, sid: str, namespace: str, room: str) -> None:
        await super().leave_room(sid, namespace, room)
        if tracked(room):
            await self._left(namespace, [room])

    async def disconnect(self, sid: str, namespace: str, **kwargs: Any) -> None:
        rooms = [room for room in self.get_rooms(sid, namespace) if tracked(room)]
        await super().disconnect(sid, namespace, **kwargs)
        if rooms:
            await self._left(namespace, rooms)

    async def _left(self, namespace: str, rooms: list[str]) -> None:
        """Leave the rooms' sets in Redis where no local member is left. A failure leaves a
        stale entry: it only costs needless publishes, until this replica stops or is swept."""
        for room in rooms:
            async with self._room_locks.hold(namespace, room):
                if self._has_local_members(namespace, room):
                    continue
                try:
                    await self._members().leave(namespace, room)
                except Exception as exc:  # noqa: BLE001 - Redis away; see the docstring
                    log.warning("could not leave room %s in Redis (%s)", room, exc)

    def _local_rooms(self) -> list[tuple[str, str]]:
        return [
            (namespace, room)
            for namespace, by_room in self.rooms.items()
            for room, members in by_room.items()
            if tracked(room) and members
        ]

    async def _join_all(self) -> None:
        """Put this replica back in the sets of every room it has members of (Redis lost them,
        or a survivor swept this replica while it could not beat)."""
        rooms = self._local_rooms()
        if rooms:
            await self._members().join_all(rooms)

    async def _beat_forever(self) -> None:
        beaten = False
        while True:
            try:
                missing = await self._members().beat()
                if missing and beaten:
                    log.warning("this replica was missing from Redis's replicas; rejoining rooms")
                    await self._join_all()
                beaten = True
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - Redis away: beat again later
                log.warning("could not beat in Redis (%s)", exc)
            await asyncio.sleep(self._members().beat_every)

    async def close(self) -> None:
        """At shutdown, after :meth:`drain`: stop beating and leave every room's set at once."""
        if self._beater is not None:
            self._beater.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._beater
        if self.write_only:
            return
        try:
            await self._members().forget()
        except Exception as exc:  # noqa: BLE001 - Redis away: the survivors sweep this one
            log.warning("could not leave the rooms in Redis (%s)", exc)

    # -- publishing ---------------------------------------------------------------------------
    def _tracked_targets(self, data: dict[str, Any]) -> list[str] | None:
        """The tracked rooms an emit goes to, less this replica's sockets ([]: nobody else can
        deliver it); ``None`` if it must be published whatever (a broadcast, a sid elsewhere,
        an untracked room such as ``agents``, anything but an emit)."""
        room = data.get("room")
        if data.get("method") != "emit" or room is None:
            return None
        namespace = data.get("namespace") or "/"
        targets: list[str] = []
        for name in room if isinstance(room, list | tuple) else [room]:
            if self.is_sid_room(namespace, name):
                continue  # a socket of this replica: delivered already
            if not tracked(name):
                return None
            targets.append(name)
        return targets

    async def _publish(self, data: dict[str, Any]) -> None:
        rooms = self._tracked_targets(data)
        if rooms == []:
            return
        namespace = data.get("namespace") or "/"
        self._outbox.append(Outgoing(self.json.dumps(data), namespace, rooms))
        if self._sender is None or self._sender.done():
            self._sender = asyncio.get_running_loop().create_task(self._send_all())
        if len(self._outbox) >= MAX_BACKLOG:
            await self.drain()

    async def disconnect_elsewhere(self, sid: str, namespace: str) -> None:
        """Ask the replica holding ``sid`` to disconnect it (a write-only manager, the CLI's,
        has no sockets of its own and no server to disconnect them with)."""
        message = {"method": "disconnect", "sid": sid, "namespace": namespace}
        await self._publish({**message, "host_id": self.host_id})

    async def drain(self) -> None:
        """Wait until everything queued so far has been handed to Redis (or given up on)."""
        while self._sender is not None and not self._sender.done():
            await asyncio.shield(self._sender)

    async def _send_all(self) -> None:
        # The emit that queued this delivered to this replica's sockets too: those go first.
        await after_local_writes()
        while self._outbox:
            batch = [self._outbox.popleft() for _ in range(min(len(self._outbox), MAX_BATCH))]
            await self._send(batch)

    async def _send(self, batch: list[Outgoing]) -> None:
        for attempt in (1, 2):  # as python-socketio: one retry on a fresh connection
            try:
                membership = self._members()
                replies = await self._pipeline(membership, batch)
                # Redis lost the publish script (a restart, a failover): load it, and send
                # again only what it refused; the rest went out.
                missing = [m for m, r in zip(batch, replies, strict=True) if _no_script(r)]
                if missing:
                    await membership.load_publish()
                    replies = await self._pipeline(membership, missing)
                for reply in replies:
                    if isinstance(reply, Exception):
                        raise reply
                return
            except Exception as exc:  # noqa: BLE001 - logged; delivery is at-most-once
                if attempt == 1:
                    log.error("cannot publish to Redis (%s); retrying", exc)
                    self.connected = False
                else:
                    log.error("cannot publish to Redis (%s); %d events lost", exc, len(batch))

    async def _pipeline(self, membership: RoomMembership, batch: list[Outgoing]) -> list[Any]:
        """Publish ``batch`` in one round trip; the replies, errors among them."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for message in batch:
                if message.rooms is None:
                    pipe.publish(self.channel, message.data)
                else:
                    membership.publish(
                        pipe, self.channel, message.namespace, message.rooms, message.data
                    )
            return list(await pipe.execute(raise_on_error=False))

    async def _listen(self) -> AsyncIterator[Any]:
        """The messages on the channel, for python-socketio's listening task; never ends.

        Subscribe confirmations are kept (``ignore_subscribe_messages`` is not set): each one
        after the first marks the end of a gap, including when redis-py reconnected and
        subscribed again by itself without raising.
        """
        names = {self.channel, self.channel.encode("utf-8")}
        delay = LISTEN_RETRY_FIRST
        failed = False
        while True:
            pubsub: Any = None
            try:
                if not self.connected:
                    self._redis_connect()
                pubsub = self.redis.pubsub()
                await pubsub.subscribe(self.channel)
                async for message in pubsub.listen():
                    kind = message.get("type")
                    if kind == "subscribe":
                        delay = LISTEN_RETRY_FIRST
                        self.subscriptions += 1
                        if failed or self.subscriptions > 1:
                            log.warning("subscribed to Redis again; telling clients to sync")
                            await self._resubscribed()
                    elif kind == "message" and message.get("channel") in names:
                        yield message["data"]
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - Redis away: retry soon, never give up
                failed = True
                log.error("cannot receive from Redis (%s); retrying in %.1f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, LISTEN_RETRY_MAX)
            finally:
                if pubsub is not None:
                    await _close_quietly(pubsub)

    async def _resubscribed(self) -> None:
        try:  # Redis may have restarted empty: be in the sets again before the clients sync
            await self._join_all()
        except Exception:  # noqa: BLE001 - the listener must go on; the next beat rejoins
            log.exception("could not rejoin the rooms in Redis")
        if self.on_resubscribe is None:
            return
        try:
            await self.on_resubscribe()
        except Exception:  # noqa: BLE001 - the listener must go on whatever a client does
            log.exception("could not tell clients to sync")


async def _close_quietly(pubsub: Any) -> None:
    try:
        await pubsub.aclose()
    except Exception:  # noqa: BLE001 - the connection is gone already
        log.debug("closing a dead pub/sub connection failed", exc_info=True)
