"""Developer mode's mail loop on one machine: a mail sink, and the console's "Mail" page API.

With ``TANDEM_DEV=1`` and ``TANDEM_DEV_MAIL_PORT`` (``make run`` sets both), the service sends
its email to its own small SMTP server (aiosmtpd, loopback only), which keeps what it received
in Redis (``store.dev_mailbox``) instead of delivering it. The console's Mail page
(``/console#mail``) lists it, and "Reply as the customer" sends a real SMTP reply, threaded
(``In-Reply-To``) and addressed to the email's ``Reply-To``, to the inbound listener
(``TANDEM_INBOUND_SMTP_HOST``/``TANDEM_INBOUND_SMTP_PORT``).

Outside developer mode every route here answers 404 and no sink runs.

Example::

    sink = DevMailSink(mailbox)
    await sink.start("127.0.0.1", 8025)            # in before_server_start
    sanic_app.blueprint(DevMailApi(settings=settings, auth=auth, mailbox=mailbox).blueprint())
"""

from __future__ import annotations

import asyncio
import email
import json
import logging
import secrets
import time
from email.message import EmailMessage
from email.policy import SMTP, default
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any

import aiosmtplib
from aiosmtpd.smtp import SMTP as SmtpServer
from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from handoff.config.settings import Settings
from handoff.domain.mail import MAX_ENTRY_CHARS, one_line
from handoff.edges.guarded_route import Handler, RouteGuard
from handoff.edges.http_api import error
from handoff.protocol.errors import ErrorCode
from handoff.services.agent_auth import AgentAuth, AgentSession
from handoff.store.dev_mailbox import DevMailbox

log = logging.getLogger("handoff.mail")
MAX_SINK_BYTES = 1_000_000
MAX_TEXT_CHARS = 50_000


def summary(message: EmailMessage, mail_from: str, rcpt: list[str]) -> dict[str, Any]:
    """What the Mail page shows of one email: headers and the text part (never the HTML)."""
    body = message.get_body(("plain",))
    text = body.get_content() if body is not None else ""
    return {
        "id": "d" + secrets.token_hex(6),
        "received_at": time.time(),
        "from": one_line(str(message.get("From", mail_from))),
        "to": [one_line(r, 254) for r in rcpt],
        "subject": one_line(str(message.get("Subject", ""))),
        "message_id": one_line(str(message.get("Message-ID", ""))),
        "in_reply_to": one_line(str(message.get("In-Reply-To", ""))),
        "reply_to": one_line(str(message.get("Reply-To", ""))),
        "list_unsubscribe": one_line(str(message.get("List-Unsubscribe", ""))),
        "text": str(text)[:MAX_TEXT_CHARS],
    }


class _SinkHandler:
    def __init__(self, mailbox: DevMailbox) -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = email.message_from_bytes(envelope.content, policy=default)
        if not isinstance(parsed, EmailMessage):
            return "554 not an email"
        await self.mailbox.add(summary(parsed, envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 kept in the developer mailbox"


class DevMailSink:
    """The built-in SMTP sink (developer mode only)."""

    def __init__(self, mailbox: DevMailbox) -> None:
        self.mailbox = mailbox
        self._server: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> None:
        loop = asyncio.get_running_loop()
        handler = _SinkHandler(self.mailbox)
        self._server = await loop.create_server(
            lambda: SmtpServer(handler, data_size_limit=MAX_SINK_BYTES, hostname="tandem-dev"),
            host=host,
            port=port,
        )
        log.info("developer mail sink on %s:%d (nothing leaves this machine)", host, port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


class DevMailApi:
    """``GET /api/dev/mail`` and ``POST /api/dev/mail/<id>/reply``, for a logged-in admin."""

    def __init__(self, *, settings: Settings, auth: AgentAuth, mailbox: DevMailbox) -> None:
        self.settings = settings
        self.auth = auth
        self.mailbox = mailbox

    def blueprint(self) -> Blueprint:
        # Admins only: the mailbox holds every customer's email, not one agent's conversations.
        guard = RouteGuard(
            auth=self.auth,
            allowed=lambda agent: agent.is_admin,
            refusal="the developer mailbox is for admins",
        )
        bp = Blueprint("handoff_dev_mail")
        bp.add_route(
            self._dev_only(guard(self.list_mail)),
            "/api/dev/mail",
            methods=["GET"],
            name="list_mail",
        )
        bp.add_route(
            self._dev_only(guard(self.reply)),
            "/api/dev/mail/<mail_id:str>/reply",
            methods=["POST"],
            name="reply",
        )
        return bp

    def _dev_only(self, route: Handler) -> Handler:
        async def dev_route(request: Request, **params: Any) -> HTTPResponse:
            if not self.settings.dev:
                return error(404, ErrorCode.NOT_FOUND, "the developer mailbox is for TANDEM_DEV=1")
            return await route(request, **params)

        return dev_route

    async def list_mail(self, request: Request, session: AgentSession) -> HTTPResponse:
        return json_response(
            {
                "sink": bool(self.settings.dev_mail_port),
                "inbound": self.settings.inbound_smtp_port > 0,
                "emails": await self.mailbox.latest(),
            }
        )

    async def reply(self, request: Request, session: AgentSession, mail_id: str) -> HTTPResponse:
        try:
            body = json.loads(request.body or b"null")
        except ValueError:
            return error(400, ErrorCode.BAD_REQUEST, 'body must be JSON: {"text": "…"}')
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text.strip():
            return error(400, ErrorCode.EMPTY_MESSAGE, "write the customer's reply first")
        if len(text) > MAX_ENTRY_CHARS:
            return error(400, ErrorCode.TOO_LONG, f"at most {MAX_ENTRY_CHARS} characters")
        original = await self.mailbox.get(mail_id)
        if original is None:
            return error(404, ErrorCode.NOT_FOUND, "no such email in the developer mailbox")
        host, port = self.settings.inbound_smtp_host, self.settings.inbound_smtp_port
        if not port:
            return error(
                503,
                ErrorCode.MAIL_OFF,
                "no inbound mail listener is configured: set TANDEM_INBOUND_SMTP_PORT",
            )
        message = customer_reply(original, text)
        try:
            await aiosmtplib.send(
                message,
                sender=parseaddr(message["From"])[1],
                recipients=[parseaddr(message["To"])[1]],
                hostname=host,
                port=port,
                timeout=10,
            )
        except aiosmtplib.SMTPResponseException as exc:
            refusal = f"the inbound listener refused the reply: {exc.code} {exc.message}"
            return error(502, ErrorCode.BAD_REQUEST, refusal)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            why = str(exc) or type(exc).__name__
            failure = f"the inbound listener at {host}:{port} did not answer ({why})"
            return error(502, ErrorCode.INTERNAL, failure)
        return json_response({"ok": True, "message_id": message["Message-ID"]})


def customer_reply(original: dict[str, Any], text: str) -> EmailMessage:
    """What a mail client sends when the customer answers ``original``: threaded, to its
    ``Reply-To``, with the original quoted below (as real replies are)."""
    message = EmailMessage(policy=SMTP)
    customer = original["to"][0] if original.get("to") else "customer@example.org"
    message["From"] = customer
    message["To"] = original.get("reply_to") or original.get("from", "")
    subject = str(original.get("subject", ""))
    if not subject.lower().startswith("re:"):
        subject = "Re: " + subject
    message["Subject"] = one_line(subject)
    message["Message-ID"] = make_msgid(domain="customer.dev.tandem")
    message["Date"] = formatdate(usegmt=True)
    if original.get("message_id"):
        message["In-Reply-To"] = original["message_id"]
        message["References"] = original["message_id"]
    quoted = "\n".join("> " + line for line in str(original.get("text", "")).splitlines())
    message.set_content(f"{text}\n\nOn an earlier day, support wrote:\n{quoted}\n")
    return message
