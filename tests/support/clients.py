"""Real python-socketio clients for customers and agents, recording everything they receive.

``Customer.transcript`` applies what arrives the way a widget should (``docs/protocol.md``,
"Keeping a transcript"): entries keyed by seq, duplicates ignored, gaps visible.

Example::

    customer = Customer(server.url)
    await customer.connect()
    ack = await customer.say("hello")
    await customer.wait_for("bot_uttered", lambda p: "hello" in p["text"])
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from typing import Any

import httpx
import socketio

Predicate = Callable[[Any], bool]
_ids = itertools.count(1)


class Recorder:
    """Every event a client received, in order, and a way to wait for one."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []
        self._changed = asyncio.Event()

    async def handler(self, event: str, *args: Any) -> None:
        self.events.append((event, args[0] if len(args) == 1 else (args or None)))
        self._changed.set()

    def of(self, event: str) -> list[Any]:
        return [payload for name, payload in self.events if name == event]

    async def wait_for(
        self, event: str, predicate: Predicate | None = None, timeout: float = 10.0
    ) -> Any:
        """The first payload of ``event`` matching ``predicate`` (waiting for it if needed)."""
        check = predicate or (lambda _: True)

        async def find() -> Any:
            while True:
                for name, payload in list(self.events):
                    if name == event and check(payload):
                        return payload
                self._changed.clear()
                await self._changed.wait()

        try:
            return await asyncio.wait_for(find(), timeout)
        except TimeoutError:
            seen = [name for name, _ in self.events]
            raise AssertionError(f"no {event!r} matching the condition; received {seen}") from None


class Customer:
    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        self.url = url
        self.headers = headers or {}
        self.sio = socketio.AsyncClient(reconnection=False)
        self.rec = Recorder()
        self.sio.on("*", self.rec.handler)
        self.session_id = ""
        self.acks: list[dict[str, Any]] = []
        self.sent: dict[int, dict[str, Any]] = {}  # own messages, known from their acks
        self.sio.on("tandem_resync", self._resync)

    async def _resync(self, payload: Any) -> None:
        """As the widget does on ``tandem_resync``: ask for what came after the last contiguous
        seq, on the same socket (``docs/protocol.md``)."""
        await self.rec.handler("tandem_resync", payload)
        await self.sio.emit(
            "session_request", {"session_id": self.session_id, "last_seq": self.contiguous()}
        )

    async def connect(
        self,
        session_id: str | None = None,
        last_seq: int | None = None,
        transports: tuple[str, ...] = ("websocket",),
    ) -> str:
        """Connect and ask for a session; ``transports=("polling",)`` for HTTP long-polling."""
        await self.sio.connect(
            self.url, transports=list(transports), headers=self.headers, wait_timeout=10
        )
        request: dict[str, Any] = {"session_id": session_id}
        if last_seq is not None:
            request["last_seq"] = last_seq
        before = len(self.rec.of("session_confirm"))
        await self.sio.emit("session_request", request)
        await self.rec.wait_for(
            "tandem_session", lambda _: len(self.rec.of("session_confirm")) > before
        )
        self.session_id = self.rec.of("session_confirm")[-1]
        return self.session_id

    async def say(self, text: str, cmid: str | None = None, **extra: Any) -> dict[str, Any]:
        payload = {"message": text, "session_id": self.session_id, **extra}
        if cmid is not False:
            payload["client_msg_id"] = cmid or f"c{next(_ids)}"
        ack: dict[str, Any] = await self.sio.call("user_uttered", payload, timeout=10)
        self.acks.append(ack)
        if ack.get("ok"):
            self.sent[ack["seq"]] = {"seq": ack["seq"], "author": "customer", "text": text}
        return ack

    async def call(self, event: str, payload: Any = None) -> Any:
        return await self.sio.call(event, payload, timeout=10)

    async def wait_for(
        self, event: str, predicate: Predicate | None = None, timeout: float = 10.0
    ) -> Any:
        return await self.rec.wait_for(event, predicate, timeout)

    async def wait_text(self, fragment: str, timeout: float = 10.0) -> dict[str, Any]:
        payload: dict[str, Any] = await self.wait_for(
            "bot_uttered", lambda p: fragment in p["text"], timeout
        )
        return payload

    def texts(self) -> list[str]:
        return [p["text"] for p in self.rec.of("bot_uttered")]

    def transcript(self) -> dict[int, dict[str, Any]]:
        """seq -> entry, from everything received, the way a widget keeps it."""
        entries: dict[int, dict[str, Any]] = dict(self.sent)
        for name, payload in self.rec.events:
            if name == "bot_uttered":
                meta = payload["metadata"]["tandem"]
                entries.setdefault(
                    meta["seq"],
                    {"seq": meta["seq"], "author": meta["author"], "text": payload["text"]},
                )
            elif name == "tandem_message":
                entry = payload["entry"]
                entries.setdefault(entry["seq"], entry)
            elif name == "tandem_transcript":
                for entry in payload["messages"]:
                    entries.setdefault(entry["seq"], entry)
        return entries

    def contiguous(self) -> int:
        """The highest seq up to which this client has every entry."""
        return contiguous(self.transcript())

    async def close(self) -> None:
        if self.sio.connected:
            try:
                await asyncio.wait_for(self.sio.disconnect(), 3)
            except TimeoutError:
                pass


def contiguous(entries: dict[int, Any]) -> int:
    seq = 0
    while seq + 1 in entries:
        seq += 1
    return seq


async def login(url: str, username: str, password: str) -> str:
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{url}/api/login", json={"username": username, "password": password}
        )
    response.raise_for_status()
    token: str = response.json()["token"]
    return token


class Agent:
    def __init__(self, url: str, token: str, headers: dict[str, str] | None = None) -> None:
        self.url = url
        self.token = token
        self.headers = headers or {}
        self.sio = socketio.AsyncClient(reconnection=False)
        self.rec = Recorder()
        self.sio.on("*", self.rec.handler, namespace="/agent")
        self.sio.on("tandem_resync", self._resync, namespace="/agent")
        self.followed: set[str] = set()  # conversations synced on tandem_resync, as a console
        self.synced: dict[str, dict[int, dict[str, Any]]] = {}

    def follow(self, conversation_id: str) -> None:
        self.followed.add(conversation_id)

    def transcript(self, conversation_id: str) -> dict[int, dict[str, Any]]:
        """seq -> entry of one conversation, from live events and syncs (as a console keeps it)."""
        entries = dict(self.synced.get(conversation_id, {}))
        for payload in self.rec.of("conversation_message"):
            if payload["conversation_id"] == conversation_id:
                entries.setdefault(payload["entry"]["seq"], payload["entry"])
        return entries

    async def sync(self, conversation_id: str) -> None:
        """``get_conversation`` after the last contiguous seq, as a console does on reconnect."""
        after = contiguous(self.transcript(conversation_id))
        detail = await self.call(
            "get_conversation", {"conversation_id": conversation_id, "after_seq": after}
        )
        if detail.get("ok"):
            known = self.synced.setdefault(conversation_id, {})
            for entry in detail["messages"]:
                known.setdefault(entry["seq"], entry)

    async def _resync(self, payload: Any) -> None:
        await self.rec.handler("tandem_resync", payload)
        for conversation_id in list(self.followed):
            await self.sync(conversation_id)

    async def connect(self) -> Agent:
        await self.sio.connect(
            self.url,
            namespaces=["/agent"],
            transports=["websocket"],
            auth={"token": self.token},
            headers=self.headers,
            wait_timeout=10,
        )
        return self

    async def call(self, event: str, payload: Any = None) -> Any:
        return await self.sio.call(
            event, payload if payload is not None else {}, namespace="/agent", timeout=15
        )

    async def wait_for(
        self, event: str, predicate: Predicate | None = None, timeout: float = 10.0
    ) -> Any:
        return await self.rec.wait_for(event, predicate, timeout)

    async def close(self) -> None:
        if self.sio.connected:
            try:
                await asyncio.wait_for(self.sio.disconnect(), 3)
            except TimeoutError:
                pass
