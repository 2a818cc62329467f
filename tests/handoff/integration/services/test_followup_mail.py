"""The follow-up by email, for real: a ticket answered by email and closed with a follow-up (a
delay of zero, so it is due at once) gets "Was your problem solved?" in the customer's language
through the outbox and a real SMTP server (aiosmtpd), once; its signed "no" link, POSTed,
reopens the conversation to the queue with its history, as the widget's button does."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from handoff.security.reply_tokens import ReplyTokens
from handoff.store.keys import Keys
from tests.handoff.integration.services.test_mail_out import answer, mail_env, parts
from tests.support.handoff_server import TEST_SECRET, HandoffServer
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.asyncio
PREFIX = "fmail1:"
KEYS = Keys(PREFIX)
PUBLIC = "https://help.shop.example"
QUESTION = "Wurde Ihr Problem gelöst?"


async def german_ticket(customer: Any, url: str) -> str:
    """A German customer who found nobody, left the form and closed the chat."""
    sam = await customer(url=url)
    ack = await sam.say("de: Ich möchte mit einem Menschen sprechen")
    await sam.wait_for("tandem_state", lambda p: p["state"] == "offline")
    left = {"email": "sam@example.org", "message": "Wo ist meine Bestellung?"}
    assert (await sam.call("tandem_offline_message", left))["ok"]
    await sam.close()
    await asyncio.sleep(0.3)  # the server handles the disconnect (not an assertion on timing)
    return str(ack["conversation_id"])


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as receiver:
        yield receiver


async def taken_for_mail(redis: Any) -> None:
    """The sender took the due follow-ups (it ticks twice a second; no time is asserted)."""
    for _ in range(200):
        if not await redis.zcard(KEYS.followups_mail):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the sender never took the follow-up")


def followups_in(sink: SmtpSink) -> list[Any]:
    return [m for m in sink.messages() if m["Subject"] == QUESTION]


async def outbox_kinds(redis: Any, conversation_id: str) -> list[tuple[str, str]]:
    ids = await redis.lrange(KEYS.mail_conversation(conversation_id), 0, -1)
    return [
        (
            await redis.hget(KEYS.mail_entry(i), "kind"),
            await redis.hget(KEYS.mail_entry(i), "status"),
        )
        for i in ids
    ]


async def test_the_follow_up_email_arrives_once_and_its_no_link_reopens_to_the_queue(
    start_server: Callable[..., HandoffServer],
    customer: Any,
    agent: Any,
    sink: SmtpSink,
    redis: Any,
) -> None:
    server = start_server(mail_env(sink, PREFIX, TANDEM_FOLLOWUP_HOURS="0"))
    conversation_id = await german_ticket(customer, server.url)
    ana = await agent(url=server.url, prefix=PREFIX, name="Ana", languages=["de"])
    await answer(ana, conversation_id, "Ihr Paket ist unterwegs")
    await sink.wait_for(1)  # the answer, by email
    closing = {"conversation_id": conversation_id, "resolution": "resent"}  # a ticket: on
    assert (await ana.call("close", closing))["ok"]

    await sink.wait_for(2)
    (message,) = followups_in(sink)
    assert message["To"] == "sam@example.org"
    assert message["In-Reply-To"]  # threaded under the answer the customer got
    # A plain reply lands in this conversation like any reply (the signed Reply-To token).
    reply_to = message["Reply-To"]
    assert ReplyTokens(TEST_SECRET).conversation_of(reply_to, now=time.time()) == conversation_id
    text, html = parts(message)
    links = dict(re.findall(rf"(Ja, gelöst|Nein, noch nicht): ({PUBLIC}\S+)", text))
    assert set(links) == {"Ja, gelöst", "Nein, noch nicht"}
    no = links["Nein, noch nicht"]
    assert no.startswith(f"{PUBLIC}/api/mail/followup?t={conversation_id}.") and no.endswith(
        "&a=no"
    )
    assert QUESTION in html and no.replace("&", "&amp;") in html and f'"{no}"' not in html

    # Once: the follow-up is queued again (another replica, a retried tick); no second email.
    await redis.zadd(KEYS.followups_mail, {conversation_id: time.time()})
    await taken_for_mail(redis)
    # A tick queues the follow-ups it took before it claims what is due: once this transcript
    # (queued after the take) arrives, a second follow-up email would have been queued too.
    sent = await ana.call("send_transcript", {"conversation_id": conversation_id})
    assert sent["ok"], sent
    await sink.wait_for(3)
    assert len(followups_in(sink)) == 1
    kinds = await outbox_kinds(redis, conversation_id)
    assert sorted(k for k, _ in kinds) == ["followup", "reply", "transcript"]

    link = no.replace(PUBLIC, server.url)
    async with httpx.AsyncClient() as http:
        # Opening the link (or a scanner fetching it) answers nothing: a page with the button.
        page = await http.get(link)
        assert page.status_code == 200 and "Nein, noch nicht" in page.text
        assert await redis.hget(KEYS.conversation(conversation_id), "followup") == "due"
        forged = await http.post(link.replace(f"{conversation_id}.", f"{conversation_id}.x"))
        assert forged.status_code == 404
        ben = await agent(url=server.url, prefix=PREFIX, name="Ben", languages=["de"])
        clicked = await http.post(link)
        assert clicked.status_code == 200, clicked.text
        assert "Schade, dass es noch nicht gelöst ist" in clicked.text
        again = await http.post(link.replace("a=no", "a=yes"))
        assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_state"

    added = await ben.wait_for(
        "queue_added", lambda p: p["item"]["conversation_id"] == conversation_id
    )
    assert added["item"]["reopened"] == "followup"
    claimed = await ben.call("claim", {"conversation_id": conversation_id})
    assert claimed["ok"] and claimed["conversation"]["followup"] == "no"
    said = [m["text"] for m in claimed["messages"]]
    assert "Ihr Paket ist unterwegs" in said and "Wo ist meine Bestellung?" in said
    stats = (await ben.call("get_stats"))["stats"]
    assert (stats["followup_yes"], stats["followup_no"]) == (0, 1)


async def entry_of_kind(redis: Any, keys: Keys, conversation_id: str, kind: str) -> dict[str, str]:
    """The conversation's outbox entry of that kind once it exists ({} until then)."""
    for entry_id in await redis.lrange(keys.mail_conversation(conversation_id), 0, -1):
        fields = await redis.hgetall(keys.mail_entry(entry_id))
        if fields.get("kind") == kind:
            return dict(fields)
    return {}


async def ticket_closed_while_the_widget_is_open(
    start_server: Callable[..., HandoffServer],
    customer: Any,
    agent: Any,
    sink: SmtpSink,
    prefix: str,
) -> tuple[Any, str]:
    """A German ticket answered and closed with a follow-up (due at once) while its customer's
    widget stays open; the customer's client and the conversation id. Each test has its own
    prefix: the servers of earlier tests still run, and would send this one's email too."""
    env = mail_env(sink, prefix, TANDEM_FOLLOWUP_HOURS="0", TANDEM_MAIL_AWAY_SECONDS="1")
    server = start_server(env)
    sam = await customer(url=server.url)
    ack = await sam.say("de: Ich möchte mit einem Menschen sprechen")
    conversation_id = str(ack["conversation_id"])
    await sam.wait_for("tandem_state", lambda p: p["state"] == "offline")
    left = {"email": "sam@example.org", "message": "Wo ist meine Bestellung?"}
    assert (await sam.call("tandem_offline_message", left))["ok"]
    ana = await agent(url=server.url, prefix=prefix, name="Ana", languages=["de"])
    await answer(ana, conversation_id, "Ihr Paket ist unterwegs")
    closing = {"conversation_id": conversation_id, "resolution": "resent"}  # a ticket: on
    assert (await ana.call("close", closing))["ok"]
    # The open widget is asked at once.
    asked = await sam.wait_for("tandem_followup", lambda p: p["conversation_id"] == conversation_id)
    assert asked["question"] == QUESTION
    return sam, conversation_id


async def followup_entry_when(
    redis: Any, keys: Keys, conversation_id: str, holds: Callable[[dict[str, str]], bool], what: str
) -> dict[str, str]:
    """The follow-up email's outbox entry once ``holds`` is true of it (a bounded wait)."""
    entry: dict[str, str] = {}
    for _ in range(200):
        entry = await entry_of_kind(redis, keys, conversation_id, "followup")
        if holds(entry):
            return entry
        await asyncio.sleep(0.05)
    raise AssertionError(f"the follow-up email {what}: {entry}")


async def email_waits(redis: Any, keys: Keys, conversation_id: str) -> dict[str, str]:
    """The follow-up email's entry once its sender looked, found the widget open, and waits
    (between two looks: each look claims it, ``sending``, and puts it back, ``queued``)."""
    return await followup_entry_when(
        redis,
        keys,
        conversation_id,
        lambda e: e.get("reason", "").startswith("waiting") and e.get("status") == "queued",
        "never waited",
    )


async def test_no_follow_up_email_while_the_widget_is_open_it_goes_once_the_customer_left(
    start_server: Callable[..., HandoffServer],
    customer: Any,
    agent: Any,
    sink: SmtpSink,
    redis: Any,
) -> None:
    keys = Keys("fmail2:")
    sam, conversation_id = await ticket_closed_while_the_widget_is_open(
        start_server, customer, agent, sink, keys.prefix
    )
    entry = await email_waits(redis, keys, conversation_id)
    assert entry["status"] == "queued" and entry["tries"] == "0", entry
    assert followups_in(sink) == []

    # Gone without answering: the email asks them, once.
    await sam.close()
    await sink.wait_for(1)  # nothing else was emailed: the customer was in the chat throughout
    (message,) = followups_in(sink)
    assert message["To"] == "sam@example.org"
    # The sink has it; the sender records "sent" right after the SMTP server's answer.
    sent = await followup_entry_when(
        redis, keys, conversation_id, lambda e: e.get("status") != "sending", "stayed sending"
    )
    assert sent["status"] == "sent" and sent["tries"] == "1", sent  # the waits were not tries


async def test_a_follow_up_answered_in_the_widget_sends_no_email(
    start_server: Callable[..., HandoffServer],
    customer: Any,
    agent: Any,
    sink: SmtpSink,
    redis: Any,
) -> None:
    keys = Keys("fmail3:")
    sam, conversation_id = await ticket_closed_while_the_widget_is_open(
        start_server, customer, agent, sink, keys.prefix
    )
    await email_waits(redis, keys, conversation_id)
    answered = {"conversation_id": conversation_id, "solved": True}
    assert (await sam.call("tandem_followup_answer", answered))["ok"]
    await sam.close()

    entry = await followup_entry_when(
        redis, keys, conversation_id, lambda e: e.get("status") == "skipped", "was not skipped"
    )
    assert "answered" in entry["reason"]
    assert followups_in(sink) == []
