"""The writers' inbox fills itself from real stored turns, through the real service: fallbacks
and clarifications, low confidence, the messages before a handoff, what a person answered and
badly rated conversations; deduplicated, counted, masked, filtered, for writers only."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.support.handoff_server import HandoffServer

pytestmark = pytest.mark.asyncio


async def inbox(server: HandoffServer, token: str, **query: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=server.url) as http:
        return await http.get(
            "/api/workbench/inbox", params=query, headers={"Authorization": f"Bearer {token}"}
        )


async def items_when(
    server: HandoffServer, token: str, ready: Any, **query: str
) -> list[dict[str, Any]]:
    """The inbox once ``ready(items)`` holds (a guard against waiting forever, not a timing)."""
    for _ in range(200):
        found: list[dict[str, Any]] = (await inbox(server, token, **query)).json()["items"]
        if ready(found):
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"the inbox never got there: {found}")


async def test_fallbacks_are_counted_once_per_text_and_masked(
    customer: Any, agent: Any, service: HandoffServer
) -> None:
    writer = await agent(roles=["writer"], connect=False)
    first, second = await customer(), await customer()
    one = await first.say("unsure where is my parsel? mail ana@example.com")
    await first.wait_text("Did you mean")
    await second.say("Unsure where is my PARSEL, mail bob.b@example.org!")
    await second.wait_text("Did you mean")
    await first.say("hello there")  # understood: not for the inbox
    await first.wait_text("You said: hello there")

    (item,) = await items_when(
        service, writer.token, lambda found: found and found[0]["count"] == 2
    )
    assert item["text"] == "Unsure where is my PARSEL, mail <email>!"
    assert "example" not in str(item)  # neither address is stored anywhere in the item
    assert item["reasons"] == {"fallback": 2, "clarified": 2}
    assert (item["intent"], item["confidence"]) == ("nlu_fallback", 0.21)
    assert [r["name"] for r in item["ranking"]] == [
        "nlu_fallback",
        "faq/order_tracking",
        "report_order_not_arrived",
    ]
    assert f"{one['conversation_id']}:{one['seq']}" in item["conversations"]


async def test_messages_before_a_handoff_an_agents_answer_and_a_bad_rating(
    customer: Any, agent: Any, service: HandoffServer
) -> None:
    writer = await agent(roles=["writer"], connect=False)
    ana = await agent()
    alice = await customer()
    asked = await alice.say("vague how long for TD-123456 to come")
    await alice.wait_text("Delivery takes")
    await alice.say("human please")
    conversation_id = asked["conversation_id"]
    await ana.wait_for("queue_added", lambda p: p["item"]["conversation_id"] == conversation_id)
    assert (await ana.call("claim", {"conversation_id": conversation_id}))["ok"]
    await alice.say("and what does it cost to 0912 345 678?")
    await ana.wait_for("conversation_message", lambda p: "cost" in p["entry"]["text"])
    sent = await ana.call(
        "send_message",
        {
            "conversation_id": conversation_id,
            "text": "Free, call 0912 345 678",
            "client_msg_id": "r1",
        },
    )
    assert sent["ok"]
    closed = await ana.call("close", {"conversation_id": conversation_id, "resolution": "told"})
    assert closed["ok"]
    await alice.wait_for("tandem_state", lambda p: p["state"] == "closed")
    assert (await alice.call("tandem_csat", {"rating": 1}))["ok"]

    found = await items_when(
        service, writer.token, lambda items: any("csat_low" in i["reasons"] for i in items)
    )
    by_text = {i["text"]: i for i in found}
    vague = by_text["vague how long for <order> to come"]
    assert vague["reasons"] == {"low_confidence": 1, "handoff_requested": 1, "csat_low": 1}
    assert (vague["intent"], vague["confidence"]) == ("faq/shipping_time", 0.35)
    answered = by_text["and what does it cost to <phone>?"]
    assert answered["reasons"] == {"agent_answered": 1, "csat_low": 1}
    assert answered["reply"] == "Free, call <phone>"
    # A person answered it, so no NLU says its language: the conversation's does.
    assert answered["language"] == "en"
    assert "human please" not in by_text  # the request itself says nothing new

    only = (await inbox(service, writer.token, reason="handoff_requested")).json()["items"]
    assert [i["text"] for i in only] == ["vague how long for <order> to come"]
    assert (await inbox(service, writer.token, language="hr")).json()["items"] == []
    assert (await inbox(service, writer.token, reason="nonsense")).status_code == 400


async def test_the_inbox_is_for_writers(agent: Any, service: HandoffServer) -> None:
    plain = await agent(connect=False)
    refused = await inbox(service, plain.token)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert (await inbox(service, "v1.forged.token")).status_code == 401
    admin = await agent(roles=["admin"], connect=False)
    assert (await inbox(service, admin.token)).status_code == 200


async def test_what_a_customer_picks_from_did_you_mean_labels_the_clarified_message(
    customer: Any, agent: Any, service: HandoffServer
) -> None:
    writer = await agent(roles=["writer"], connect=False)
    alice, bob = await customer(), await customer()
    for who in (alice, bob):
        await who.say("unsure where has my parcel gone")
        await who.wait_text("Did you mean")
        await who.say("How can I track my order?")  # the first button's payload
        await who.wait_text("You can track your order")
    # The same words again later answer no clarification: they label nothing more.
    await alice.say("How can I track my order?")
    await alice.wait_for(
        "bot_uttered", lambda _: sum("You can track" in t for t in alice.texts()) == 2
    )

    (item,) = await items_when(
        service,
        writer.token,
        lambda found: any(i["picked"].get("faq/order_tracking") == 2 for i in found),
        reason="clarified",
    )
    assert item["text"] == "unsure where has my parcel gone"
    assert item["picked"] == {"faq/order_tracking": 2}
    # A button offered to a message the bot understood (no clarification) labels nothing.
    carol = await customer()
    await carol.say("buttons please")
    await carol.wait_text("What can I do?")
    await carol.say("/track")
    await carol.wait_text("You said: /track")
    every = (await inbox(service, writer.token, status="")).json()["items"]
    assert [i["picked"] for i in every if i["picked"]] == [{"faq/order_tracking": 2}]
