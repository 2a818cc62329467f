"""The bridge to the bot: order, the in-flight answer dropped after handoff, a bot that fails."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.handoff_server import HandoffServer
from tests.support.ports import free_port
from tests.support.rasa_stub import RasaStub

pytestmark = pytest.mark.asyncio


async def test_messages_reach_the_bot_in_order(customer: Any, rasa: RasaStub) -> None:
    alice = await customer()
    # The first answer is slow; the others must still come after it, in order.
    acks = [await alice.say(text) for text in ("slow 0.5 one", "two", "three")]
    conversation_id = acks[0]["conversation_id"]
    await alice.wait_text("You said: three")
    assert rasa.messages_for(conversation_id) == ["slow 0.5 one", "two", "three"]
    bot = [t for t in alice.texts() if t.startswith("You said")]
    assert bot == ["You said: slow 0.5 one", "You said: two", "You said: three"]
    assert [a["seq"] for a in acks] == sorted(a["seq"] for a in acks)


async def test_buttons_and_metadata_reach_the_right_places(customer: Any, rasa: RasaStub) -> None:
    alice = await customer()
    ack = await alice.say("buttons please", metadata='{"page": "/checkout"}')
    reply = await alice.wait_text("What can I do?")
    assert reply["quick_replies"][1] == {
        "content_type": "text",
        "title": "Talk to a person",
        "payload": "/request_human",
    }
    call = next(c for c in rasa.calls if c.get("sender") == ack["conversation_id"])
    # The client's metadata, as sent (nothing added: metadata makes Rasa's turn slower); the
    # seq is in the message id.
    assert call["metadata"] == {"page": "/checkout"}
    assert call["message_id"] == f"{ack['conversation_id']}:{ack['seq']}"


async def test_bot_answer_in_flight_is_dropped_after_handoff(
    customer: Any, agent: Any, rasa: RasaStub
) -> None:
    ana = await agent()
    alice = await customer()
    ack = await alice.say("slow 1.0 what is my balance")
    conversation_id = ack["conversation_id"]
    # Wait until the bot is thinking, then ask for a person: the handoff overtakes the answer.
    for _ in range(200):
        if rasa.messages_for(conversation_id):
            break
        await asyncio.sleep(0.01)
    asked = await alice.call("tandem_request_agent", {})
    assert asked == {"ok": True, "conversation_id": conversation_id, "state": "queued"}
    claimed = await ana.call("claim", {"conversation_id": conversation_id})
    assert claimed["ok"]
    await asyncio.sleep(1.5)  # the slow answer has come back by now (and must have been dropped)
    detail = await ana.call("get_conversation", {"conversation_id": conversation_id})
    assert not any(m["text"].startswith("You said") for m in detail["messages"])
    assert not any(t.startswith("You said") for t in alice.texts())


async def test_empty_or_failing_bot_hands_to_people(customer: Any, agent: Any) -> None:
    ana = await agent()
    for text in ("empty answer please", "crash now"):
        alice = await customer()
        ack = await alice.say(text)
        told = await alice.wait_text("assistant is having trouble")
        assert told["metadata"]["tandem"]["author"] == "system"
        added = await ana.wait_for(
            "queue_added", lambda p, c=ack["conversation_id"]: p["item"]["conversation_id"] == c
        )
        assert added["item"]["reason"] == "bot_unavailable" and added["item"]["preview"] == text


async def test_slow_bot_times_out_and_hands_to_people(customer: Any, agent: Any) -> None:
    ana = await agent()
    alice = await customer()
    ack = await alice.say("slow 5 are you there")  # the test servers' bot timeout is 2 s
    await alice.wait_text("assistant is having trouble")
    state = await alice.wait_for("tandem_state")
    assert state["state"] == "queued" and state["reason"] == "bot_unavailable"
    added = await ana.wait_for("queue_added")
    assert added["item"]["conversation_id"] == ack["conversation_id"]


async def test_bot_down_hands_to_people(
    start_server: Callable[..., HandoffServer], customer: Any, agent: Any
) -> None:
    down = start_server(
        {"TANDEM_REDIS_PREFIX": "down:"}, rasa_url=f"http://127.0.0.1:{free_port()}"
    )
    ana = await agent(url=down.url, prefix="down:")
    alice = await customer(url=down.url)
    await alice.say("hello?")
    await alice.wait_text("assistant is having trouble")
    added = await ana.wait_for("queue_added")
    assert added["item"]["reason"] == "bot_unavailable"
    # Nothing the customer said is lost: the agent sees it.
    detail = await ana.call("claim", {"conversation_id": added["item"]["conversation_id"]})
    assert detail["messages"][0]["text"] == "hello?"
