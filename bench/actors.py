"""Customers and agents on the fast client (``bench.sio``), and agent accounts for the benchmarks.

Example::

    customer = await Customer.open(service_url)
    ack = await customer.say("human please", "m-1")
    agent = await AgentConsole.open(service_url, token)
    await agent.call("claim", {"conversation_id": ack["conversation_id"]})
"""

from __future__ import annotations

import asyncio
import itertools
import os
from typing import Any

from bench.sio import Handler, SioClient, SioError

PASSWORD = "bench-password-not-secret"
_names = itertools.count(1)


class Customer:
    """A widget: one socket on ``/``, bound to a fresh session."""

    def __init__(self, client: SioClient) -> None:
        self.client = client
        self.session_id = ""
        self.conversation_id = ""
        self.retries = 0

    @classmethod
    async def open(
        cls, url: str, *, compression: str | None = "deflate", attempts: int = 3
    ) -> Customer:
        """Connect and bind a new session; a refused or failed try is retried (``retries``)."""
        for attempt in range(1, attempts + 1):
            try:
                customer = await cls._open(url, compression)
                customer.retries = attempt - 1
                return customer
            except (SioError, TimeoutError, OSError):
                if attempt == attempts:
                    raise
                await asyncio.sleep(0.2 * attempt)
        raise AssertionError("unreachable")

    @classmethod
    async def _open(cls, url: str, compression: str | None) -> Customer:
        client = await SioClient.open(url, compression=compression)
        customer = cls(client)
        try:
            await client.join("/")
            confirmed: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

            def on_session(_: str, info: Any) -> None:
                if not confirmed.done():
                    confirmed.set_result(info)

            def on_error(_: str, error: Any) -> None:
                if not confirmed.done() and error.get("event") == "session_request":
                    confirmed.set_exception(SioError(f"session_request refused: {error}"))

            client.on("tandem_session", on_session)
            client.on("tandem_error", on_error)
            await client.emit("session_request", {"session_id": None})
            info = await asyncio.wait_for(confirmed, 15)
        except BaseException:
            await client.close()
            raise
        customer.session_id = info["session_id"]
        customer.conversation_id = info.get("conversation_id") or ""
        return customer

    def on(self, event: str, handler: Handler) -> None:
        self.client.on(event, handler)

    async def say(self, text: str, cmid: str, timeout: float = 15.0) -> Any:
        ack = await self.client.call(
            "user_uttered", {"message": text, "client_msg_id": cmid}, timeout=timeout
        )
        if isinstance(ack, dict) and ack.get("conversation_id"):
            self.conversation_id = ack["conversation_id"]
        return ack

    async def close(self) -> None:
        await self.client.close()


class AgentConsole:
    """An agent console: one socket on ``/agent``, authenticated with a login token."""

    def __init__(self, client: SioClient) -> None:
        self.client = client

    @classmethod
    async def open(cls, url: str, token: str) -> AgentConsole:
        client = await SioClient.open(url)
        await client.join("/agent", auth={"token": token})
        return cls(client)

    def on(self, event: str, handler: Handler) -> None:
        self.client.on(event, handler)

    async def call(self, event: str, payload: Any, timeout: float = 15.0) -> Any:
        return await self.client.call(event, payload, namespace="/agent", timeout=timeout)

    def send_nowait(self, event: str, payload: Any) -> asyncio.Future[Any]:
        return self.client.call_nowait(event, payload, namespace="/agent")

    async def close(self) -> None:
        await self.client.close()


async def create_agents(redis_url: str, count: int, *, capacity: int = 50) -> list[str]:
    """``count`` enabled agents (English, no skills) with a cheap password hash; their usernames.

    The scrypt cost is lowered (as in the tests) because logins are not what is measured.
    """
    import redis.asyncio as aioredis

    from handoff.security.passwords import hash_password
    from handoff.store.agents import AgentStore
    from handoff.store.keys import Keys

    password_hash = hash_password(PASSWORD, n=2**10)
    redis = aioredis.Redis.from_url(redis_url, decode_responses=True)
    names = []
    try:
        store = AgentStore(redis, Keys("tandem:"))
        for _ in range(count):
            name = f"bench{os.getpid()}x{next(_names)}"
            await store.create(
                name,
                name=name.title(),
                password_hash=password_hash,
                languages=["en"],
                skills=[],
                capacity=capacity,
            )
            names.append(name)
    finally:
        await redis.aclose()
    return names


async def login(url: str, usernames: list[str]) -> list[str]:
    """Tokens from ``POST /api/login``, one per username."""
    import httpx

    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        tokens = []
        for name in usernames:
            response = await http.post("/api/login", json={"username": name, "password": PASSWORD})
            response.raise_for_status()
            tokens.append(response.json()["token"])
    return tokens
