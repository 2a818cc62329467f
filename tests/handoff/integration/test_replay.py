"""Nothing lost: dedup, replay after reconnect, tabs, and a replica dying mid-conversation."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.clients import Agent, Customer, login
from tests.support.handoff_server import HandoffServer
from tests.support.rasa_stub import RasaStub
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.asyncio


def assert_complete(entries: dict[int, dict[str, Any]], last: int) -> None:
    assert sorted(entries) == list(range(1, last + 1)), f"gap or extra in {sorted(entries)}"


async def test_resent_message_is_stored_once(customer: Any, rasa: RasaStub) -> None:
    alice = await customer()
    first = await alice.say("hello once", cmid="m-1")
    again = await alice.say("hello once", cmid="m-1")
    assert again == {**first, "duplicate": True}
    await alice.wait_text("You said: hello once")
    assert rasa.messages_for(first["conversation_id"]) == ["hello once"]


async def test_long_polling_customers_get_everything(customer: Any, agent: Any) -> None:
    """Where websockets are blocked, the widget falls back to long-polling: same conversation."""
    ana = await agent()
    alice = await customer(transports=("polling",))
    assert alice.sio.transport() == "polling"
    await alice.say("hello over polling")
    await alice.wait_text("You said: hello over polling")
    ack = await alice.say("human please")
    await ana.wait_for("queue_added")
    assert (await ana.call("claim", {"conversation_id": ack["conversation_id"]}))["ok"]
    await ana.call(
        "send_message",
        {"conversation_id": ack["conversation_id"], "text": "Hi from Ana", "client_msg_id": "p1"},
    )
    await alice.wait_text("Hi from Ana")
    await alice.say("thanks")
    await ana.wait_for("conversation_message", lambda p: p["entry"]["text"] == "thanks")
    seen = max(alice.transcript())
    await alice.close()
    await ana.call(
        "send_message",
        {"conversation_id": ack["conversation_id"], "text": "still there?", "client_msg_id": "p2"},
    )
    back = await customer(session_id=alice.session_id, last_seq=seen, transports=("polling",))
    replay = await back.wait_for("tandem_transcript")
    assert [m["text"] for m in replay["messages"]] == ["still there?"]
    assert_complete({**alice.transcript(), **back.transcript()}, replay["last_seq"])


async def test_reconnect_replays_everything_after_last_seq(customer: Any, agent: Any) -> None:
    ana = await agent()
    alice = await customer()
    ack = await alice.say("human please")
    conversation_id = ack["conversation_id"]
    await ana.wait_for("queue_added")
    await ana.call("claim", {"conversation_id": conversation_id})
    await ana.call(
        "send_message", {"conversation_id": conversation_id, "text": "first", "client_msg_id": "x1"}
    )
    await alice.wait_text("first")
    seen = max(alice.transcript())
    await alice.close()

    # While the customer is away (a reload), the agent keeps writing.
    for i in range(5):
        await ana.call(
            "send_message",
            {
                "conversation_id": conversation_id,
                "text": f"while away {i}",
                "client_msg_id": f"y{i}",
            },
        )

    back = await customer(session_id=alice.session_id, last_seq=seen)
    assert back.session_id == alice.session_id  # the session survives the reload
    transcript = await back.wait_for("tandem_transcript")
    assert transcript["after_seq"] == seen
    assert [m["text"] for m in transcript["messages"]] == [f"while away {i}" for i in range(5)]
    merged = {**alice.transcript(), **back.transcript()}
    assert_complete(merged, transcript["last_seq"])
    # The reconnected customer is told the conversation is with Ana, and keeps talking to her.
    assert (await back.wait_for("tandem_state"))["agent_name"] == ana.username.title()
    await back.say("I'm back")
    await ana.wait_for("conversation_message", lambda p: p["entry"]["text"] == "I'm back")

    # A fresh tab (no local history) gets the whole transcript from seq 0.
    fresh = await customer(session_id=alice.session_id, last_seq=0)
    whole = await fresh.wait_for("tandem_transcript")
    assert_complete({m["seq"]: m for m in whole["messages"]}, whole["last_seq"])
    assert whole["messages"][0]["text"] == "human please"


async def test_tabs_of_one_session_share_the_conversation(customer: Any) -> None:
    tab1 = await customer()
    tab2 = await customer(session_id=tab1.session_id)
    ack = await tab1.say("from tab one")
    echoed = await tab2.wait_for("tandem_message")
    assert echoed["entry"]["text"] == "from tab one" and echoed["entry"]["seq"] == ack["seq"]
    await tab2.wait_text("You said: from tab one")
    await tab1.wait_text("You said: from tab one")
    assert tab1.rec.of("tandem_message") == []  # the sender has its ack, not an echo


async def test_asking_twice_before_the_answer_gives_one_session(
    service: HandoffServer, clients: list[Any]
) -> None:
    # A widget opened while Redis was down asks again on tandem_resync while its retry is on
    # the way; with two sessions minted, its message went out under the first while the socket
    # held the second, and was refused as another session's (CI's flaky browser fault test).
    raw = Customer(service.url)
    clients.append(raw)
    await raw.sio.connect(service.url, transports=["websocket"])
    await raw.sio.emit("session_request", {"session_id": None, "last_seq": 0})
    await raw.sio.emit("session_request", {"session_id": None, "last_seq": 0})
    await raw.wait_for("tandem_session", lambda _: len(raw.rec.of("tandem_session")) == 2)
    first, second = raw.rec.of("session_confirm")
    assert first == second
    raw.session_id = first
    ack = await raw.say("typed while the widget asked twice")
    assert ack["ok"], ack


async def test_a_replica_dies_and_nothing_is_lost(
    redis_server: RedisServer, clean_redis: RedisServer, rasa: RasaStub, logs: Path
) -> None:
    env = {"TANDEM_RASA_TIMEOUT": "2", "TANDEM_REDIS_PREFIX": "kill:", "TANDEM_PRESENCE_TTL": "3"}
    first = HandoffServer(
        redis_url=redis_server.url, rasa_url=rasa.url, log_dir=logs, env=env
    ).start()
    second = HandoffServer(
        redis_url=redis_server.url, rasa_url=rasa.url, log_dir=logs, env=env
    ).start()
    from tests.support.accounts import create_agent

    opened: list[Customer | Agent] = []
    try:
        username, password = await create_agent(redis_server.url, prefix="kill:", name="Kim")
        kim = Agent(second.url, await login(second.url, username, password))
        opened.append(await kim.connect())
        # The customer talks through the first replica, the agent through the second.
        alice = Customer(first.url)
        opened.append(alice)
        await alice.connect()
        ack = await alice.say("human please")
        conversation_id = ack["conversation_id"]
        await kim.wait_for("queue_added")
        assert (await kim.call("claim", {"conversation_id": conversation_id}))["ok"]
        await kim.call(
            "send_message",
            {"conversation_id": conversation_id, "text": "hello from Kim", "client_msg_id": "k0"},
        )
        await alice.wait_text("hello from Kim")
        await alice.say("cross-replica works")
        await kim.wait_for(
            "conversation_message", lambda p: p["entry"]["text"] == "cross-replica works"
        )
        seen = max(alice.transcript())

        first.kill()  # no goodbye, no clean-up
        for i in range(3):
            sent = await kim.call(
                "send_message",
                {
                    "conversation_id": conversation_id,
                    "text": f"after the crash {i}",
                    "client_msg_id": f"k{i + 1}",
                },
            )
            assert sent["ok"]

        # The customer's widget reconnects (the load balancer now sends it to the second replica).
        again = Customer(second.url)
        opened.append(again)
        await again.connect(session_id=alice.session_id, last_seq=seen)
        replay = await again.wait_for("tandem_transcript")
        assert [m["text"] for m in replay["messages"]] == [f"after the crash {i}" for i in range(3)]
        merged = {**alice.transcript(), **again.transcript()}
        assert sorted(merged) == list(range(1, replay["last_seq"] + 1))
        await again.say("still here")
        await kim.wait_for("conversation_message", lambda p: p["entry"]["text"] == "still here")
    finally:
        for client in opened:
            try:
                await client.close()
            except Exception:  # noqa: BLE001 - the first replica is dead on purpose
                pass
        first.stop()
        second.stop()


async def test_bot_conversation_survives_a_replica_crash(
    redis_server: RedisServer,
    clean_redis: RedisServer,
    rasa: RasaStub,
    logs: Path,
    start_server: Callable[..., HandoffServer],
) -> None:
    env = {"TANDEM_RASA_TIMEOUT": "2", "TANDEM_REDIS_PREFIX": "crash:"}
    doomed = HandoffServer(
        redis_url=redis_server.url, rasa_url=rasa.url, log_dir=logs, env=env
    ).start()
    survivor = start_server(env)
    alice = Customer(doomed.url)
    try:
        await alice.connect()
        ack = await alice.say("slow 1.5 tell me about returns")
        doomed.kill()  # dies while the bot is thinking: message stored, answer never sent
        again = Customer(survivor.url)
        await again.connect(session_id=alice.session_id, last_seq=ack["seq"])
        # The survivor resumes from the stored message once the dead replica's lease runs out.
        await again.wait_text("You said: slow 1.5 tell me about returns", timeout=20)
        await again.close()
    finally:
        doomed.stop()
