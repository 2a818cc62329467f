"""HTTP bodies over TANDEM_MAX_PAYLOAD_BYTES are refused at the edge, before they are read.

The requests are written on raw sockets, so the test controls exactly what has been sent when
the answer comes: a 413 that arrives while most of a declared body is still unsent proves the
service did not wait to read it.
"""

from __future__ import annotations

import json
import select
import socket
from typing import Any

import httpx
import pytest

from tests.support.handoff_server import HandoffServer

pytestmark = pytest.mark.asyncio

LIMIT = 65536  # the default TANDEM_MAX_PAYLOAD_BYTES of the test servers
PATIENCE = 10.0  # seconds a socket waits for an answer before the test fails


class RawHttp:
    """One HTTP/1.1 request written by hand on a socket, and the answer read back."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=PATIENCE)

    def send(self, data: bytes) -> bool:
        """Write ``data`` unless the server has answered already; False once it has."""
        readable, _, _ = select.select([self.sock], [], [], 0)
        if readable:
            return False
        try:
            self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            return False
        return True

    def response(self) -> tuple[int, dict[str, str], bytes]:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.sock.recv(65536)
            assert chunk, f"the connection closed without an answer: {data!r}"
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = dict(line.lower().split(": ", 1) for line in lines[1:])
        while len(body) < int(headers.get("content-length", "0")):
            chunk = self.sock.recv(65536)
            assert chunk, "the connection closed in the middle of the answer"
            body += chunk
        self.sock.close()
        return int(lines[0].split()[1]), headers, body


def head(method: str, path: str, *extra: str) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *extra, "", ""]
    return "\r\n".join(lines).encode()


def chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def send_past_the_limit(raw: RawHttp, piece: bytes) -> None:
    """Chunks of ``piece`` to just past LIMIT, never finishing the body. While under the limit
    the service must still be listening; the 413 may come as soon as the first chunk over it
    arrives, so a refused send from there on is the expected race, not a failure."""
    for _ in range(LIMIT // len(piece)):
        assert raw.send(chunk(piece))
    for _ in range(2):
        raw.send(chunk(piece))


def assert_refused(answer: tuple[int, dict[str, str], bytes]) -> None:
    status, headers, body = answer
    assert status == 413, (status, body[:200])
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["error"]["code"] == "too_long"


def still_serves(service: HandoffServer) -> None:
    health = httpx.get(f"{service.url}/health", timeout=PATIENCE)
    assert health.status_code == 200
    login = httpx.post(
        f"{service.url}/api/login",
        json={"username": "nobody", "password": "x" * 10},
        timeout=PATIENCE,
    )
    assert login.status_code == 401  # an ordinary body still reaches the route


async def test_a_declared_length_over_the_limit_is_refused_before_the_body(
    service: HandoffServer,
) -> None:
    for path in ("/api/login", "/health", "/no/such/route"):
        raw = RawHttp(service.port)
        sent = raw.send(
            head(
                "POST",
                path,
                "Content-Type: application/json",
                f"Content-Length: {200 * 1024 * 1024}",
            )
        )
        assert sent
        # Not one byte of the 200 MB has been written: the answer cannot have waited for it.
        assert_refused(raw.response())
    still_serves(service)


async def test_a_chunked_body_is_refused_once_it_passes_the_limit(service: HandoffServer) -> None:
    raw = RawHttp(service.port)
    assert raw.send(head("POST", "/api/login", "Transfer-Encoding: chunked"))
    piece = b'{"username": "' + b"u" * 8180 + b'",'  # 8 KB pieces, a login that never ends
    send_past_the_limit(raw, piece)
    assert_refused(raw.response())
    still_serves(service)


async def test_a_large_chunked_stream_is_cut_off_and_the_service_carries_on(
    service: HandoffServer,
) -> None:
    """50 MB streamed as fast as the socket takes it: the service stops reading, never buffers."""
    raw = RawHttp(service.port)
    assert raw.send(head("POST", "/api/login", "Transfer-Encoding: chunked"))
    piece = chunk(b"x" * 65536)
    sent = 0
    while sent < 50 * 1024 * 1024 and raw.send(piece):
        sent += len(piece)
    assert sent < 50 * 1024 * 1024  # the service answered (or hung up) long before the end
    try:
        answer: Any = raw.response()
    except (ConnectionResetError, AssertionError):
        answer = None  # the 413 may be lost to the reset when unread bytes were still queued
    if answer is not None:
        assert_refused(answer)
    still_serves(service)


async def test_long_polling_bodies_are_bounded_too(service: HandoffServer) -> None:
    """Engine.IO's long-polling POSTs are HTTP bodies like any other."""
    async with httpx.AsyncClient(timeout=PATIENCE) as http:
        opened = await http.get(
            f"{service.url}/socket.io/", params={"EIO": "4", "transport": "polling"}
        )
        assert opened.status_code == 200
        sid = json.loads(opened.text[1:])["sid"]
    path = f"/socket.io/?EIO=4&transport=polling&sid={sid}"
    declared = RawHttp(service.port)
    assert declared.send(
        head("POST", path, "Content-Type: text/plain", f"Content-Length: {10 * LIMIT}")
    )
    assert_refused(declared.response())
    chunked = RawHttp(service.port)
    assert chunked.send(
        head("POST", path, "Content-Type: text/plain", "Transfer-Encoding: chunked")
    )
    piece = b"4" + b"x" * 8191
    send_past_the_limit(chunked, piece)
    assert_refused(chunked.response())
    still_serves(service)
