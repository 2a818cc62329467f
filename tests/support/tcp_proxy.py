"""A TCP proxy on loopback that a test can cut: a network between a client and the service.

Bytes go both ways untouched (HTTP, websockets). :meth:`TcpProxy.cut` drops every open
connection at once, as a dead Wi-Fi or a load balancer restart does; while ``refusing`` is set,
new connections are closed as soon as they arrive (the network is still down).

It runs on the test's own event loop (asyncio streams), next to the socket.io clients.

Example::

    async with TcpProxy(service.port) as proxy:
        agent = Agent(proxy.url, token)      # the agent reaches the service through the proxy
        await proxy.cut()                    # the agent's connection dies mid-conversation
"""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType

CHUNK = 65536


class TcpProxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self.refusing = False
        self.cuts = 0
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> TcpProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def cut(self) -> None:
        """Drop every open connection (both sides see the connection reset)."""
        self.cuts += 1
        for writer in list(self._open):
            transport = writer.transport
            with contextlib.suppress(Exception):
                transport.abort()  # no FIN handshake: as abrupt as a cable pulled
        self._open.clear()

    async def close(self) -> None:
        await self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _accept(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        if self.refusing:
            client_w.transport.abort()
            return
        try:
            server_r, server_w = await asyncio.open_connection(*self.target)
        except OSError:
            client_w.transport.abort()
            return
        self._open |= {client_w, server_w}
        pumps = [
            asyncio.create_task(self._pump(client_r, server_w, client_w)),
            asyncio.create_task(self._pump(server_r, client_w, server_w)),
        ]
        self._tasks.update(pumps)
        for task in pumps:
            task.add_done_callback(self._tasks.discard)

    async def _pump(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        other: asyncio.StreamWriter,
    ) -> None:
        try:
            while data := await reader.read(CHUNK):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            for side in (writer, other):
                self._open.discard(side)
                side.transport.abort()

    async def __aenter__(self) -> TcpProxy:
        return await self.start()

    async def __aexit__(
        self, *exc: type[BaseException] | BaseException | TracebackType | None
    ) -> None:
        await self.close()
