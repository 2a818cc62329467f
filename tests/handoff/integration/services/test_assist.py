"""Suggested replies through the real service, a real Redis and the stand-in Rasa (its
``/model/parse``): the bot's FAQ answer in the conversation's language for an owned
conversation, a past reply from a well-rated closed conversation, only for the owner, and the
agents' feedback counted in the stats."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.support.handoff_server import HandoffServer
from tests.support.rasa_stub import RasaStub

pytestmark = pytest.mark.asyncio
REPO = Path(__file__).resolve().parents[4]
FAQ = yaml.safe_load((REPO / "data/responses/faq.yml").read_text(encoding="utf-8"))["responses"]


def bot_says(topic: str, language: str | None = None) -> str:
    """The text the bot's own response file gives ``utter_faq/<topic>`` in ``language``."""
    for variation in FAQ[f"utter_faq/{topic}"]:
        names = [c["value"] for c in variation.get("condition", [])]
        if names == ([language] if language else []):
            return str(variation["text"]).strip()
    raise AssertionError(f"no {language} variation of {topic}")


@pytest.fixture(scope="module")
def assist_env(rasa: RasaStub, tmp_path_factory: Any) -> dict[str, str]:
    """Settings that find the stand-in's Rasa API as the stack's is found (rasa-api.json)."""
    run_dir = tmp_path_factory.mktemp("run")
    record = {"url": rasa.url, "token": "", "pid": os.getpid()}
    (run_dir / "rasa-api.json").write_text(json.dumps(record))
    return {"TANDEM_RUN_DIR": str(run_dir)}


@pytest.fixture(scope="module")
def assisted(
    start_server: Callable[..., HandoffServer], assist_env: dict[str, str]
) -> HandoffServer:
    return start_server(assist_env)


async def owned(customer: Any, agent_client: Any, server: HandoffServer, *lines: str) -> Any:
    """A customer who said ``lines`` and then asked for a person, claimed by ``agent_client``."""
    alice = await customer(server.url)
    for line in lines:
        await alice.say(line)
        await alice.wait_text("You said")
    asked = await alice.say("human please")
    conversation_id = asked["conversation_id"]
    await agent_client.wait_for(
        "queue_added", lambda p: p["item"]["conversation_id"] == conversation_id
    )
    assert (await agent_client.call("claim", {"conversation_id": conversation_id}))["ok"]
    alice.conversation_id = conversation_id
    return alice


async def test_the_bots_faq_answer_is_pushed_to_the_owner_in_the_conversations_language(
    customer: Any, agent: Any, assisted: HandoffServer
) -> None:
    ana = await agent(assisted.url, languages=["en", "hr"])
    english = await owned(customer, ana, assisted)
    sent = await english.say("faq shipping_time how long does delivery take")
    pushed = await ana.wait_for(
        "suggestions", lambda p: p["conversation_id"] == english.conversation_id
    )
    assert pushed["for_seq"] == sent["seq"] and pushed["language"] == "en"  # none at the claim
    first = pushed["suggestions"][0]
    assert (first["source"], first["topic"]) == ("faq", "faq/shipping_time")
    assert first["text"] == bot_says("shipping_time")
    assert "shipping_time" in first["why"] and "1.00" in first["why"]

    croatian = await owned(customer, ana, assisted, "in hr bok")
    await croatian.say("faq shipping_time koliko traje dostava")
    pushed = await ana.wait_for(
        "suggestions",
        lambda p: p["conversation_id"] == croatian.conversation_id and p["suggestions"],
    )
    assert pushed["language"] == "hr"
    assert pushed["suggestions"][0]["text"] == bot_says("shipping_time", "hr")


async def test_a_past_reply_from_a_well_rated_conversation_is_found_by_another_customer(
    customer: Any, agent: Any, assisted: HandoffServer
) -> None:
    ana = await agent(assisted.url)
    first = await owned(customer, ana, assisted)
    await first.say("where is my parcel TD-123456, it has been a week")
    await ana.wait_for("conversation_message", lambda p: "parcel" in p["entry"]["text"])
    reply = (
        "Your parcel left our warehouse yesterday; the carrier's tracking link is in your email."
    )
    sent = await ana.call(
        "send_message",
        {"conversation_id": first.conversation_id, "text": reply, "client_msg_id": "m-1"},
    )
    assert sent["ok"]
    closed = await ana.call(
        "close", {"conversation_id": first.conversation_id, "resolution": "sent tracking"}
    )
    assert closed["ok"]
    await first.wait_for("tandem_state", lambda p: p["state"] == "closed")
    assert (await first.call("tandem_csat", {"rating": 5}))["ok"]

    # A rating keeps the pairs in Redis, then in the index: asked again until they are there.
    second = await owned(customer, ana, assisted)
    await second.say("hi, where is my parcel? ordered last week")
    for _ in range(100):
        found = await ana.call("get_suggestions", {"conversation_id": second.conversation_id})
        past = [s for s in found["suggestions"] if s["source"] == "past"]
        if past:
            break
        await asyncio.sleep(0.05)
    assert past, found
    assert past[0]["text"] == reply
    assert (past[0]["times"], past[0]["csat"]) == (1, 5)
    assert {"where", "parcel"} <= set(past[0]["matched"])
    assert "once, CSAT 5" in past[0]["why"]


async def test_suggestions_are_for_the_owner_and_feedback_is_counted_in_the_stats(
    customer: Any, agent: Any, assisted: HandoffServer
) -> None:
    ana, ben = await agent(assisted.url), await agent(assisted.url)
    alice = await owned(customer, ana, assisted)
    await alice.say("faq return_policy can I send it back")
    pushed = await ana.wait_for("suggestions", lambda p: p["suggestions"])
    assert ben.rec.of("suggestions") == []
    theirs = await ben.call("get_suggestions", {"conversation_id": alice.conversation_id})
    assert theirs["error"]["code"] == "not_owner"

    chosen = pushed["suggestions"][0]

    def told(*outcomes: str) -> dict[str, Any]:
        report = {"suggestion_id": chosen["id"], "source": chosen["source"]}
        return {
            "conversation_id": alice.conversation_id,
            "outcomes": [{**report, "outcome": o} for o in outcomes],
        }

    assert (await ana.call("suggestion_feedback", told("edited")))["ok"]
    assert (await ana.call("suggestion_feedback", told("used")))["ok"]
    refused = await ben.call("suggestion_feedback", told("used"))
    assert refused["error"]["code"] == "not_owner"
    for bad in (told("loved"), told(), told("used", "used")):  # unknown, none, the same twice
        assert (await ana.call("suggestion_feedback", bad))["error"]["code"] == "bad_request"
    stats = (await ana.call("get_stats"))["stats"]
    assert stats["assist"] == {"faq": {"used": 1, "edited": 1, "ignored": 0}}


async def test_on_claim_the_question_that_brought_the_customer_gets_suggestions(
    customer: Any, agent: Any, assisted: HandoffServer
) -> None:
    ana = await agent(assisted.url)
    alice = await customer(assisted.url)
    asked = await alice.say("faq refund_timing when do I get my money back")
    await alice.wait_text("About refund_timing")
    await alice.say("human please")  # a request for a person is no question to answer
    await ana.wait_for(
        "queue_added", lambda p: p["item"]["conversation_id"] == asked["conversation_id"]
    )
    assert (await ana.call("claim", {"conversation_id": asked["conversation_id"]}))["ok"]
    pushed = await ana.wait_for("suggestions")
    assert pushed["for_seq"] == asked["seq"]
    assert pushed["suggestions"][0]["text"] == bot_says("refund_timing")


async def test_a_reply_learned_on_one_replica_is_suggested_on_another(
    customer: Any,
    agent: Any,
    assisted: HandoffServer,
    start_server: Callable[..., HandoffServer],
    assist_env: dict[str, str],
) -> None:
    other = start_server(assist_env)  # a second replica on the same Redis
    ana = await agent(assisted.url)
    first = await owned(customer, ana, assisted)
    await first.say("can I change the colour of my sofa after ordering")
    await ana.wait_for("conversation_message", lambda p: "sofa" in p["entry"]["text"])
    reply = "Yes: write to us within 24 hours and we'll change the colour before it is made."
    payload = {"conversation_id": first.conversation_id, "text": reply, "client_msg_id": "m-9"}
    assert (await ana.call("send_message", payload))["ok"]
    closed = {"conversation_id": first.conversation_id, "resolution": "ok", "tags": ["resolved"]}
    assert (await ana.call("close", closed))["ok"]  # resolved: kept without a rating

    ben = await agent(other.url)
    second = await owned(customer, ben, other)
    await second.say("hello, can I still change the sofa colour?")
    for _ in range(100):
        found = await ben.call("get_suggestions", {"conversation_id": second.conversation_id})
        if any(s["source"] == "past" for s in found["suggestions"]):
            break
        await asyncio.sleep(0.05)
    past = [s for s in found["suggestions"] if s["source"] == "past"]
    assert past and past[0]["text"] == reply
    assert "csat" not in past[0] and "resolved" in past[0]["why"]


async def suggested(agent_client: Any, conversation_id: str) -> list[str]:
    """The texts of the past replies suggested now for a conversation ``agent_client`` owns."""
    found = await agent_client.call("get_suggestions", {"conversation_id": conversation_id})
    return [s["text"] for s in found["suggestions"] if s["source"] == "past"]


async def until_suggested(agent_client: Any, conversation_id: str, reply: str) -> None:
    """Keeping a reply runs after the close's ack, off the message path: asked until it is in."""
    for _ in range(100):
        if reply in await suggested(agent_client, conversation_id):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{reply!r} was never suggested")


async def test_an_erased_customers_replies_are_suggested_by_no_replica_and_no_key_is_left(
    customer: Any,
    agent: Any,
    assisted: HandoffServer,
    start_server: Callable[..., HandoffServer],
    assist_env: dict[str, str],
    redis: Any,
) -> None:
    other = start_server(assist_env)  # a second replica on the same Redis
    ana, ben = await agent(assisted.url), await agent(other.url)
    boss = await agent(assisted.url, roles=["admin"], connect=False)
    sam = await owned(customer, ana, assisted)
    await sam.say("my discount voucher is rejected at the checkout, why")
    await ana.wait_for("conversation_message", lambda p: "voucher" in p["entry"]["text"])
    reply = "Vouchers work on full-price items only; the sale ones in your basket exclude it."
    payload = {"conversation_id": sam.conversation_id, "text": reply, "client_msg_id": "m-v"}
    assert (await ana.call("send_message", payload))["ok"]
    closed = {"conversation_id": sam.conversation_id, "resolution": "ok", "tags": ["resolved"]}
    assert (await ana.call("close", closed))["ok"]
    # Another customer's reply, kept on the other replica: the erase leaves it alone.
    kim = await owned(customer, ben, other)
    await kim.say("can I pay for the voucher by invoice")
    await ben.wait_for("conversation_message", lambda p: "invoice" in p["entry"]["text"])
    kept_reply = "Yes, invoices are fine for vouchers over 50 euros."
    payload = {"conversation_id": kim.conversation_id, "text": kept_reply, "client_msg_id": "m-k"}
    assert (await ben.call("send_message", payload))["ok"]
    assert (await ben.call("close", {**closed, "conversation_id": kim.conversation_id}))["ok"]

    # Both replicas suggest it: the one that kept it, and the other one from Redis.
    here = await owned(customer, ana, assisted)
    await here.say("why is my voucher rejected?")
    there = await owned(customer, ben, other)
    await there.say("the voucher is rejected at checkout")
    for agent_client, asked in ((ana, here), (ben, there)):
        await until_suggested(agent_client, asked.conversation_id, reply)
        await until_suggested(agent_client, asked.conversation_id, kept_reply)

    await sam.close()  # gone (a connected customer's socket lease names them while it lasts)
    api = f"{assisted.url}/api/admin/privacy"
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {boss.token}"}) as http:
        search = await http.post(f"{api}/search", json={"conversation": sam.conversation_id})
        [found] = search.json()["customers"]
        customer_id = found["customer_id"]
        export = (await http.get(f"{api}/customers/{customer_id}/export")).json()
        [kept] = [c for c in export["conversations"] if c["assist_pairs"]]
        assert kept["conversation"]["conversation_id"] == sam.conversation_id
        assert [(p["customer"], p["reply"]) for p in kept["assist_pairs"]] == [
            ("my discount voucher is rejected at the checkout, why", reply)
        ]
        erased = await http.post(
            f"{api}/customers/{customer_id}/erase", json={"confirm": customer_id}
        )
        assert erased.status_code == 200, erased.text
        assert erased.json()["assist_pairs"] == 1

    # Not later, not after a restart: the next suggestion on either replica is without it.
    for agent_client, asked in ((ana, here), (ben, there)):
        past = await suggested(agent_client, asked.conversation_id)
        assert reply not in past and kept_reply in past
    rows = await redis.lrange("tandem:assist:pairs", 0, -1)
    assert [json.loads(r)["conversation_id"] for r in rows] == [kim.conversation_id]
    left = [k async for k in redis.scan_iter(count=1000) if sam.conversation_id in k]
    assert left == [] and not [k async for k in redis.scan_iter(match=f"*{customer_id}*")]


@pytest.fixture(scope="module")
def followed_up(
    start_server: Callable[..., HandoffServer], assist_env: dict[str, str]
) -> HandoffServer:
    """Follow-ups due at once (the sweeper asks within a second), suggestions on."""
    return start_server({**assist_env, "TANDEM_FOLLOWUP_HOURS": "0"})


async def test_a_follow_up_yes_makes_the_conversations_reply_suggestible(
    customer: Any, agent: Any, followed_up: HandoffServer
) -> None:
    ana = await agent(followed_up.url)
    sam = await owned(customer, ana, followed_up)
    await sam.say("the assembly instructions for my wardrobe are missing, what now")
    await ana.wait_for("conversation_message", lambda p: "wardrobe" in p["entry"]["text"])
    reply = "Every manual is on our website under the product's page, as a PDF to print."
    payload = {"conversation_id": sam.conversation_id, "text": reply, "client_msg_id": "m-w"}
    assert (await ana.call("send_message", payload))["ok"]
    closing = {"conversation_id": sam.conversation_id, "resolution": "sent", "follow_up": True}
    assert (await ana.call("close", closing))["ok"]  # neither rated nor tagged resolved
    question = await sam.wait_for("tandem_followup")

    later = await owned(customer, ana, followed_up)
    await later.say("where are the assembly instructions of the wardrobe?")
    assert reply not in await suggested(ana, later.conversation_id)  # a close alone keeps none
    answer = {"conversation_id": question["conversation_id"], "solved": True}
    assert (await sam.call("tandem_followup_answer", answer))["ok"]
    await until_suggested(ana, later.conversation_id, reply)
    found = await ana.call("get_suggestions", {"conversation_id": later.conversation_id})
    [past] = [s for s in found["suggestions"] if s["text"] == reply]
    assert "csat" not in past and "resolved" in past["why"]
