"""Customers in their own language: routed by language group, told in their language, and never
queued for nobody who understands them (the stand-in bot says which language a message is in)."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.asyncio


async def test_a_language_nobody_online_speaks_gets_the_message_form_not_a_queue(
    customer: Any, agent: Any
) -> None:
    await agent(languages=["en", "de"])
    amani = await customer()
    await amani.say("sw: nataka kuzungumza na mtu")
    state = await amani.wait_for("tandem_state", lambda p: p["state"] == "offline")
    assert state["offline_reason"] == "no_speaker" and state["language"] == "sw"
    # No Swahili texts: told in English, naming the language.
    await amani.wait_text("Nobody on our team who speaks Swahili is online right now")


async def test_a_language_with_texts_is_told_so_in_that_language(customer: Any, agent: Any) -> None:
    await agent(languages=["en"])
    hans = await customer()
    await hans.say("de: ich möchte mit jemandem sprechen")
    state = await hans.wait_for("tandem_state", lambda p: p["state"] == "offline")
    assert state["offline_reason"] == "no_speaker"
    await hans.wait_text("niemand aus unserem Team online, der Deutsch spricht")


async def test_one_speaker_of_the_group_is_enough_and_the_conversation_is_theirs_first(
    customer: Any, agent: Any
) -> None:
    ivana = await agent(languages=["en", "hr"])  # Croatian covers Bosnian and Serbian
    other = await agent(languages=["en"])
    amer = await customer()
    ack = await amer.say("bs: trebam razgovarati sa osobom")
    state = await amer.wait_for("tandem_state", lambda p: p["state"] == "queued")
    assert state["language"] == "bs"
    refused = await other.call("claim", {"conversation_id": ack["conversation_id"]})
    assert refused["error"]["code"] == "not_eligible"  # reserved for a speaker for a while
    claimed = await ivana.call("claim", {"conversation_id": ack["conversation_id"]})
    assert claimed["ok"]


async def test_the_service_speaks_the_language_the_bot_answers_in(
    customer: Any, agent: Any
) -> None:
    await agent(languages=["en", "hr"])
    ana = await customer()
    await ana.say("in hr bok, trebam pomoć")
    changed = await ana.wait_for("tandem_state", lambda p: p.get("language") == "hr")
    assert changed["state"] == "bot"
    await ana.say("human please")
    # The queue's sentence, and its wait, in Croatian.
    await ana.wait_text("Hvala na strpljenju")
    await ana.wait_for("tandem_state", lambda p: p["state"] == "queued" and p["language"] == "hr")
    # A reconnecting widget learns the language from its session.
    again = await customer(session_id=ana.session_id)
    session = await again.wait_for("tandem_session")
    assert session["language"] == "hr"


async def test_the_message_form_starts_with_the_email_the_triage_collected(
    customer: Any,
) -> None:
    sam = await customer()
    await sam.say("triage orders my parcel is lost, sam.k@example.org")
    state = await sam.wait_for("tandem_state", lambda p: p["state"] == "offline")
    assert state["offline_reason"] == "no_agents"
    assert state["contact_email"] == "sam.k@example.org"
