"""The golden bot-channel examples (docs/bot-channel-examples.json), run through the service.

The stand-in Rasa answers each golden message with its golden response; the customer must get
what the contract says the service makes of it.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.rasa_stub import GOLDEN, RasaStub

pytestmark = pytest.mark.asyncio
BY_NAME = {example["name"]: example for example in GOLDEN}


async def test_an_answer_is_relayed_as_the_bot_said_it(customer: Any, rasa: RasaStub) -> None:
    example = BY_NAME["faq_answer"]
    alice = await customer()
    ack = await alice.say(example["request"]["message"])
    (said,) = example["response"]["body"]["messages"]
    reply = await alice.wait_text(said["text"][:40])
    assert reply["text"] == said["text"] and reply["metadata"]["tandem"]["author"] == "bot"
    (call,) = [c for c in rasa.calls if c.get("sender") == ack["conversation_id"]]
    assert set(call) == set(example["request"])  # the same fields the contract shows
    assert call["message_id"] == f"{ack['conversation_id']}:{ack['seq']}"


@pytest.mark.parametrize("name", ["requested", "triage", "language"])
async def test_a_handoff_reaches_the_desk_as_the_bot_gave_it(
    name: str, customer: Any, agent: Any
) -> None:
    example = BY_NAME[name]
    handoff = example["response"]["body"]["handoff"]
    ana = await agent(languages=["en", "de"], skills=["billing"])
    alice = await customer()
    ack = await alice.say(example["request"]["message"])
    added = await ana.wait_for(
        "queue_added", lambda p: p["item"]["conversation_id"] == ack["conversation_id"]
    )
    item = added["item"]
    assert item["reason"] == handoff["reason"] and item["summary"] == handoff["summary"]
    assert item["language"] == handoff["language"]
    assert item["skill"] == handoff["summary"].get("skill", "")
    (said,) = example["response"]["body"]["messages"]
    await alice.wait_text(said["text"][:30])
    state = await alice.wait_for("tandem_state")
    assert state["state"] == "queued" and state["reason"] == handoff["reason"]


@pytest.mark.parametrize("name", ["action_server_down", "bot_failed"])
async def test_a_bot_that_cannot_answer_hands_off(name: str, customer: Any, agent: Any) -> None:
    example = BY_NAME[name]
    ana = await agent()
    alice = await customer()
    ack = await alice.say(example["request"]["message"])
    added = await ana.wait_for(
        "queue_added", lambda p: p["item"]["conversation_id"] == ack["conversation_id"]
    )
    assert added["item"]["reason"] == "bot_unavailable"
    assert added["item"]["preview"] == example["request"]["message"]
