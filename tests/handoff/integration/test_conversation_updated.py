"""conversation_updated: consoles that have a conversation open learn what changed in it."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.protocol.agent import ConversationUpdated
from handoff.protocol.validate import check

pytestmark = pytest.mark.asyncio


def about(conversation_id: str) -> Any:
    return lambda p: p["conversation"]["conversation_id"] == conversation_id


async def test_a_watcher_sees_the_owner_change_and_the_close(customer: Any, agent: Any) -> None:
    ana, ben, cleo = await agent(name="Ana"), await agent(name="Ben"), await agent(name="Cleo")
    alice = await customer()
    ack = await alice.say("human please")
    conversation_id = ack["conversation_id"]
    await ana.wait_for("queue_added")
    assert (await ana.call("claim", {"conversation_id": conversation_id}))["ok"]
    assert (await cleo.call("watch", {"conversation_id": conversation_id}))["ok"]

    await ana.call("transfer", {"conversation_id": conversation_id, "to_agent_id": ben.id})
    moved = await cleo.wait_for("conversation_updated", about(conversation_id))
    assert check(moved, ConversationUpdated, strict=True) == []
    assert moved["conversation"]["owner"] == {"id": ben.id, "name": "Ben"}
    assert (await ben.wait_for("conversation_updated", about(conversation_id)))["conversation"][
        "state"
    ] == "agent"

    await ben.call(
        "close", {"conversation_id": conversation_id, "resolution": "sorted", "tags": ["refund"]}
    )
    closed = await cleo.wait_for(
        "conversation_updated",
        lambda p: about(conversation_id)(p) and p["conversation"]["state"] == "closed",
    )
    assert closed["conversation"]["tags"] == ["refund"] and closed["conversation"]["owner"] is None
    assert closed["conversation"]["resolution"] == "sorted"

    # The customer's rating reaches whoever still has it open.
    await alice.wait_for("tandem_state", lambda p: p["state"] == "closed")
    assert (await alice.call("tandem_csat", {"rating": 5}))["ok"]
    rated = await cleo.wait_for(
        "conversation_updated", lambda p: about(conversation_id)(p) and p["conversation"]["csat"]
    )
    assert rated["conversation"]["csat"] == 5


async def test_contact_details_left_offline_reach_the_ticket_view(
    customer: Any, agent: Any
) -> None:
    alice = await customer()
    ack = await alice.say("human please")  # nobody online: an offline ticket
    await alice.wait_for("tandem_state", lambda p: p["state"] == "offline")
    ana = await agent()
    assert (await ana.call("watch", {"conversation_id": ack["conversation_id"]}))["ok"]
    await alice.call(
        "tandem_offline_message",
        {"email": "alice@example.com", "message": "Call me", "name": "Alice"},
    )
    updated = await ana.wait_for("conversation_updated", about(ack["conversation_id"]))
    assert updated["conversation"]["contact"] == {"email": "alice@example.com", "name": "Alice"}
