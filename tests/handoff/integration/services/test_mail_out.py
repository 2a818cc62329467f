"""Email out, for real: the service hands its email to an SMTP server (aiosmtpd on loopback).

An offline ticket's answer arrives by email with both parts, its headers and a signed reply
token; quick replies make one email; a mail server that is down, then back, gets the email
exactly once; a permanent refusal is shown as failed with the reason; two replicas send once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from typing import Any

import httpx
import pytest

from handoff.security.reply_tokens import ReplyTokens
from tests.support.handoff_server import TEST_SECRET, HandoffServer
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.asyncio

HOSTILE = "<script>alert('x')</script> Tom & Jerry"


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as server:
        yield server


def mail_env(sink: SmtpSink, prefix: str, **extra: str) -> dict[str, str]:
    return {
        "TANDEM_REDIS_PREFIX": prefix,
        "TANDEM_SMTP_URL": sink.url,
        "TANDEM_MAIL_FROM": "Shop Support <help@shop.example>",
        "TANDEM_MAIL_REPLY_DOMAIN": "reply.shop.example",
        "TANDEM_MAIL_BATCH_SECONDS": "1",
        "TANDEM_MAIL_RETRY_SECONDS": "0.5",
        "TANDEM_PUBLIC_URL": "https://help.shop.example",
        **extra,
    }


async def offline_ticket(customer: Any, url: str, email: str = "sam@example.org") -> str:
    """A customer who found nobody, left the form and closed the chat; the ticket's id."""
    sam = await customer(url=url)
    ack = await sam.say("human please")
    await sam.wait_for("tandem_state", lambda p: p["state"] == "offline")
    sent = await sam.call(
        "tandem_offline_message", {"email": email, "message": "Where is my order?"}
    )
    assert sent["ok"]
    await sam.close()
    await asyncio.sleep(0.3)  # the server handles the disconnect (not an assertion on timing)
    return str(ack["conversation_id"])


async def answer(ana: Any, conversation_id: str, *texts: str) -> None:
    assert (await ana.call("claim", {"conversation_id": conversation_id}))["ok"]
    for i, text in enumerate(texts):
        sent = await ana.call(
            "send_message",
            {"conversation_id": conversation_id, "text": text, "client_msg_id": f"r{i}"},
        )
        assert sent["ok"], sent


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


async def test_an_offline_ticket_is_answered_by_email(
    start_server: Callable[..., HandoffServer], customer: Any, agent: Any, sink: SmtpSink
) -> None:
    server = start_server(mail_env(sink, "mail1:"))
    conversation_id = await offline_ticket(customer, server.url)
    ana = await agent(url=server.url, prefix="mail1:", name="Ana")
    await answer(ana, conversation_id, HOSTILE)
    queued = await ana.wait_for("email_status", lambda p: p["email"]["status"] == "queued")
    assert queued["conversation_id"] == conversation_id

    (message,) = await sink.wait_for(1)
    (mail_from, rcpt, _) = sink.received[0]
    assert mail_from == "help@shop.example" and rcpt == ["sam@example.org"]
    assert message["To"] == "sam@example.org"
    assert message["From"] == "Shop Support <help@shop.example>"
    assert message["Subject"] == "New reply to your support request"
    assert message["Message-ID"].endswith(f".{conversation_id}@reply.shop.example>")
    assert message["Auto-Submitted"] == "auto-generated"
    # The reply address names this conversation, signed: the inbound side can trust it.
    reply_to = message["Reply-To"]
    assert reply_to.startswith("reply+") and reply_to.endswith("@reply.shop.example")
    assert (
        ReplyTokens("another-secret-0123456789").conversation_of(reply_to, now=time.time()) is None
    )
    assert ReplyTokens(TEST_SECRET).conversation_of(reply_to, now=time.time()) == conversation_id
    unsubscribe = message["List-Unsubscribe"]
    assert unsubscribe.startswith("<https://help.shop.example/api/mail/unsubscribe?t=")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    text, html = parts(message)
    assert HOSTILE in text and "Where is my order?" in text  # the reply and the quoted history
    assert "https://help.shop.example/" in text
    assert "<script>" not in html and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "Tom &amp; Jerry" in html

    sent = await ana.wait_for("email_status", lambda p: p["email"]["status"] == "sent")
    assert sent["email"]["tries"] == 1 and sent["email"]["to"] == "sam@example.org"
    detail = await ana.call("get_conversation", {"conversation_id": conversation_id})
    assert [e["status"] for e in detail["emails"]] == ["sent"]

    # The next reply threads under the first.
    await ana.call(
        "send_message",
        {"conversation_id": conversation_id, "text": "Anything else?", "client_msg_id": "r9"},
    )
    first, second = await sink.wait_for(2)
    assert second["In-Reply-To"] == first["Message-ID"]
    assert second["References"] == first["Message-ID"]
    assert second["Message-ID"] != first["Message-ID"]


async def test_three_quick_replies_make_one_email(
    start_server: Callable[..., HandoffServer], customer: Any, agent: Any, sink: SmtpSink
) -> None:
    server = start_server(mail_env(sink, "mail2:", TANDEM_MAIL_BATCH_SECONDS="2"))
    conversation_id = await offline_ticket(customer, server.url)
    ana = await agent(url=server.url, prefix="mail2:")
    await answer(ana, conversation_id, "Hello Sam.", "Your parcel left today.", "Tracking: 42")
    resent = await ana.call(  # a lost ack: the console sends it again with the same id
        "send_message",
        {"conversation_id": conversation_id, "text": "Hello Sam.", "client_msg_id": "r0"},
    )
    assert resent["duplicate"]
    sent = await ana.wait_for("email_status", lambda p: p["email"]["status"] == "sent", timeout=15)
    assert sent["email"]["seqs"][1] - sent["email"]["seqs"][0] >= 2  # three entries in one
    (message,) = sink.messages()
    text, _ = parts(message)
    assert text.index("Hello Sam.") < text.index("Your parcel left today.") < text.index("Tracking")
    assert text.count("Hello Sam.") == 1
    queued = [p for p in ana.rec.of("email_status") if p["email"]["status"] == "queued"]
    assert len({p["email"]["id"] for p in queued}) == 1


async def test_the_mail_server_down_then_back_gets_the_email_once(
    start_server: Callable[..., HandoffServer], customer: Any, agent: Any, sink: SmtpSink
) -> None:
    server = start_server(mail_env(sink, "mail3:", TANDEM_MAIL_BATCH_SECONDS="0"))
    conversation_id = await offline_ticket(customer, server.url)
    sink.stop()  # the mail server is down
    ana = await agent(url=server.url, prefix="mail3:")
    await answer(ana, conversation_id, "Sorry for the wait")
    retrying = await ana.wait_for(
        "email_status", lambda p: p["email"]["status"] == "retrying", timeout=15
    )
    assert "refused" in retrying["email"]["reason"].lower() or retrying["email"]["reason"]
    await ana.wait_for(
        "email_status",
        lambda p: p["email"]["status"] == "retrying" and p["email"]["tries"] >= 2,
        timeout=15,
    )
    sink.start()  # back
    sent = await ana.wait_for("email_status", lambda p: p["email"]["status"] == "sent", timeout=20)
    assert sent["email"]["tries"] >= 3
    (message,) = await sink.wait_for(1)
    await asyncio.sleep(2)  # long enough for a second copy to arrive if one were coming
    assert len(sink.messages()) == 1
    assert "Sorry for the wait" in parts(message)[0]


async def test_a_permanent_refusal_fails_with_the_reason(
    start_server: Callable[..., HandoffServer], customer: Any, agent: Any, sink: SmtpSink
) -> None:
    server = start_server(mail_env(sink, "mail4:", TANDEM_MAIL_BATCH_SECONDS="0"))
    conversation_id = await offline_ticket(customer, server.url, email="nobody@example.org")
    sink.refuse = "550 5.1.1 No such mailbox here"
    ana = await agent(url=server.url, prefix="mail4:")
    await answer(ana, conversation_id, "Hello?")
    failed = await ana.wait_for(
        "email_status", lambda p: p["email"]["status"] == "failed", timeout=15
    )
    assert failed["email"]["tries"] == 1  # a 5xx is not retried
    assert failed["email"]["reason"] == "550 5.1.1 No such mailbox here"
    detail = await ana.call("get_conversation", {"conversation_id": conversation_id})
    assert detail["emails"][0]["status"] == "failed"
    assert detail["emails"][0]["reason"] == "550 5.1.1 No such mailbox here"
    assert sink.messages() == []


async def test_two_replicas_send_each_email_once(
    start_server: Callable[..., HandoffServer], customer: Any, agent: Any, sink: SmtpSink
) -> None:
    env = mail_env(sink, "mail5:", TANDEM_MAIL_BATCH_SECONDS="0")
    first, second = start_server(env), start_server(env)
    tickets = [await offline_ticket(customer, first.url, f"c{i}@example.org") for i in range(4)]
    ana = await agent(url=second.url, prefix="mail5:", capacity=10)
    for conversation_id in tickets:
        await answer(ana, conversation_id, f"Answer for {conversation_id}")
    await sink.wait_for(4, timeout=20)
    await asyncio.sleep(2)
    received = sink.messages()
    assert len(received) == 4
    assert len({m["Message-ID"] for m in received}) == 4
    assert sorted(m["To"] for m in received) == [f"c{i}@example.org" for i in range(4)]


async def test_a_customer_who_is_here_gets_no_email_and_one_away_does(
    start_server: Callable[..., HandoffServer], customer: Any, agent: Any, sink: SmtpSink
) -> None:
    server = start_server(
        mail_env(sink, "mail6:", TANDEM_MAIL_BATCH_SECONDS="0", TANDEM_MAIL_AWAY_SECONDS="2")
    )
    ana = await agent(url=server.url, prefix="mail6:")
    sam = await customer(url=server.url)
    # The triage collected an address; a person takes over while Sam is still here.
    ack = await sam.say("human please", metadata={})
    conversation_id = ack["conversation_id"]
    queued = await ana.wait_for("queue_added")
    assert queued["item"]["conversation_id"] == conversation_id
    transcript = await ana.call(
        "send_transcript", {"conversation_id": conversation_id, "email": "sam@example.org"}
    )
    assert transcript["ok"] and transcript["email"]["kind"] == "transcript"
    (copy,) = await sink.wait_for(1)
    assert copy["Subject"] == "Your chat transcript" and "human please" in parts(copy)[0]
    await answer(ana, conversation_id, "I'm here, Sam")  # Sam is connected: chat only
    await sam.wait_text("I'm here, Sam")
    await sam.close()
    await asyncio.sleep(0.3)  # the server handles the disconnect (not an assertion on timing)
    await ana.call(
        "send_message",
        {"conversation_id": conversation_id, "text": "Are you still there?", "client_msg_id": "x"},
    )
    sent = await ana.wait_for(
        "email_status",
        lambda p: p["email"]["status"] == "sent" and p["email"]["kind"] == "reply",
        timeout=15,
    )
    assert sent["email"]["created_at"] >= 0
    _, reply = await sink.wait_for(2)
    lines = parts(reply)[0].splitlines()
    # The new message first, as itself; what came before quoted below it.
    assert "Are you still there?" in lines
    earlier = lines.index("Earlier in this conversation:")
    assert lines.index("Are you still there?") < earlier
    quoted = [line for line in lines[earlier:] if line.startswith("> ")]
    assert any("I'm here, Sam" in line for line in quoted)
    assert any(line == "> You: human please" for line in quoted)


async def test_unsubscribing_stops_the_emails_of_the_conversation(
    start_server: Callable[..., HandoffServer], customer: Any, agent: Any, sink: SmtpSink
) -> None:
    server = start_server(mail_env(sink, "mail7:", TANDEM_MAIL_BATCH_SECONDS="0"))
    conversation_id = await offline_ticket(customer, server.url)
    ana = await agent(url=server.url, prefix="mail7:")
    await answer(ana, conversation_id, "First answer")
    (message,) = await sink.wait_for(1)
    link = message["List-Unsubscribe"].strip("<>").replace("https://help.shop.example", server.url)
    async with httpx.AsyncClient() as http:
        forged = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
        assert (await http.post(forged)).status_code == 404
        page = await http.get(link)  # a link scanner, or a person: nothing changes yet
        assert page.status_code == 200 and '<form method="post"' in page.text
        await ana.call(
            "send_message",
            {"conversation_id": conversation_id, "text": "Second", "client_msg_id": "u2"},
        )
        await sink.wait_for(2)
        done = await http.post(link, content=b"List-Unsubscribe=One-Click")
        assert done.status_code == 200
    await ana.call(
        "send_message", {"conversation_id": conversation_id, "text": "Third", "client_msg_id": "u3"}
    )
    await ana.call(
        "add_note", {"conversation_id": conversation_id, "text": "a marker", "client_msg_id": "n"}
    )
    await asyncio.sleep(2)  # long enough for a third email to arrive if one were coming
    assert len(sink.messages()) == 2
    statuses = [p["email"]["status"] for p in ana.rec.of("email_status")]
    assert statuses.count("sent") == 2 and statuses.count("queued") == 2


async def test_the_customer_asks_for_the_transcript(
    start_server: Callable[..., HandoffServer], customer: Any, sink: SmtpSink
) -> None:
    server = start_server(mail_env(sink, "mail8:"))
    sam = await customer(url=server.url)
    await sam.say("hello")
    session = sam.rec.of("tandem_session")[-1]
    assert session.get("email") is True  # the widget may offer it
    unknown = await sam.call("tandem_email_transcript", {})
    assert unknown["error"]["code"] == "bad_request"  # no address known: the widget asks
    bad = await sam.call("tandem_email_transcript", {"email": "not an address"})
    assert bad["error"]["code"] == "bad_request"
    ok = await sam.call("tandem_email_transcript", {"email": "sam@example.org"})
    assert ok == {"ok": True, "sent_to": "s***@example.org"}
    # Known now: another address in the payload does not redirect the conversation.
    again = await sam.call("tandem_email_transcript", {"email": "eve@evil.example"})
    assert again == {"ok": True, "sent_to": "s***@example.org"}
    limited = await sam.call("tandem_email_transcript", {})
    assert limited["error"]["code"] == "rate_limited"
    received = await sink.wait_for(2)
    assert {m["To"] for m in received} == {"sam@example.org"}
    assert all("hello" in parts(m)[0] for m in received)
