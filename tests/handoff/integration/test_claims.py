"""Exactly one agent wins a claim, even when many try at once on two replicas."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

pytestmark = pytest.mark.asyncio

ROUNDS = 8
AGENTS = 20


async def test_concurrent_claims_have_exactly_one_winner(
    customer: Any, agent: Any, service: Any, replica2: Any
) -> None:
    # Half the agents on each replica; capacity high enough that only the race decides.
    agents = await asyncio.gather(
        *(
            agent(url=(service.url if i % 2 else replica2.url), capacity=ROUNDS)
            for i in range(AGENTS)
        )
    )
    names = {a.id: a for a in agents}
    for round_ in range(ROUNDS):
        alice = await customer(url=replica2.url if round_ % 2 else service.url)
        ack = await alice.say("human please")
        conversation_id = ack["conversation_id"]
        await agents[0].wait_for(
            "queue_added", lambda p, c=conversation_id: p["item"]["conversation_id"] == c
        )
        results = await asyncio.gather(
            *(a.call("claim", {"conversation_id": conversation_id}) for a in agents)
        )
        winners = [a for a, r in zip(agents, results, strict=True) if r["ok"]]
        assert len(winners) == 1, [r.get("error") for r in results]
        winner = winners[0]
        for loser, result in zip(agents, results, strict=True):
            if loser is winner:
                continue
            assert result["error"]["code"] == "already_claimed"
            assert result["error"]["details"]["by"] == {
                "id": winner.id,
                "name": names[winner.id].username.title(),
            }
        # The customer is told once, by name, and only the winner owns it.
        joined = await alice.wait_for("tandem_state", lambda p: p["state"] == "agent")
        assert joined["agent_name"] == winner.username.title()
        detail = await agents[1].call("get_conversation", {"conversation_id": conversation_id})
        assert detail["conversation"]["owner"]["id"] == winner.id
        assert sum(1 for m in detail["messages"] if m.get("event") == "agent_joined") == 1


async def test_capacity_is_respected(customer: Any, agent: Any) -> None:
    solo = await agent(capacity=1)
    first = await (await customer()).say("human please")
    second = await (await customer()).say("human please")
    await solo.wait_for(
        "queue_added", lambda p: p["item"]["conversation_id"] == second["conversation_id"]
    )
    assert (await solo.call("claim", {"conversation_id": first["conversation_id"]}))["ok"]
    refused = await solo.call("claim", {"conversation_id": second["conversation_id"]})
    assert refused["error"]["code"] == "at_capacity"


async def test_routing_prefers_matching_agents(customer: Any, agent: Any) -> None:
    german = await agent(languages=["de", "en"])
    english = await agent(languages=["en"])
    alice = await customer()
    ack = await alice.say("de: ich brauche Hilfe")
    added = await english.wait_for(
        "queue_added", lambda p: p["item"]["conversation_id"] == ack["conversation_id"]
    )
    assert (
        added["item"]["language"] == "de"
        and added["item"]["exclusive_until"] > added["item"]["queued_at"]
    )
    queue = await english.call("get_queue")
    assert queue["queue"][0]["eligible"] is False
    refused = await english.call("claim", {"conversation_id": ack["conversation_id"]})
    assert refused["error"]["code"] == "not_eligible"
    assert (await german.call("claim", {"conversation_id": ack["conversation_id"]}))["ok"]
    await alice.wait_text(
        "ist dem Gespräch beigetreten"
    )  # system messages in the customer's language
