"""The body ceiling as ASGI: what the app is handed, and when it is never called.

The messages are the ones an ASGI server sends; the real server is in
tests/handoff/integration/test_http_limits.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from handoff.edges.body_limit import BodyLimit, declared_length

LIMIT = 1024


class Exchange:
    """One request's messages in, the response's messages out."""

    def __init__(self, *messages: dict[str, Any]) -> None:
        self.incoming = list(messages)
        self.sent: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        return self.incoming.pop(0)

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

    @property
    def status(self) -> int:
        return int(self.sent[0]["status"])


class EchoLength:
    """An app that reads its whole body, as Sanic does, and answers its length."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.calls += 1
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(len(body)).encode()})


def http(*headers: tuple[bytes, bytes]) -> dict[str, Any]:
    return {"type": "http", "method": "POST", "path": "/api/login", "headers": list(headers)}


def part(body: bytes, more: bool) -> dict[str, Any]:
    return {"type": "http.request", "body": body, "more_body": more}


@pytest.mark.asyncio
async def test_a_declared_length_over_the_limit_never_reaches_the_app() -> None:
    app = EchoLength()
    exchange = Exchange()  # nothing to receive: the body is never read
    await BodyLimit(app, max_bytes=LIMIT)(
        http((b"content-length", str(LIMIT + 1).encode())), exchange.receive, exchange.send
    )
    assert app.calls == 0 and exchange.status == 413
    headers = dict(exchange.sent[0]["headers"])
    assert headers[b"connection"] == b"close"
    assert headers[b"content-type"] == b"application/json"
    body = json.loads(exchange.sent[1]["body"])
    assert body["error"]["code"] == "too_long"


@pytest.mark.asyncio
async def test_a_declared_length_within_the_limit_streams_through() -> None:
    app = EchoLength()
    exchange = Exchange(part(b"a" * 600, True), part(b"b" * 424, False))
    await BodyLimit(app, max_bytes=LIMIT)(
        http((b"content-length", str(LIMIT).encode())), exchange.receive, exchange.send
    )
    assert exchange.status == 200 and exchange.sent[1]["body"] == str(LIMIT).encode()


@pytest.mark.asyncio
async def test_a_chunked_body_is_cut_off_when_it_passes_the_limit() -> None:
    app = EchoLength()
    pieces = [part(b"x" * 400, True) for _ in range(10)]
    exchange = Exchange(*pieces)
    await BodyLimit(app, max_bytes=LIMIT)(http(), exchange.receive, exchange.send)
    assert app.calls == 0 and exchange.status == 413
    assert len(exchange.incoming) == 7  # read three pieces (1,200 bytes), not one more


@pytest.mark.asyncio
async def test_a_chunked_body_within_the_limit_is_handed_over_whole() -> None:
    app = EchoLength()
    exchange = Exchange(part(b"x" * 500, True), part(b"y" * 500, True), part(b"", False))
    await BodyLimit(app, max_bytes=LIMIT)(http(), exchange.receive, exchange.send)
    assert exchange.status == 200 and exchange.sent[1]["body"] == b"1000"


@pytest.mark.asyncio
async def test_a_client_that_leaves_mid_body_is_not_answered() -> None:
    app = EchoLength()
    exchange = Exchange(part(b"x" * 100, True), {"type": "http.disconnect"})
    await BodyLimit(app, max_bytes=LIMIT)(http(), exchange.receive, exchange.send)
    assert app.calls == 0 and exchange.sent == []


@pytest.mark.asyncio
async def test_other_scopes_pass_untouched() -> None:
    seen: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["type"])

    exchange = Exchange()
    for kind in ("websocket", "lifespan"):
        await BodyLimit(app, max_bytes=LIMIT)({"type": kind}, exchange.receive, exchange.send)
    assert seen == ["websocket", "lifespan"]


def test_declared_length() -> None:
    assert declared_length([(b"Content-Length", b"12")]) == 12
    assert declared_length([(b"content-type", b"text/plain")]) is None
    assert declared_length([(b"content-length", b"nonsense")]) is None
    assert declared_length([(b"content-length", b"5"), (b"content-length", b"9000")]) == 9000
