"""Redis clients whose connection pool makes a burst wait instead of failing.

redis-py's asyncio ``ConnectionPool`` raises ``MaxConnectionsError`` as soon as more commands are
in flight than it has connections (100 by default): a burst of customers reconnecting at once
(a deploy, a network blip) turned into ``internal`` errors on ``session_request`` and
``tandem_sync``, and into dropped Socket.IO publishes. Its ``BlockingConnectionPool`` waits
instead, but takes a condition and a timer on *every* command (measured: ~25% more client time
per command at 20 in flight). This pool keeps the default fast path and only waits when the pool
is exhausted: the caller queues until a connection is released (at most ``wait_timeout``).

A ``redis+sentinel://`` URL gives the same pool over Redis Sentinel: every new connection asks
the sentinels for the current primary, connections to a primary that died or was demoted are
dropped and made again to the new one, so the service follows a failover by itself
(``docs/reliability.md``, "Redis failover (Sentinel)").

Example::

    redis = connect("redis://127.0.0.1:6379/0", decode_responses=True)
    redis = connect("redis+sentinel://10.0.0.1:26379,10.0.0.2:26379/0/tandem")
    await redis.ping()
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlparse

import redis.asyncio as aioredis
from redis.asyncio.connection import AbstractConnection
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import MaxConnectionsError

MAX_CONNECTIONS = 200
WAIT_TIMEOUT = 10.0


class _Queueing(aioredis.ConnectionPool):
    """What both pools below add to redis-py's: a command finding the pool exhausted waits its
    turn, and a connection Redis closed is made again before it is used."""

    def __init__(self, *args: Any, wait_timeout: float = WAIT_TIMEOUT, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.wait_timeout = wait_timeout
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def get_connection(
        self, command_name: Any = None, *keys: Any, **options: Any
    ) -> AbstractConnection:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.wait_timeout
        while True:
            try:
                connection: AbstractConnection = await super().get_connection()  # type: ignore[no-untyped-call]
                return connection
            except MaxConnectionsError:
                left = deadline - loop.time()
                if left <= 0:
                    raise RedisConnectionError(
                        f"no Redis connection free for {self.wait_timeout:g} s"
                    ) from None
                waiter: asyncio.Future[None] = loop.create_future()
                self._waiters.append(waiter)
                try:
                    await asyncio.wait_for(waiter, left)
                except TimeoutError:
                    continue  # the deadline check above raises
                finally:
                    if not waiter.done():
                        waiter.cancel()

    async def ensure_connection(self, connection: AbstractConnection) -> None:
        """Reconnect a pooled connection that Redis closed (a restart) before it is used.

        redis-py checks this only when maintenance notifications are off, and their default
        (``"auto"``) counts as on: after a Redis restart every idle connection in the pool
        failed its next command ("Connection closed by server"), so the first messages after
        an outage were refused once more.
        """
        if connection.is_connected:
            try:
                stale = await connection.can_read()
            except (RedisConnectionError, OSError):
                stale = True
            if stale:
                await connection.disconnect()
        await super().ensure_connection(connection)

    async def release(self, connection: AbstractConnection) -> None:
        await super().release(connection)
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                break


class QueueingConnectionPool(_Queueing):
    """redis-py's default pool, except that a command finding it exhausted waits its turn."""


class QueueingSentinelPool(_Queueing, SentinelConnectionPool):
    """redis-py's Sentinel pool (connections to the primary the sentinels name), queueing."""


SENTINEL_SCHEME = "redis+sentinel"


@dataclass(frozen=True)
class SentinelAddress:
    """What a ``redis+sentinel://[user:password@]host:port,host:port/db/service`` URL says.

    The URL form is python-socketio's; the credentials and db are the primary's (the sentinels
    themselves are reached without a password).
    """

    sentinels: list[tuple[str, int]]
    service: str
    options: dict[str, Any] = field(default_factory=dict)


def parse_sentinel_url(url: str) -> SentinelAddress:
    parsed = urlparse(url)
    if parsed.scheme != SENTINEL_SCHEME:
        raise ValueError(f"not a {SENTINEL_SCHEME}:// URL: {url!r}")
    sentinels = []
    for node in parsed.netloc.rpartition("@")[2].split(","):
        host, _, port = node.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"a sentinel must be host:port, not {node!r}, in {url!r}")
        sentinels.append((host.strip("[]"), int(port)))
    parts = parsed.path.split("/")
    if len(parts) != 3 or not parts[1].isdigit() or not parts[2]:
        raise ValueError(f"a Sentinel URL ends with /<db>/<service name>: {url!r}")
    options: dict[str, Any] = {"db": int(parts[1])}
    if parsed.username:
        options["username"] = unquote(parsed.username)
    if parsed.password:
        options["password"] = unquote(parsed.password)
    return SentinelAddress(sentinels, parts[2], options)


def connect(url: str, *, max_connections: int = MAX_CONNECTIONS, **options: Any) -> Any:
    """A ``redis.asyncio.Redis`` for ``url`` on a :class:`QueueingConnectionPool`.

    Returned as ``Any``: redis-py types replies as ``bytes | str`` whatever
    ``decode_responses`` says, and callers decode. A Sentinel URL (see :func:`parse_sentinel_url`)
    gives a client of the current primary, whichever node that is.
    """
    if urlparse(url).scheme == SENTINEL_SCHEME:
        address = parse_sentinel_url(url)
        # The sentinels get the timeouts (a dead sentinel must not hold up the others), not the
        # primary's credentials or the client's decoding.
        sentinel_options = {k: v for k, v in options.items() if k.startswith("socket_")}
        sentinel = Sentinel(address.sentinels, sentinel_kwargs=sentinel_options)  # type: ignore[no-untyped-call]
        return sentinel.master_for(
            address.service,
            connection_pool_class=QueueingSentinelPool,
            max_connections=max_connections,
            **{**address.options, **options},
        )
    pool = QueueingConnectionPool.from_url(url, max_connections=max_connections, **options)
    return aioredis.Redis.from_pool(pool)


async def reachable(redis: Any, within: float = 2.0) -> bool:
    """Whether Redis answers a PING within ``within`` seconds (for health checks)."""
    try:
        return bool(await asyncio.wait_for(redis.ping(), timeout=within))
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False
