"""What the fault tests do to a conversation: bring a person in, write both ways, and count.

Example::

    cid = await with_a_person(alice, ana)
    to_agent, to_customer = Ledger("customer -> agent"), Ledger("agent -> customer")
    await send_until_acked(to_agent, customer_sender(alice), "hello")
    figures = await count(to_agent, redis_url, cid, received=ana.transcript(cid))
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from tests.support.clients import Agent, Customer
from tests.support.ledger import Figures, Ledger, Send, stored_entries


async def with_a_person(customer: Customer, agent: Agent) -> str:
    """The customer asks for a person and ``agent`` claims the conversation; its id."""
    ack = await customer.say("human please")
    assert ack["ok"], ack
    conversation_id: str = ack["conversation_id"]
    await agent.wait_for("queue_added", lambda p: p["item"]["conversation_id"] == conversation_id)
    claimed = await agent.call("claim", {"conversation_id": conversation_id})
    assert claimed["ok"], claimed
    agent.follow(conversation_id)
    return conversation_id


def customer_sender(customer: Customer) -> Send:
    return lambda text, cmid: customer.say(text, cmid)


def agent_sender(agent: Agent, conversation_id: str) -> Send:
    return lambda text, cmid: agent.call(
        "send_message", {"conversation_id": conversation_id, "text": text, "client_msg_id": cmid}
    )


async def count(
    ledger: Ledger, redis_url: str, conversation_id: str, *, received: dict[int, Any]
) -> Figures:
    return ledger.figures(
        stored=await stored_entries(redis_url, conversation_id), received=received
    )


async def until(condition: Callable[[], Any], *, timeout: float, what: str) -> float:
    """Wait (polling) until ``condition()`` holds; how long it took. A generous bound, so a
    failure means "never", not "slow" (times are measured, never asserted)."""
    start = time.monotonic()
    while True:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise AssertionError(f"{what}: not after {timeout:g} s")
        await asyncio.sleep(0.05)


def received_live(customer: Customer, text: str) -> bool:
    """Whether an agent's message arrived as a live event (not in a replayed transcript)."""
    return any(p["text"] == text for p in customer.rec.of("bot_uttered"))
