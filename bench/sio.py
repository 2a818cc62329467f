"""A small, fast Socket.IO v5 client (Engine.IO v4, websocket transport only) for load generation.

python-socketio's ``AsyncClient`` carries an aiohttp session, a reconnection machine and a task
per event; thousands of them cost a load generator more CPU and memory than the server it
measures. This client speaks just what the benchmarks need, on one ``websockets`` connection:
namespace connect (with auth), events, events with acks, server pings. Text packets only (the
Tandem protocol has no binary payloads). It offers ``permessage-deflate`` like a browser does,
unless ``compression=None``.

The same client drives the raw python-socketio echo server and the handoff service, so the
anchor and the figure differ only by the server.

Example::

    sock = await SioClient.open("http://127.0.0.1:8000")
    await sock.join("/")
    sock.on("bot_uttered", lambda ns, data: print(data["text"]))
    ack = await sock.call("user_uttered", {"message": "hi"})
    await sock.close()
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

Handler = Callable[[str, Any], None]
_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_loads = json.loads


class SioError(RuntimeError):
    """The server refused a namespace connection, or the socket went away."""


class SioClient:
    """One websocket; handlers are plain callables ``(namespace, payload)``, run inline."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.eio_sid = ""
        self.sids: dict[str, str] = {}
        self._handlers: dict[str, Handler] = {}
        self._any: Handler | None = None
        self._acks: dict[int, asyncio.Future[Any]] = {}
        self._ack_ids = itertools.count(1)
        self._joining: dict[str, asyncio.Future[Any]] = {}
        self._opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed = asyncio.Event()
        self.received = 0
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        compression: str | None = "deflate",
        origin: str | None = None,
        timeout: float = 15.0,
    ) -> SioClient:
        ws_url = url.replace("http://", "ws://", 1).rstrip("/")
        ws_url += "/socket.io/?EIO=4&transport=websocket"
        ws = await connect(
            ws_url,
            compression=compression,
            origin=origin,  # type: ignore[arg-type]
            open_timeout=timeout,
            ping_interval=None,  # Engine.IO has its own heartbeat (server pings, we answer)
            max_queue=None,
            proxy=None,
            user_agent_header=None,
        )
        client = cls(ws)
        await asyncio.wait_for(asyncio.shield(client._opened), timeout)
        return client

    def on(self, event: str, handler: Handler) -> None:
        self._handlers[event] = handler

    def on_any(self, handler: Handler) -> None:
        """Called as ``handler(namespace, [event, *args])`` for events without a handler."""
        self._any = handler

    async def join(self, namespace: str = "/", auth: Any = None, timeout: float = 15.0) -> str:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._joining[namespace] = future
        prefix = "" if namespace == "/" else namespace + ","
        await self.ws.send("40" + prefix + (_dumps(auth) if auth is not None else ""))
        result = await asyncio.wait_for(future, timeout)
        self.sids[namespace] = result
        return str(result)

    async def emit(self, event: str, data: Any, namespace: str = "/") -> None:
        prefix = "" if namespace == "/" else namespace + ","
        await self.ws.send("42" + prefix + _dumps([event, data]))

    def call_nowait(self, event: str, data: Any, namespace: str = "/") -> asyncio.Future[Any]:
        """Send with an ack id; the future resolves with the ack's first argument."""
        ack_id = next(self._ack_ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._acks[ack_id] = future
        prefix = "" if namespace == "/" else namespace + ","
        sending = asyncio.ensure_future(
            self.ws.send("42" + prefix + str(ack_id) + _dumps([event, data]))
        )

        def sent(task: asyncio.Future[None]) -> None:
            if task.cancelled() or task.exception() is None:
                return
            self._acks.pop(ack_id, None)
            if not future.done():
                future.set_exception(SioError(f"send failed: {task.exception()!r}"))

        sending.add_done_callback(sent)
        return future

    async def call(self, event: str, data: Any, namespace: str = "/", timeout: float = 15.0) -> Any:
        return await asyncio.wait_for(self.call_nowait(event, data, namespace), timeout)

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self.ws.close(), 5)
        except (TimeoutError, ConnectionClosed, OSError):
            pass
        self._reader.cancel()
        await asyncio.gather(self._reader, return_exceptions=True)

    # -- reading ------------------------------------------------------------------------------
    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                if isinstance(raw, bytes):
                    continue
                self._packet(raw)
        except ConnectionClosed:
            pass
        finally:
            self.closed.set()
            error = SioError("connection closed")
            for future in [*self._acks.values(), *self._joining.values(), self._opened]:
                if not future.done():
                    future.set_exception(error)
                    future.exception()  # mark retrieved: nobody may be waiting any more
            self._acks.clear()

    def _packet(self, raw: str) -> None:
        kind = raw[:1]
        if kind == "2":  # server ping
            asyncio.ensure_future(self._pong())
            return
        if kind == "0":
            self.eio_sid = _loads(raw[1:])["sid"]
            if not self._opened.done():
                self._opened.set_result(None)
            return
        if kind != "4":
            return
        self.received += 1
        sio_type, rest = raw[1:2], raw[2:]
        namespace = "/"
        if rest.startswith("/"):
            namespace, _, rest = rest.partition(",")
        digits = 0
        while digits < len(rest) and rest[digits].isdigit():
            digits += 1
        ack_id = int(rest[:digits]) if digits else None
        body = rest[digits:]
        if sio_type == "2":  # event
            args = _loads(body)
            handler = self._handlers.get(args[0])
            if handler is not None:
                handler(namespace, args[1] if len(args) > 1 else None)
            elif self._any is not None:
                self._any(namespace, args)
        elif sio_type == "3":  # ack
            future = self._acks.pop(ack_id or 0, None)
            if future is not None and not future.done():
                args = _loads(body)
                future.set_result(args[0] if args else None)
        elif sio_type == "0":  # namespace connected
            joining = self._joining.pop(namespace, None)
            if joining is not None and not joining.done():
                joining.set_result(_loads(body).get("sid", "") if body else "")
        elif sio_type == "4":  # namespace refused
            joining = self._joining.pop(namespace, None)
            if joining is not None and not joining.done():
                joining.set_exception(SioError(f"refused: {body}"))

    async def _pong(self) -> None:
        try:
            await self.ws.send("3")
        except ConnectionClosed:
            pass
