"""While a customer waits for a person, the bot answers FAQ questions, and only those."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.support.rasa_stub import RasaStub

pytestmark = pytest.mark.asyncio


async def bot_received(rasa: RasaStub, conversation_id: str, text: str) -> dict[str, Any]:
    """The stand-in bot's request for ``text`` (waiting until it arrives)."""
    for _ in range(500):
        for call in list(rasa.calls):
            if call.get("sender") == conversation_id and call.get("message") == text:
                return call
        await asyncio.sleep(0.01)
    raise AssertionError(f"the bot never received {text!r}")


async def test_waiting_customer_gets_faq_answers_and_nothing_else(
    customer: Any, agent: Any, rasa: RasaStub
) -> None:
    ana = await agent(name="Ana")
    alice = await customer()
    ack = await alice.say("human please")
    conversation_id = ack["conversation_id"]
    await alice.wait_for("tandem_state", lambda p: p["state"] == "queued")

    await alice.say("faq shipping how long does it take?")
    answer = await alice.wait_text("About shipping")
    assert answer["metadata"]["tandem"]["author"] == "bot"
    # Anything else is the person's to read: the bot is asked in FAQ-only mode and says nothing.
    await alice.say("my parcel arrived broken")
    await alice.say("faq returns can I send it back?")
    await alice.wait_text("About returns")  # answers come in order: the message before had its turn
    bot_texts = [t for t in alice.texts() if t.startswith(("About", "You said"))]
    assert bot_texts == [
        "About shipping: here is what to know.",
        "About returns: here is what to know.",
    ]
    calls = [c for c in rasa.calls if c.get("sender") == conversation_id]
    assert [c["message"] for c in calls] == [
        "human please",
        "faq shipping how long does it take?",
        "my parcel arrived broken",
        "faq returns can I send it back?",
    ]
    assert [c.get("faq_only", False) for c in calls] == [False, True, True, True]
    state = await alice.call("tandem_request_agent", {})
    assert state["state"] == "queued"  # still waiting for a person

    # The person who claims it sees everything, with what the bot understood of each question.
    claimed = await ana.call("claim", {"conversation_id": conversation_id})
    assert claimed["ok"], claimed
    by_text = {m["text"]: m for m in claimed["messages"]}
    assert "my parcel arrived broken" in by_text
    shipping = by_text["About shipping: here is what to know."]
    asked = by_text["faq shipping how long does it take?"]
    assert shipping["author"] == "bot" and shipping["nlu"]["seq"] == asked["seq"]
    assert shipping["nlu"]["intent"] == "faq/shipping"

    # Once a person owns it, the bot hears nothing more, FAQ questions included.
    await alice.say("faq warranty is it covered?")
    await ana.wait_for(
        "conversation_message", lambda p: p["entry"]["text"] == "faq warranty is it covered?"
    )
    sent = await ana.call(
        "send_message",
        {"conversation_id": conversation_id, "text": "Hi, Ana here.", "client_msg_id": "a1"},
    )
    assert sent["ok"]
    await alice.wait_text("Hi, Ana here.")
    assert "faq warranty is it covered?" not in rasa.messages_for(conversation_id)
    assert not any(t.startswith("About warranty") for t in alice.texts())


async def test_faq_answer_in_flight_is_dropped_when_a_person_claims(
    customer: Any, agent: Any, rasa: RasaStub
) -> None:
    ana = await agent()
    alice = await customer()
    ack = await alice.say("human please")
    conversation_id = ack["conversation_id"]
    await ana.wait_for("queue_added", lambda p: p["item"]["conversation_id"] == conversation_id)
    await alice.say("slow 1.0 faq shipping how long?")
    await bot_received(rasa, conversation_id, "slow 1.0 faq shipping how long?")
    claimed = await ana.call("claim", {"conversation_id": conversation_id})
    assert claimed["ok"], claimed
    await asyncio.sleep(1.5)  # the slow answer has come back by now (and must have been dropped)
    detail = await ana.call("get_conversation", {"conversation_id": conversation_id})
    assert not any(m["text"].startswith("About shipping") for m in detail["messages"])
    assert not any(t.startswith("About shipping") for t in alice.texts())
