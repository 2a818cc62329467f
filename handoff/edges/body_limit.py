"""The ceiling on HTTP request bodies, enforced at the ASGI edge before anything reads them.

Sanic's ``REQUEST_MAX_SIZE`` is a setting of Sanic's own server: under uvicorn (ASGI) Sanic
reads a body whole, whatever its size, so four 200 MB logins once held 2.3 GB. This middleware
sits in front of every HTTP route (Sanic's and Engine.IO's long-polling) and answers 413 with
the service's JSON error shape:

- a ``Content-Length`` over the limit is refused at once, without reading a byte of the body
  (the server frames the body by that length, so a smaller one cannot grow past it);
- a body without a length (``Transfer-Encoding: chunked``) is read here first, at most
  ``max_bytes`` of it, and refused the moment the received bytes pass the limit; under it, the
  app is handed the body it would have read anyway.

The refusal closes the connection (``Connection: close``), so uvicorn stops reading whatever the
client still sends instead of buffering it. WebSocket frames are bounded by uvicorn's
``ws_max_size``, and lifespan events pass through untouched.

Example::

    app = BodyLimit(asgi_app, max_bytes=settings.max_payload_bytes)
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from handoff.edges.http_api import error_body
from handoff.protocol.errors import ErrorCode

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyLimit:
    """ASGI middleware: HTTP bodies over ``max_bytes`` get 413 before the app sees them."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = declared_length(scope.get("headers", []))
        if declared is not None:
            if declared > self.max_bytes:
                await self.refuse(send)
            else:
                await self.app(scope, receive, send)
            return
        body = await self.read_bounded(receive)
        if body is None:
            await self.refuse(send)
            return
        if not isinstance(body, bytes):  # the client went away before the end of its body
            return
        await self.app(scope, replay(body, receive), send)

    async def read_bounded(self, receive: Receive) -> bytes | Message | None:
        """The whole body if it fits; ``None`` as soon as it does not; or the disconnect."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return message
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def refuse(self, send: Send) -> None:
        body = json.dumps(
            error_body(
                ErrorCode.TOO_LONG, f"the request body is larger than {self.max_bytes} bytes"
            )
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"x-content-type-options", b"nosniff"),
                    # Stop reading the rest: without this the server would keep the
                    # connection and drain what the client is still sending.
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body, "more_body": False})


def declared_length(headers: Any) -> int | None:
    """The largest ``Content-Length`` given (the server refuses conflicting ones), or ``None``."""
    lengths = []
    for name, value in headers:
        if name.lower() == b"content-length":
            try:
                lengths.append(int(value))
            except ValueError:
                return None  # malformed: bounded by the chunked path's reading instead
    return max(lengths) if lengths else None


def replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the body already read, then whatever the server sends next."""
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive_again() -> Message:
        if pending:
            return pending.pop()
        return await receive()

    return receive_again
