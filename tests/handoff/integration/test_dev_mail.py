"""Developer mode's mail loop: the built-in sink keeps what the service sends, the Mail page's
API lists it, and "Reply as the customer" sends a real, threaded SMTP reply to the inbound
listener: a test SMTP server standing in for it shows the reply as sent, and the service's own
listener lands it in the conversation, live in the agent's console. Without a listener
(``TANDEM_INBOUND_SMTP_PORT=0``) the reply fails clearly; an agent who is not an admin: 403;
outside developer mode: 404.

Every port is a free one: the developer defaults (2526, 8025) may be held by a running stack."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.support.handoff_server import HandoffServer
from tests.support.ports import free_port
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.asyncio


async def ticket_answered(customer: Any, agent: Any, url: str, prefix: str) -> tuple[Any, str]:
    sam = await customer(url=url)
    ack = await sam.say("human please")
    await sam.wait_for("tandem_state", lambda p: p["state"] == "offline")
    sent = await sam.call(
        "tandem_offline_message", {"email": "sam@example.org", "message": "<b>where</b> & when"}
    )
    assert sent["ok"]
    await sam.wait_text("will reply to sam@example.org")  # email is on: the promise is kept
    await sam.close()
    conversation_id = ack["conversation_id"]
    ana = await agent(url=url, prefix=prefix, roles=["admin"])  # the mailbox is for admins
    assert (await ana.call("claim", {"conversation_id": conversation_id}))["ok"]
    await ana.call(
        "send_message",
        {
            "conversation_id": conversation_id,
            "text": "On its way <i>today</i>",
            "client_msg_id": "a",
        },
    )
    await ana.wait_for("email_status", lambda p: p["email"]["status"] == "sent", timeout=15)
    return ana, conversation_id


async def test_the_sink_keeps_the_email_and_the_reply_goes_to_the_inbound_listener(
    start_server: Callable[..., HandoffServer], customer: Any, agent: Any
) -> None:
    with SmtpSink() as inbound:
        # The stand-in holds the port, so the service's own listener does not start (dev mode
        # goes on without it); the next test has the real one.
        server = start_server(
            {
                "TANDEM_DEV": "1",
                "TANDEM_REDIS_PREFIX": "devmail:",
                "TANDEM_DEV_MAIL_PORT": str(free_port()),
                "TANDEM_MAIL_BATCH_SECONDS": "0",
                "TANDEM_INBOUND_SMTP_PORT": str(inbound.port),
            }
        )
        ana, conversation_id = await ticket_answered(customer, agent, server.url, "devmail:")
        headers = {"Authorization": f"Bearer {ana.token}"}
        async with httpx.AsyncClient(base_url=server.url, headers=headers) as http:
            listed = (await http.get("/api/dev/mail")).json()
            assert listed["sink"] and listed["inbound"]
            (mail,) = listed["emails"]
            assert mail["to"] == ["sam@example.org"]
            assert "On its way <i>today</i>" in mail["text"]  # text, shown as text
            assert mail["reply_to"].startswith("reply+")
            assert conversation_id in mail["message_id"]

            refused = await http.post(f"/api/dev/mail/{mail['id']}/reply", json={"text": " "})
            assert refused.status_code == 400
            replied = await http.post(
                f"/api/dev/mail/{mail['id']}/reply", json={"text": "Thanks, got it"}
            )
            assert replied.status_code == 200, replied.text
        (reply,) = await inbound.wait_for(1)
        assert reply["To"] == mail["reply_to"] and reply["From"] == "sam@example.org"
        assert reply["In-Reply-To"] == mail["message_id"]
        assert reply["Subject"] == "Re: " + mail["subject"]
        assert reply.get_content().startswith("Thanks, got it")
        assert inbound.received[0][1] == [mail["reply_to"]]


async def test_replying_as_the_customer_lands_in_the_conversation_through_the_listener(
    start_server: Callable[..., HandoffServer], customer: Any, agent: Any
) -> None:
    server = start_server(
        {
            "TANDEM_DEV": "1",
            "TANDEM_REDIS_PREFIX": "devmail4:",
            "TANDEM_DEV_MAIL_PORT": str(free_port()),
            "TANDEM_MAIL_BATCH_SECONDS": "0",
            "TANDEM_INBOUND_SMTP_PORT": str(free_port()),  # the service's own listener
        }
    )
    ana, conversation_id = await ticket_answered(customer, agent, server.url, "devmail4:")
    headers = {"Authorization": f"Bearer {ana.token}"}
    async with httpx.AsyncClient(base_url=server.url, headers=headers) as http:
        (mail,) = (await http.get("/api/dev/mail")).json()["emails"]
        replied = await http.post(
            f"/api/dev/mail/{mail['id']}/reply", json={"text": "Thanks, <b>got it</b>"}
        )
        assert replied.status_code == 200, replied.text
    landed = await ana.wait_for(
        "conversation_message",
        lambda p: p["conversation_id"] == conversation_id and p["entry"].get("channel") == "email",
    )
    entry = landed["entry"]
    # The customer's words only: the quoted email below them is stripped, the markup is text.
    assert entry["author"] == "customer" and entry["text"] == "Thanks, <b>got it</b>"
    detail = await ana.call("get_conversation", {"conversation_id": conversation_id})
    stored = [m for m in detail["messages"] if m.get("channel") == "email"]
    assert [m["seq"] for m in stored] == [entry["seq"]]


async def test_without_a_listener_the_reply_fails_clearly_and_outside_dev_mode_404(
    start_server: Callable[..., HandoffServer], customer: Any, agent: Any
) -> None:
    server = start_server(
        {
            "TANDEM_DEV": "1",
            "TANDEM_REDIS_PREFIX": "devmail2:",
            "TANDEM_DEV_MAIL_PORT": str(free_port()),
            "TANDEM_MAIL_BATCH_SECONDS": "0",
            "TANDEM_INBOUND_SMTP_PORT": "0",  # dev mode listens by default: turned off
        }
    )
    ana, _ = await ticket_answered(customer, agent, server.url, "devmail2:")
    headers = {"Authorization": f"Bearer {ana.token}"}
    async with httpx.AsyncClient(base_url=server.url, headers=headers) as http:
        assert (await http.get("/api/dev/mail", headers={"Authorization": ""})).status_code == 401
        # Every customer's email is in the mailbox: an agent without the admin role is refused.
        bob = await agent(url=server.url, prefix="devmail2:", connect=False)
        not_admin = {"Authorization": f"Bearer {bob.token}"}
        assert (await http.get("/api/dev/mail", headers=not_admin)).status_code == 403
        refused = await http.post("/api/dev/mail/d1/reply", headers=not_admin, json={"text": "x"})
        assert refused.status_code == 403
        (mail,) = (await http.get("/api/dev/mail")).json()["emails"]
        replied = await http.post(f"/api/dev/mail/{mail['id']}/reply", json={"text": "hi"})
        assert replied.status_code == 503
        assert "TANDEM_INBOUND_SMTP_PORT" in replied.json()["error"]["message"]

    production = start_server({"TANDEM_REDIS_PREFIX": "devmail3:"})
    async with httpx.AsyncClient(base_url=production.url, headers=headers) as http:
        assert (await http.get("/api/dev/mail")).status_code == 404
        assert (await http.post("/api/dev/mail/d1/reply", json={"text": "x"})).status_code == 404


async def test_without_email_the_offline_form_promises_none(customer: Any) -> None:
    sam = await customer()  # the default test server has no TANDEM_SMTP_URL
    await sam.say("human please")
    await sam.wait_for("tandem_state", lambda p: p["state"] == "offline")
    assert (await sam.call("tandem_offline_message", {"email": "s@example.org", "message": "x"}))[
        "ok"
    ]
    told = await sam.wait_text("will answer here")
    assert "s@example.org" not in told["text"]
    refused = await sam.call("tandem_email_transcript", {"email": "s@example.org"})
    assert refused["error"]["code"] == "mail_off"
