"""Floods, against two real replicas on one Redis: every limit holds across them.

Customers come from 127.0.0.1; where a test needs several client addresses, the servers trust
127.0.0.1 as a proxy and the clients send X-Forwarded-For.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import socketio

from tests.handoff.conftest import BASE_ENV
from tests.support.accounts import create_agent
from tests.support.clients import Agent, Customer, login
from tests.support.handoff_server import HandoffServer
from tests.support.rasa_stub import RasaStub
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.asyncio
BEHIND_PROXY = {"TANDEM_TRUSTED_PROXIES": "127.0.0.1/32"}
PEOPLE = ("queued", "offline")  # the states of a conversation handed to people


def replicas(
    start: Callable[..., HandoffServer], **env: str
) -> tuple[HandoffServer, HandoffServer]:
    return start(env), start(env)


def from_address(url: str, address: str, clients: list[Any]) -> Customer:
    client = Customer(url, headers={"X-Forwarded-For": address})
    clients.append(client)
    return client


async def ask_for_session(client: Customer, session_id: str | None = None) -> Any:
    """Connect and send session_request; its ack is None when a session was given."""
    if not client.sio.connected:
        await client.sio.connect(
            client.url, transports=["websocket"], headers=client.headers, wait_timeout=10
        )
    return await client.sio.call("session_request", {"session_id": session_id}, timeout=10)


async def test_a_sessions_message_limit_holds_across_replicas(
    start_server: Callable[..., HandoffServer], clients: list[Any]
) -> None:
    a, b = replicas(
        start_server,
        TANDEM_REDIS_PREFIX="flood1:",
        TANDEM_RATE_BURST="3",
        TANDEM_RATE_PER_MINUTE="1",
    )
    alice = Customer(a.url)
    clients.append(alice)
    await alice.connect()
    assert [(await alice.say(f"m{i}", cmid=f"m{i}"))["ok"] for i in range(3)] == [True] * 3
    tab = Customer(b.url)  # the same session, through the other replica
    clients.append(tab)
    await tab.connect(session_id=alice.session_id)
    refused = await tab.say("one too many")
    assert refused["error"]["code"] == "rate_limited"
    assert 0 < refused["error"]["details"]["retry_after_s"] <= 60
    # A resend of a stored message is still answered: a duplicate costs nothing.
    again = await tab.say("m0", cmid="m0")
    assert again["ok"] and again["duplicate"] is True


async def test_new_sessions_are_limited_per_address_across_replicas(
    start_server: Callable[..., HandoffServer], clients: list[Any]
) -> None:
    a, b = replicas(
        start_server,
        TANDEM_REDIS_PREFIX="flood2:",
        TANDEM_SESSION_BURST="3",
        TANDEM_SESSIONS_PER_MINUTE="0.1",
        **BEHIND_PROXY,
    )
    granted = []
    for url in (a.url, b.url, a.url):
        client = from_address(url, "203.0.113.9", clients)
        assert await ask_for_session(client) is None
        granted.append(await client.wait_for("session_confirm"))
    flood = from_address(b.url, "203.0.113.9", clients)
    refused = await ask_for_session(flood)
    assert refused["error"]["code"] == "rate_limited"
    assert refused["error"]["details"]["retry_after_s"] > 0
    # Coming back with a session it has costs nothing; other addresses are not affected.
    assert await ask_for_session(flood, granted[0]) is None
    assert await flood.wait_for("session_confirm") == granted[0]
    other = from_address(b.url, "198.51.100.2", clients)
    assert await ask_for_session(other) is None


async def test_forwarded_for_counts_only_from_a_trusted_proxy(
    start_server: Callable[..., HandoffServer], clients: list[Any]
) -> None:
    direct = start_server(
        {
            "TANDEM_REDIS_PREFIX": "flood3:",
            "TANDEM_SESSION_BURST": "2",
            "TANDEM_SESSIONS_PER_MINUTE": "0.1",
        }
    )
    answers = [
        await ask_for_session(from_address(direct.url, f"203.0.113.{i}", clients)) for i in range(3)
    ]
    # 127.0.0.1 is no trusted proxy here: the forged header is ignored, all three are one client.
    assert answers[:2] == [None, None]
    assert answers[2]["error"]["code"] == "rate_limited"


async def test_requests_for_a_person_are_limited_per_address(
    start_server: Callable[..., HandoffServer], clients: list[Any]
) -> None:
    a, b = replicas(
        start_server,
        TANDEM_REDIS_PREFIX="flood4:",
        TANDEM_HANDOFF_BURST="2",
        TANDEM_HANDOFFS_PER_MINUTE="0.1",
        **BEHIND_PROXY,
    )
    acks = []
    for url in (a.url, b.url, a.url):
        client = from_address(url, "203.0.113.9", clients)
        await client.connect()
        acks.append(await client.call("tandem_request_agent", {}))
    assert [ack["ok"] for ack in acks] == [True, True, False]
    assert acks[2]["error"]["code"] == "rate_limited"
    neighbour = from_address(b.url, "198.51.100.2", clients)
    await neighbour.connect()
    assert (await neighbour.call("tandem_request_agent", {}))["ok"]


async def test_sockets_per_address_are_capped_across_replicas(
    start_server: Callable[..., HandoffServer], clients: list[Any]
) -> None:
    a, b = replicas(
        start_server, TANDEM_REDIS_PREFIX="flood5:", TANDEM_SOCKETS_PER_ADDRESS="2", **BEHIND_PROXY
    )
    first = from_address(a.url, "203.0.113.9", clients)
    await first.connect()
    second = from_address(b.url, "203.0.113.9", clients)
    await second.connect()
    third = from_address(a.url, "203.0.113.9", clients)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await third.connect()
    elsewhere = from_address(a.url, "198.51.100.2", clients)
    await elsewhere.connect()
    # A socket that closes frees its place (once its replica has seen it go).
    await second.close()
    for _ in range(50):
        retry = from_address(b.url, "203.0.113.9", clients)
        try:
            await retry.connect()
            break
        except socketio.exceptions.ConnectionError:
            await asyncio.sleep(0.1)
    else:
        raise AssertionError("the closed socket's place never came free")


async def test_agent_consoles_are_capped_per_address_apart_from_customers(
    start_server: Callable[..., HandoffServer],
    clients: list[Any],
    redis_server: RedisServer,
) -> None:
    prefix = "flood8:"
    a, b = replicas(
        start_server,
        TANDEM_REDIS_PREFIX=prefix,
        TANDEM_SOCKETS_PER_ADDRESS="1",
        TANDEM_AGENT_SOCKETS_PER_ADDRESS="2",
        **BEHIND_PROXY,
    )
    username, password = await create_agent(redis_server.url, prefix=prefix)
    token = await login(a.url, username, password)

    def console(url: str, address: str) -> Agent:
        client = Agent(url, token, headers={"X-Forwarded-For": address})
        clients.append(client)
        return client

    await console(a.url, "203.0.113.9").connect()
    second = await console(b.url, "203.0.113.9").connect()
    with pytest.raises(socketio.exceptions.ConnectionError):
        await console(a.url, "203.0.113.9").connect()
    # Consoles take no customer's place (the customers' cap here is 1), and other offices are
    # not affected.
    await from_address(b.url, "203.0.113.9", clients).connect()
    await console(b.url, "198.51.100.2").connect()
    # A console that closes frees its place (once its replica has seen it go).
    await second.sio.disconnect()
    for _ in range(50):
        try:
            await console(a.url, "203.0.113.9").connect()
            break
        except socketio.exceptions.ConnectionError:
            await asyncio.sleep(0.1)
    else:
        raise AssertionError("the closed console's place never came free")


async def test_messages_that_fail_in_an_outage_spend_no_tokens(
    rasa: RasaStub, tmp_path: Path, clients: list[Any]
) -> None:
    redis = RedisServer(tmp_path / "redis").start()
    server = HandoffServer(
        redis_url=redis.url,
        rasa_url=rasa.url,
        log_dir=tmp_path,
        env={**BASE_ENV, "TANDEM_RATE_BURST": "3", "TANDEM_RATE_PER_MINUTE": "0.1"},
    ).start()
    try:
        alice = Customer(server.url)
        clients.append(alice)
        await alice.connect()
        redis.stop()
        failed = [await alice.say(f"during the outage {i}") for i in range(5)]
        assert {ack["error"]["code"] for ack in failed} == {"internal"}
        redis = RedisServer(tmp_path / "redis", port=redis.port).start()
        # The backlog drains: every token is still there.
        resent = [await alice.say(f"after it {i}") for i in range(3)]
        assert [ack["ok"] for ack in resent] == [True, True, True]
        assert (await alice.say("and now the limit"))["error"]["code"] == "rate_limited"
    finally:
        await alice.close()
        server.stop()
        redis.stop()


async def test_handoffs_the_bot_triggers_are_limited_per_address(
    start_server: Callable[..., HandoffServer], clients: list[Any]
) -> None:
    a, b = replicas(
        start_server,
        TANDEM_REDIS_PREFIX="flood6:",
        TANDEM_HANDOFF_BURST="2",
        TANDEM_HANDOFFS_PER_MINUTE="0.1",
        **BEHIND_PROXY,
    )
    # "human …" makes the stand-in bot hand over (reason "requested"), as a script would.
    for url in (a.url, b.url):
        client = from_address(url, "203.0.113.9", clients)
        await client.connect()
        assert (await client.say("human please"))["ok"]
        # Handed to people (offline: no agent is online here).
        assert (await client.wait_for("tandem_state"))["state"] in PEOPLE
    flood = from_address(a.url, "203.0.113.9", clients)
    await flood.connect()
    assert (await flood.say("human please"))["ok"]
    told = await flood.wait_for(
        "bot_uttered", lambda p: p["metadata"]["tandem"]["author"] == "system"
    )
    assert "many requests for a person from your network" in told["text"]
    assert told["metadata"]["tandem"]["event"] == "handoff_limited"
    # The conversation stays with the bot (it keeps answering), on either replica.
    again = from_address(b.url, "203.0.113.9", clients)
    await again.connect(session_id=flood.session_id)
    assert again.rec.of("tandem_session")[-1]["state"] == "bot"
    assert flood.rec.of("tandem_state") == []
    # A customer's own request for a person spends from the same bucket.
    assert (await flood.call("tandem_request_agent", {}))["error"]["code"] == "rate_limited"
    neighbour = from_address(b.url, "198.51.100.2", clients)
    await neighbour.connect()
    assert (await neighbour.say("human please"))["ok"]
    assert (await neighbour.wait_for("tandem_state"))["state"] in PEOPLE


async def test_messages_are_limited_per_address_over_all_its_sessions(
    start_server: Callable[..., HandoffServer], clients: list[Any]
) -> None:
    a, b = replicas(
        start_server,
        TANDEM_REDIS_PREFIX="flood7:",
        TANDEM_ADDRESS_MESSAGE_BURST="4",
        TANDEM_ADDRESS_MESSAGES_PER_SECOND="0.01",
        **BEHIND_PROXY,
    )
    sessions = []
    for url in (a.url, b.url):
        client = from_address(url, "203.0.113.9", clients)
        await client.connect()
        sessions.append(client)
    # Each session is far below its own limit (60 at once); the address as a whole is not.
    acks = [await sessions[i % 2].say(f"m{i}", cmid=f"m{i}") for i in range(5)]
    assert [ack["ok"] for ack in acks] == [True] * 4 + [False]
    assert acks[4]["error"]["code"] == "rate_limited"
    assert acks[4]["error"]["details"]["retry_after_s"] > 0
    # A fresh session from the same address is refused too; a resend still gets its answer.
    late = from_address(a.url, "203.0.113.9", clients)
    await late.connect()
    assert (await late.say("hello"))["error"]["code"] == "rate_limited"
    again = await sessions[0].say("m0", cmid="m0")
    assert again["ok"] and again["duplicate"] is True
    # Other addresses are not affected.
    neighbour = from_address(b.url, "198.51.100.2", clients)
    await neighbour.connect()
    assert (await neighbour.say("hello"))["ok"]
