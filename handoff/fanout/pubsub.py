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

Example::

    manager = RedisManager(url, channel="tandem:socketio")
    sio = socketio.AsyncServer(client_manager=manager)
    manager.on_resubscribe = notifier.resync   # after a gap in what this replica heard
    ...
    await sio.manager.drain()   # at shutdown: send what is queued
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import socketio  # type: ignore[import-untyped]  # no type information shipped
from engineio import packet as eio_packet  # type: ignore[import-untyped]
from socketio import packet as socketio_packet

from handoff.store import pool

log = logging.getLogger("handoff.pubsub")

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


class RedisManager(socketio.AsyncRedisManager, DirectDelivery):  # type: ignore[misc]
    """``socketio.AsyncRedisManager`` with a FIFO, pipelined, background publisher, and
    :class:`DirectDelivery` for this replica's own sockets."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._outbox: deque[str] = deque()
        self._sender: asyncio.Task[None] | None = None
        self.on_resubscribe: Callable[[], Awaitable[None]] | None = None
        self.subscriptions = 0  # how many times the listener has subscribed (1 = never a gap)

    def _redis_connect(self) -> None:
        # Publisher and listener both talk to the primary, also under Sentinel: a replica
        # does not pass on what is published on it, so one replica publishing on a Redis
        # replica would not be heard by the others. After a failover both sides' connections
        # fail, and come back to whichever node the sentinels name primary then.
        self.redis = pool.connect(self.redis_url, **self.redis_options)
        self.pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        self.connected = True

    async def _publish(self, data: Any) -> None:
        self._outbox.append(self.json.dumps(data))
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
        while self._outbox:
            batch = [self._outbox.popleft() for _ in range(min(len(self._outbox), MAX_BATCH))]
            await self._send(batch)

    async def _send(self, batch: list[str]) -> None:
        for attempt in (1, 2):  # as python-socketio: one retry on a fresh connection
            try:
                if not self.connected:
                    self._redis_connect()
                async with self.redis.pipeline(transaction=False) as pipe:
                    for message in batch:
                        pipe.publish(self.channel, message)
                    await pipe.execute()
                return
            except Exception as exc:  # noqa: BLE001 - logged; delivery is at-most-once
                if attempt == 1:
                    log.error("cannot publish to Redis (%s); retrying", exc)
                    self.connected = False
                else:
                    log.error("cannot publish to Redis (%s); %d events lost", exc, len(batch))

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
