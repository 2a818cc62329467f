"""Email in, end to end: real SMTP sessions (aiosmtplib) to the service's own listener, the real
service in a subprocess on a real Redis, real socket.io customer and agent clients.

The customer's reply lands in the conversation and reaches the agent's console live, once
however often it is delivered; forged and expired reply addresses, oversize mail and floods are
refused; a closed ticket wakes up in the queue."""

from __future__ import annotations

import time
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import aiosmtplib
import pytest
import socketio

from handoff.config.settings import Settings
from handoff.config.texts import SystemTexts
from handoff.domain.entries import encode
from handoff.domain.mail_reply import Reply
from handoff.fanout.notify import Notifier
from handoff.security.reply_tokens import ReplyTokens
from handoff.services.board import Board
from handoff.services.desk import Desk
from handoff.services.mail_in import Landed, MailIn
from handoff.store.agents import AgentStore
from handoff.store.conversations import ConversationStore
from handoff.store.facts import DeskFactsReader
from handoff.store.followups import FollowUpStore
from handoff.store.mail_in import MailSeen, client_msg_id
from handoff.store.presence import Presence
from handoff.store.queue_places import QueuePlaces
from handoff.store.stats import Stats
from tests.handoff.integration.store.conftest import KEYS
from tests.support.handoff_server import TEST_SECRET, HandoffServer
from tests.support.ports import free_port

pytestmark = pytest.mark.asyncio
DOMAIN = "reply.tandem.test"
TOKENS = ReplyTokens(TEST_SECRET)
MAX_BYTES = 8192


@pytest.fixture(scope="module")
def mail_service(start_server: Callable[..., HandoffServer]) -> tuple[HandoffServer, int]:
    port = free_port()
    server = start_server(
        {
            "TANDEM_INBOUND_SMTP_PORT": str(port),
            "TANDEM_MAIL_REPLY_DOMAIN": DOMAIN,
            "TANDEM_INBOUND_MAX_BYTES": str(MAX_BYTES),
        }
    )
    return server, port


def reply_to(conversation_id: str, *, now: float | None = None) -> str:
    return TOKENS.address(conversation_id, domain=DOMAIN, ttl_days=30, now=now or time.time())


def email(text: str, *, to: str, message_id: str) -> bytes:
    message = EmailMessage()
    message["From"] = "Sam K <sam.k@example.org>"
    message["To"] = to
    message["Subject"] = "Re: Your conversation with Tandem support"
    message["Message-ID"] = f"<{message_id}>"
    message.set_content(
        f"{text}\n\nOn Tue, 1 Dec 2026 at 10:02, Tandem Support <{to}> wrote:\n\n"
        "> Hi Sam, your parcel left our warehouse yesterday.\n"
    )
    return message.as_bytes()


async def deliver(
    port: int, raw: bytes, to: str, *, size: int | None = None
) -> tuple[str, int, str]:
    """One SMTP session: (the stage that answered last, its code, its message)."""
    smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=10)
    await smtp.connect()
    try:
        options = [f"SIZE={size}"] if size is not None else []
        stages: list[tuple[str, Callable[[], Any]]] = [
            ("mail", lambda: smtp.mail("sam.k@example.org", options=options)),
            ("rcpt", lambda: smtp.rcpt(to)),
            ("data", lambda: smtp.data(raw)),
        ]
        for stage, command in stages:
            try:
                response = await command()
            except aiosmtplib.SMTPResponseException as refused:
                return stage, refused.code, refused.message
        return "data", response.code, response.message
    finally:
        try:
            await smtp.quit()
        except aiosmtplib.SMTPException:
            smtp.close()


async def owned_conversation(customer: Any, agent: Any, url: str) -> tuple[Any, Any, str]:
    """A customer handed to an agent who claimed the conversation (then the customer leaves)."""
    ana = await agent(url=url)
    sam = await customer(url=url)
    ack = await sam.say("human please")
    conversation_id = ack["conversation_id"]
    await ana.wait_for("queue_added", lambda p: p["item"]["conversation_id"] == conversation_id)
    assert (await ana.call("claim", {"conversation_id": conversation_id}))["ok"]
    return sam, ana, conversation_id


async def test_a_reply_by_email_reaches_the_agents_console_live_without_the_quote(
    mail_service: tuple[HandoffServer, int], customer: Any, agent: Any
) -> None:
    server, port = mail_service
    sam, ana, conversation_id = await owned_conversation(customer, agent, server.url)
    await sam.close()  # gone from the chat; the agent's answer went out by email

    raw = email("Still not arrived, sorry.", to=reply_to(conversation_id), message_id="m1@x")
    assert await deliver(port, raw, reply_to(conversation_id)) == ("data", 250, "OK")

    message = await ana.wait_for(
        "conversation_message", lambda p: p["entry"].get("channel") == "email"
    )
    assert message["conversation_id"] == conversation_id
    entry = message["entry"]
    assert entry["author"] == "customer" and entry["text"] == "Still not arrived, sorry."
    # In the stored history too, for a console that opens it later; still the agent's.
    detail = await ana.call("get_conversation", {"conversation_id": conversation_id})
    assert detail["conversation"]["state"] == "agent"
    (stored,) = [m for m in detail["messages"] if m.get("channel") == "email"]
    assert stored["seq"] == entry["seq"]


async def test_the_same_email_delivered_again_lands_once(
    mail_service: tuple[HandoffServer, int], customer: Any, agent: Any
) -> None:
    server, port = mail_service
    _, ana, conversation_id = await owned_conversation(customer, agent, server.url)
    to = reply_to(conversation_id)
    raw = email("Here is the photo you asked for.", to=to, message_id="again@x")
    for _ in range(3):  # the forwarder lost our 250 twice
        assert (await deliver(port, raw, to))[1] == 250
    detail = await ana.call("get_conversation", {"conversation_id": conversation_id})
    texts = [m["text"] for m in detail["messages"]]
    assert texts.count("Here is the photo you asked for.") == 1


async def test_forged_and_expired_reply_addresses_are_refused_and_nothing_is_attached(
    mail_service: tuple[HandoffServer, int], customer: Any, agent: Any
) -> None:
    server, port = mail_service
    _, ana, conversation_id = await owned_conversation(customer, agent, server.url)
    before = await ana.call("get_conversation", {"conversation_id": conversation_id})
    genuine = reply_to(conversation_id)
    local = genuine.split("@")[0]
    forged = f"{local[:-4]}{'aaaa' if local[-4:] != 'aaaa' else 'bbbb'}@{DOMAIN}"
    expired = reply_to(conversation_id, now=time.time() - 40 * 86400)
    other_domain = genuine.replace(DOMAIN, "elsewhere.test")
    for address in (forged, expired, other_domain, f"support@{DOMAIN}"):
        raw = email("let me in", to=address, message_id=f"{address[-12:]}@x")
        stage, code, _ = await deliver(port, raw, address)
        assert (stage, code) == ("rcpt", 550), address
    after = await ana.call("get_conversation", {"conversation_id": conversation_id})
    assert after["conversation"]["last_seq"] == before["conversation"]["last_seq"]
    assert "let me in" not in [m["text"] for m in after["messages"]]
    log = server.log_tail()
    assert "expired" in log and "forged or malformed" in log and "another domain" in log


async def test_oversize_mail_is_refused_declared_or_not(
    mail_service: tuple[HandoffServer, int], customer: Any, agent: Any
) -> None:
    server, port = mail_service
    _, ana, conversation_id = await owned_conversation(customer, agent, server.url)
    to = reply_to(conversation_id)
    big = email("x" * (2 * MAX_BYTES), to=to, message_id="big@x")
    assert (await deliver(port, big, to, size=len(big)))[:2] == ("mail", 552)
    assert (await deliver(port, big, to))[:2] == ("data", 552)
    detail = await ana.call("get_conversation", {"conversation_id": conversation_id})
    assert all(m.get("channel") != "email" for m in detail["messages"])


async def test_a_flood_of_replies_to_one_conversation_is_told_to_come_back_later(
    mail_service: tuple[HandoffServer, int], customer: Any, agent: Any
) -> None:
    server, port = mail_service
    _, ana, conversation_id = await owned_conversation(customer, agent, server.url)
    to = reply_to(conversation_id)
    answers = [
        await deliver(port, email(f"reply {n}", to=to, message_id=f"flood{n}@x"), to)
        for n in range(7)
    ]
    codes = [code for _, code, _ in answers]
    assert codes[:5] == [250] * 5  # the burst
    stage, code, _ = answers[5]
    assert (stage, code) == ("rcpt", 451)  # a temporary refusal: the sender's server retries
    detail = await ana.call("get_conversation", {"conversation_id": conversation_id})
    landed = [m for m in detail["messages"] if m.get("channel") == "email"]
    assert len(landed) == codes.count(250)


async def test_a_closed_ticket_wakes_up_in_the_queue_with_its_history(
    mail_service: tuple[HandoffServer, int], customer: Any, agent: Any
) -> None:
    server, port = mail_service
    sam, ana, conversation_id = await owned_conversation(customer, agent, server.url)
    await ana.call(
        "send_message",
        {
            "conversation_id": conversation_id,
            "text": "A new card is on its way.",
            "client_msg_id": "a1",
        },
    )
    closed = await ana.call(
        "close", {"conversation_id": conversation_id, "resolution": "card sent", "tags": []}
    )
    assert closed["ok"]
    await sam.close()
    ben = await agent(url=server.url)  # another agent, who never saw it

    to = reply_to(conversation_id)
    raw = email("The card does not work either.", to=to, message_id="wake@x")
    assert (await deliver(port, raw, to))[1] == 250

    # Every console hears of it as of a new queued conversation, saying why it is back.
    added = await ben.wait_for(
        "queue_added", lambda p: p["item"]["conversation_id"] == conversation_id
    )
    item = added["item"]
    assert item["state"] == "queued" and item["reopened"] == "email"
    assert item["preview"] == "The card does not work either."
    queue = await ben.call("get_queue")
    assert [i["conversation_id"] for i in queue["queue"]] == [conversation_id]
    # Whoever claims it reads the whole story, the email last but the reopening note.
    claimed = await ben.call("claim", {"conversation_id": conversation_id})
    assert claimed["ok"]
    texts = [m["text"] for m in claimed["messages"]]
    assert "A new card is on its way." in texts
    email_entry = next(m for m in claimed["messages"] if m.get("channel") == "email")
    assert email_entry["text"] == "The card does not work either."
    assert any(m.get("event") == "reopened" for m in claimed["messages"])


def real_mail_in(redis: Any) -> tuple[MailIn, ConversationStore, MailSeen]:
    """MailIn over the real stores and desk on ``redis`` (nobody online: tickets stay tickets)."""
    clock = lambda: 1_764_000_000.0  # noqa: E731 - one fixed instant
    store = ConversationStore(redis, KEYS, retention_seconds=86400, clock=clock)
    notify = Notifier(socketio.AsyncServer(async_mode="asgi"))
    facts = DeskFactsReader(redis, KEYS)
    board = Board(
        conversations=store,
        facts=facts,
        places=QueuePlaces(redis, KEYS),
        notify=notify,
        clock=clock,
    )
    desk = Desk(
        settings=Settings.from_env({"TANDEM_SECRET": "x" * 32}),
        conversations=store,
        agents=AgentStore(redis, KEYS, clock=clock),
        presence=Presence(redis, KEYS, replica="r1", ttl=15),
        stats=Stats(redis, KEYS, clock=clock),
        facts=facts,
        board=board,
        notify=notify,
        texts=SystemTexts.load(),
        clock=clock,
    )
    seen = MailSeen(redis, KEYS, ttl_seconds=86400)
    mail_in = MailIn(
        conversations=store,
        seen=seen,
        desk=desk,
        followups=FollowUpStore(redis, KEYS, clock=clock),
        notify=notify,
    )
    return mail_in, store, seen


async def test_a_reply_stored_by_an_attempt_that_failed_halfway_still_wakes_the_ticket(
    redis: Any,
) -> None:
    """The first delivery stored the entry and then failed (Redis went away: 451); the
    redelivery finds the entry by its client_msg_id and finishes the job, rather than taking
    itself for a duplicate of a reply that never woke anyone. Real stores on a real Redis."""
    mail_in, store, seen = real_mail_in(redis)
    cid = await store.start("u_1", expected_current="", day_key=KEYS.stats_day("d"))
    await redis.hset(KEYS.conversation(cid), "state", "closed")
    reply = Reply(text="Still broken.", message_id="half@x")
    cmid = client_msg_id("half@x")
    first = await store.append(
        cid,
        encode(author="customer", text=reply.text, client_msg_id=cmid, channel="email"),
        cmid=cmid,
        allowed=("closed",),
    )
    assert first.ok and await seen.landed_as("half@x") is None  # then the attempt died

    landed = await mail_in.land(cid, reply)
    assert landed is not None and landed.seq == first.seq
    # Nobody online: a ticket again, for the agents to answer (else it would be queued).
    assert landed.state == "offline"
    assert await redis.hget(KEYS.conversation(cid), "state") == "offline"
    assert await seen.landed_as("half@x") == (cid, first.seq)
    entries, _ = await store.read_log(cid)
    assert [e["text"] for e in entries].count("Still broken.") == 1
    # Now it is done: a later redelivery is a duplicate and changes nothing.
    assert (await mail_in.land(cid, reply)) == Landed(cid, first.seq, duplicate=True)
