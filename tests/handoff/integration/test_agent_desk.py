"""What a console reads besides the queue: canned replies, colleagues, away status, watching."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.protocol.agent import AgentsAck, CannedAck, PresenceAck
from handoff.protocol.registry import EVENTS
from handoff.protocol.validate import check

pytestmark = pytest.mark.asyncio


async def test_canned_replies_and_colleagues(agent: Any) -> None:
    ana, ben = await agent(name="Ana", languages=["en", "de"]), await agent(name="Ben")
    canned = await ana.call("get_canned")
    assert check(canned, CannedAck, strict=True) == [] and len(canned["canned"]) >= 3
    roster = await ana.call("get_agents")
    assert check(roster, AgentsAck, strict=True) == []
    mine = {a["id"]: a for a in roster["agents"]}
    assert mine[ben.id]["online"] and mine[ben.id]["load"] == 0
    assert mine[ana.id]["languages"] == ["de", "en"]


async def test_an_agent_away_gets_no_new_work(agent: Any, customer: Any) -> None:
    ana = await agent()
    away = await ana.call("set_presence", {"status": "away"})
    assert check(away, PresenceAck, strict=True) == [] and away["status"] == "away"
    alice = await customer()
    await alice.say("human please")
    # Nobody available (the only agent is away): an offline ticket, told honestly.
    state = await alice.wait_for("tandem_state", lambda p: p["state"] == "offline")
    assert state["offline_reason"] == "no_agents"
    back = await ana.call("set_presence", {"status": "online"})
    assert back["status"] == "online"


async def test_watching_and_unwatching(agent: Any, customer: Any) -> None:
    ana, ben = await agent(), await agent()
    alice = await customer()
    ack = await alice.say("human please")
    conversation_id = ack["conversation_id"]
    await ana.wait_for("queue_added")
    assert (await ben.call("watch", {"conversation_id": conversation_id}))["ok"]
    assert (await ana.call("claim", {"conversation_id": conversation_id}))["ok"]
    await ben.wait_for("conversation_message", lambda p: p["entry"].get("event") == "agent_joined")
    assert (await ben.call("unwatch", {"conversation_id": conversation_id})) == {"ok": True}
    missing = await ben.call("get_history", {"conversation_id": "c_" + "B" * 22})
    assert missing["error"]["code"] == "not_found"
    typing = await ben.call("typing", {"conversation_id": conversation_id, "typing": True})
    assert typing["error"]["code"] == "not_owner"
    again = await ana.call(
        "send_message", {"conversation_id": conversation_id, "text": "hi", "client_msg_id": "x1"}
    )
    dup = await ana.call(
        "send_message", {"conversation_id": conversation_id, "text": "hi", "client_msg_id": "x1"}
    )
    assert dup == {"ok": True, "seq": again["seq"], "duplicate": True}


async def test_hello_carries_the_words_for_the_triage_summary(agent: Any) -> None:
    """The console showed `order_not_arrived` and `Days since order 10`: the service now sends
    the labels of contract/triage_labels.yml with hello."""
    ana = await agent()
    hello = await ana.call("hello")
    assert check(hello, EVENTS[("/agent", "hello", "in")].ack, strict=True) == []
    fields = hello["summary_labels"]["fields"]
    assert fields["problem_category"]["values"]["order_not_arrived"] == "Order not arrived"
    assert fields["days_since_order"]["text"].format(value=10) == "Ordered 10 days ago"
