"""The bot's request is on the wire before the customer's copy is encoded (``BotBridge.answering``).

A real ``BotClient`` (aiohttp, a pooled connection) against a plain HTTP server on a thread, so
the server sees the request whether or not the event loop runs: inside the block the test waits
for it *blocking*, with the loop stopped, so only what was written before the block counts.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

import handoff.services.bridge as bridge_module
from handoff.services.bot_client import BotClient
from handoff.services.bridge import BotBridge
from handoff.store.bot_lease import BotWork, TakenWork
from handoff.store.conversations import Committed
from tests.handoff.unit.services.fakes import Recorder

ANSWER = json.dumps({"messages": [{"text": "Hi!"}]}).encode()


class ThreadedBot:
    """Answers every ``POST`` at once on keep-alive connections; ``arrived`` is set per request."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.arrived = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        buffer = b""
        with conn:
            while True:
                while b"\r\n\r\n" not in buffer:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                head, buffer = buffer.split(b"\r\n\r\n", 1)
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                while len(buffer) < length:
                    buffer += conn.recv(65536)
                buffer = buffer[length:]
                self.arrived.set()
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                    + f"content-length: {len(ANSWER)}\r\n\r\n".encode()
                    + ANSWER
                )

    def close(self) -> None:
        self.listener.close()


class Commits:
    async def commit_bot_turn(self, conversation_id: str, **_: Any) -> Committed:
        return Committed(seqs=[2], ts=time.time())


class DoneLease:
    lease_ms = 17_000

    async def take(self, conversation_id: str, token: str, *, renew: bool) -> BotWork:
        return BotWork("done")


@pytest.fixture
def threaded_bot() -> Iterator[ThreadedBot]:
    server = ThreadedBot()
    yield server
    server.close()


def first_work() -> TakenWork:
    conversation = {"id": "c_1", "version": "1", "customer": "u_1", "state": "bot"}
    message = {"seq": "1", "author": "customer", "text": "hello"}
    return TakenWork("token", BotWork("work", conversation=conversation, message=message))


async def request_seen_inside_the_block(server: ThreadedBot) -> bool:
    bot = BotClient(server.url, token="", timeout=5)
    unused: Any = None
    bridge = BotBridge(
        lease=DoneLease(),  # type: ignore[arg-type]
        conversations=Commits(),  # type: ignore[arg-type]
        bot=bot,
        desk=unused,
        facts=unused,
        notify=Recorder(),  # type: ignore[arg-type]
        texts=unused,
        clock=time.time,
    )
    try:
        # A connection in the pool, as between a replica and Rasa after the first turn.
        await bot.send_message("c_0", "warm", message_id="c_0:1", metadata={})
        server.arrived.clear()
        async with bridge.answering("c_1", first_work()):
            # Blocking: while the loop stands still here, nothing more can be written.
            seen = server.arrived.wait(1.0)
        for _ in range(200):
            if not bridge._running:
                break
            await asyncio.sleep(0.01)
        return seen
    finally:
        await bridge.close()
        await bot.aclose()


@pytest.mark.asyncio
async def test_the_bots_request_is_written_before_the_block_runs(threaded_bot: ThreadedBot) -> None:
    assert await request_seen_inside_the_block(threaded_bot)


@pytest.mark.asyncio
async def test_one_trip_fewer_and_the_block_would_run_first(
    threaded_bot: ThreadedBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The counter-check: REQUEST_TRIPS is the fewest that put the request out first.
    monkeypatch.setattr(bridge_module, "REQUEST_TRIPS", bridge_module.REQUEST_TRIPS - 1)
    assert not await request_seen_inside_the_block(threaded_bot)
