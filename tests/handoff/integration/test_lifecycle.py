"""The whole ownership lifecycle over real sockets: bot, queued, agent, bot, ..., closed."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.support.clients import Agent
from tests.support.rasa_stub import RasaStub

pytestmark = pytest.mark.asyncio


async def test_whole_lifecycle(customer: Any, agent: Any, rasa: RasaStub, service: Any) -> None:
    ana = await agent(name="Ana", languages=["en"], skills=["billing"])
    ben = await agent(name="Ben")
    alice = await customer()

    # The bot answers while it owns the conversation.
    ack = await alice.say("hello there")
    assert ack["ok"] and ack["seq"] == 1 and not ack["duplicate"]
    conversation_id = ack["conversation_id"]
    await alice.wait_text("You said: hello there")

    # The bot hands off (triage, with a summary): queued, agents see why and what.
    await alice.say("triage billing my invoice is wrong")
    added = await ana.wait_for(
        "queue_added", lambda p: p["item"]["conversation_id"] == conversation_id
    )
    item = added["item"]
    assert item["state"] == "queued" and item["reason"] == "triage"
    assert item["summary"]["category"] == "billing" and item["skill"] == "billing"
    assert item["language"] == "en"
    state = await alice.wait_for("tandem_state", lambda p: p["state"] == "queued")
    assert state["queue_position"] == 1 and state["estimated_wait_s"] > 0
    await alice.wait_text("number 1 in line")

    queue = await ana.call("get_queue")
    assert [i["conversation_id"] for i in queue["queue"]] == [conversation_id]
    assert queue["queue"][0]["eligible"] is True

    # While queued, customer messages are stored for the agent; the bot answers FAQ questions
    # only (tests/handoff/integration/test_faq_while_waiting.py), so this one gets no answer.
    await alice.say("are you there?")
    for _ in range(500):
        if "are you there?" in rasa.messages_for(conversation_id):
            break
        await asyncio.sleep(0.01)
    (asked,) = [c for c in list(rasa.calls) if c.get("message") == "are you there?"]
    assert asked["faq_only"] is True
    calls_before = len(rasa.messages_for(conversation_id))

    # Ana claims: Ben is told who took it, the customer learns the agent's name.
    claimed = await ana.call("claim", {"conversation_id": conversation_id})
    assert claimed["ok"], claimed
    assert claimed["conversation"]["owner"] == {"id": ana.id, "name": "Ana"}
    texts = [m["text"] for m in claimed["messages"]]
    assert "hello there" in texts and "are you there?" in texts  # the whole story before hello
    removed = await ben.wait_for("queue_removed", lambda p: p["conversation_id"] == conversation_id)
    assert removed["by"] == {"id": ana.id, "name": "Ana"}
    joined = await alice.wait_for("tandem_state", lambda p: p["state"] == "agent")
    assert joined["agent_name"] == "Ana"

    # Agent -> customer, customer -> agent; the bot hears nothing.
    sent = await ana.call(
        "send_message",
        {"conversation_id": conversation_id, "text": "Hi, I'm Ana.", "client_msg_id": "a1"},
    )
    assert sent["ok"]
    reply = await alice.wait_text("Hi, I'm Ana.")
    assert reply["metadata"]["tandem"]["author"] == "agent"
    assert reply["metadata"]["tandem"]["agent_name"] == "Ana"
    assert "agent_id" not in reply["metadata"]["tandem"]
    # Ana's other tab gets her message; the tab that sent it has it from the ack.
    other_tab = await Agent(service.url, ana.token).connect()
    try:
        await ana.call(
            "send_message",
            {"conversation_id": conversation_id, "text": "One moment.", "client_msg_id": "a1b"},
        )
        copy = await other_tab.wait_for(
            "conversation_message", lambda p: p["entry"]["text"] == "One moment."
        )
        assert copy["entry"]["author"] == "agent"
        await alice.wait_text("One moment.")
    finally:
        await other_tab.close()
    assert not [p for p in ana.rec.of("conversation_message") if p["entry"]["author"] == "agent"]
    await alice.say("thanks Ana")
    got = await ana.wait_for("conversation_message", lambda p: p["entry"]["text"] == "thanks Ana")
    assert got["entry"]["author"] == "customer"
    assert len(rasa.messages_for(conversation_id)) == calls_before

    # Typing both ways.
    await alice.sio.emit("tandem_typing", {"typing": True})
    typing = await ana.wait_for("customer_typing")
    assert typing == {"conversation_id": conversation_id, "typing": True}
    await ana.call("typing", {"conversation_id": conversation_id, "typing": True})
    assert await alice.wait_for("tandem_typing") == {"typing": True, "agent_name": "Ana"}

    # An internal note reaches agents only.
    note = await ana.call("add_note", {"conversation_id": conversation_id, "text": "refund likely"})
    assert note["ok"] and note["note"]["agent"]["name"] == "Ana"

    # Transfer to Ben: Ben gets it with the note, Ana lets go, the customer hears about it.
    moved = await ana.call(
        "transfer",
        {"conversation_id": conversation_id, "to_agent_id": ben.id, "note": "billing question"},
    )
    assert moved["ok"], moved
    assigned = await ben.wait_for("conversation_assigned")
    assert assigned["from_agent"]["name"] == "Ana" and assigned["note"] == "billing question"
    assert assigned["conversation"]["owner"]["id"] == ben.id
    assert (await ana.wait_for("conversation_unassigned"))["reason"] == "transferred"
    await alice.wait_text("Ana passed the conversation to Ben.")
    refused = await ana.call(
        "send_message", {"conversation_id": conversation_id, "text": "x", "client_msg_id": "a2"}
    )
    assert refused["error"]["code"] == "not_owner"

    # Hand back: Rasa is told, and its "I'm back" reaches the customer; the bot answers again.
    back = await ben.call("hand_back", {"conversation_id": conversation_id})
    assert back["ok"]
    await alice.wait_text("I'm back!")
    assert rasa.events_for(conversation_id) == ["handback"]
    await alice.say("what about shipping")
    await alice.wait_text("You said: what about shipping")
    assert "thanks Ana" not in rasa.messages_for(
        conversation_id
    )  # what people said stays with people

    # Hand off again, claim, close with a resolution and tags; the customer is asked to rate.
    await alice.say("human please")
    await ben.wait_for("queue_added", lambda p: p["item"]["reason"] == "requested")
    assert (await ben.call("claim", {"conversation_id": conversation_id}))["ok"]
    closed = await ben.call(
        "close",
        {
            "conversation_id": conversation_id,
            "resolution": "Refund issued",
            "tags": ["Refund", "billing"],
        },
    )
    assert closed["ok"], closed
    final = await alice.wait_for("tandem_state", lambda p: p["state"] == "closed")
    assert final["csat_requested"] is True
    assert (await alice.call("tandem_csat", {"rating": 5, "comment": "great"}))["ok"]
    again = await alice.call("tandem_csat", {"rating": 1})
    assert again["error"]["code"] == "invalid_state"

    detail = await ben.call("get_conversation", {"conversation_id": conversation_id})
    info = detail["conversation"]
    assert info["state"] == "closed" and info["resolution"] == "Refund issued"
    assert info["tags"] == ["billing", "refund"] and info["csat"] == 5
    assert [n["text"] for n in detail["notes"]] == ["refund likely", "billing question"]

    # The next message starts a new conversation; the earlier one is in the customer's history.
    fresh = await alice.say("one more thing")
    assert fresh["conversation_id"] != conversation_id and fresh["seq"] == 1
    await alice.wait_text("You said: one more thing")
    history = await ben.call("get_history", {"conversation_id": fresh["conversation_id"]})
    assert [c["conversation_id"] for c in history["conversations"]] == [
        fresh["conversation_id"],
        conversation_id,
    ]

    # Authenticated transcript export, and the metrics saw all of it.
    async with httpx.AsyncClient() as http:
        url = f"{service.url}/api/conversations/{conversation_id}/transcript"
        assert (await http.get(url)).status_code == 401
        exported = await http.get(url, headers={"Authorization": f"Bearer {ben.token}"})
        assert exported.status_code == 200
        assert [m["text"] for m in exported.json()["messages"]][:2] == [
            "hello there",
            "You said: hello there",
        ]
        as_text = await http.get(
            url + "?format=text", headers={"Authorization": f"Bearer {ben.token}"}
        )
        assert as_text.headers["content-type"].startswith("text/plain")
        assert "Ana (agent): Hi, I'm Ana." in as_text.text
        metrics = (await http.get(f"{service.url}/metrics")).text
    assert 'tandem_handoffs_total{reason="triage"} 1' in metrics
    assert 'tandem_handoffs_total{reason="requested"} 1' in metrics
    assert 'tandem_conversations{state="closed"} 1' in metrics
    assert 'tandem_csat_ratings_total{rating="5"} 1' in metrics
    assert "tandem_queue_wait_seconds_count 2" in metrics
    assert "tandem_first_response_seconds_count 1" in metrics
