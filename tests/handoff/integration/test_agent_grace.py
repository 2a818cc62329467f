"""An agent who vanishes (console gone, or their replica died) and does not come back within
the grace period: their conversations go back to the queue with the history, the customer is
told in their language, and a colleague takes over. One who comes back in time keeps them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from handoff.config.texts import SystemTexts
from tests.support.clients import Agent
from tests.support.handoff_server import HandoffServer

pytestmark = pytest.mark.asyncio
TEXTS = SystemTexts.load()


def grace_env(prefix: str, grace: float) -> dict[str, str]:
    return {
        "TANDEM_REDIS_PREFIX": prefix,
        "TANDEM_AGENT_GRACE_SECONDS": str(grace),
        "TANDEM_AGENT_CHECK_INTERVAL": "0.2",
        "TANDEM_PRESENCE_TTL": "1",
    }


async def claimed(customer: Any, ana: Agent, url: str) -> tuple[Any, str]:
    """A German customer handed to Ana, who has said hello."""
    greta = await customer(url=url)
    ack = await greta.say("de: Hallo, mein Paket ist nicht angekommen")
    conversation_id = ack["conversation_id"]
    await ana.wait_for("queue_added", lambda p: p["item"]["conversation_id"] == conversation_id)
    assert (await ana.call("claim", {"conversation_id": conversation_id}))["ok"]
    hello = {"conversation_id": conversation_id, "text": "Hallo, ich bin Ana", "client_msg_id": "h"}
    assert (await ana.call("send_message", hello))["ok"]
    await greta.wait_text("Hallo, ich bin Ana")
    return greta, conversation_id


async def test_a_vanished_agents_conversation_goes_back_to_the_queue(
    start_server: Callable[..., HandoffServer], agent: Any, customer: Any
) -> None:
    server = start_server(grace_env("grace1:", 1))
    ana = await agent(url=server.url, prefix="grace1:", name="Ana", languages=["de"])
    ben = await agent(url=server.url, prefix="grace1:", name="Ben", languages=["de"])
    greta, conversation_id = await claimed(customer, ana, server.url)
    await ana.close()  # the browser is gone, and it does not come back

    told = await greta.wait_text(TEXTS.render("agent_lost", "de"))
    assert told["metadata"]["tandem"]["author"] == "system"
    await greta.wait_for("tandem_state", lambda p: p["state"] == "queued")
    await ben.wait_for("queue_added", lambda p: p["item"]["conversation_id"] == conversation_id)
    detail = await ben.call("claim", {"conversation_id": conversation_id})
    assert detail["ok"], detail
    texts = [m["text"] for m in detail["messages"]]
    assert "de: Hallo, mein Paket ist nicht angekommen" in texts
    assert "Hallo, ich bin Ana" in texts
    assert TEXTS.render("agent_lost", "de") in texts


async def test_an_agent_back_within_the_grace_keeps_the_conversation(
    start_server: Callable[..., HandoffServer], agent: Any, customer: Any, clients: list[Any]
) -> None:
    server = start_server(grace_env("grace2:", 3))
    ana = await agent(url=server.url, prefix="grace2:", name="Ana", languages=["de"])
    greta, conversation_id = await claimed(customer, ana, server.url)
    await ana.close()
    back = Agent(server.url, ana.token)  # a reload: the same token, a new socket
    clients.append(back)
    await back.connect()
    await asyncio.sleep(4)  # longer than the grace period: the sweeper has looked many times
    detail = await back.call("get_conversation", {"conversation_id": conversation_id})
    assert detail["conversation"]["state"] == "agent"
    assert detail["conversation"]["owner"]["id"] == ana.id
    assert TEXTS.render("agent_lost", "de") not in greta.texts()
    reply = {"conversation_id": conversation_id, "text": "Bin wieder da", "client_msg_id": "b"}
    assert (await back.call("send_message", reply))["ok"]


async def test_the_agents_of_a_replica_that_died_are_released_by_another(
    start_server: Callable[..., HandoffServer], agent: Any, customer: Any
) -> None:
    a = start_server(grace_env("grace3:", 1))
    b = start_server(grace_env("grace3:", 1))
    ana = await agent(url=b.url, prefix="grace3:", name="Ana", languages=["de"])
    greta, conversation_id = await claimed(customer, ana, a.url)
    b.kill()  # no clean-up: Ana's presence runs out by itself
    await greta.wait_text(TEXTS.render("agent_lost", "de"), timeout=15)
    await greta.wait_for("tandem_state", lambda p: p["state"] == "queued")
