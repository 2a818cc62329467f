"""The inbound SMTP listener: customers' replies by email, forwarded here by the operator's mail
system, in the service's own process (aiosmtpd on the same event loop; started and stopped with
the app, like the sweeper).

The recipient is the credential: only a signed, unexpired reply address
(``security/reply_tokens.py``) is accepted, at ``RCPT`` time, so a forged or expired one is
refused (``550``) and logged with the reason before a byte of the message is read, and nothing
is ever attached to a conversation by the sender's address. Limits: the SMTP ``SIZE``
extension advertises ``TANDEM_INBOUND_MAX_BYTES`` and the same cap ends a longer ``DATA``
(``552``); token buckets in Redis (shared by every replica) per sending peer and per
conversation answer ``451`` (try later) when spent. A reply that is not text, or is only
quoted history, is refused (``550``, ``domain/mail_reply.py``); one that cannot be stored now
gets ``451``, so the sender's server retries.

Example::

    listener = MailListener(settings, MailHandler(settings=settings, tokens=ReplyTokens(secret),
                                                  mail_in=mail_in, limits=limits, clock=time.time))
    await listener.start()      # listens on TANDEM_INBOUND_SMTP_HOST:TANDEM_INBOUND_SMTP_PORT
    await listener.stop()
"""

from __future__ import annotations

import asyncio
import logging
import math
import socket
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from handoff.config.settings import Settings
from handoff.domain.clock import Clock
from handoff.domain.mail_reply import MailRefused, parse_reply
from handoff.security.ratelimit import Rule
from handoff.security.reply_tokens import PREFIX, ReplyTokens
from handoff.services.mail_in import MailIn
from handoff.store.limits import Limits, Spend

log = logging.getLogger("handoff.mail")
# aiosmtpd logs every command at INFO: senders' addresses and the reply addresses themselves
# (credentials). What matters is logged above, masked; its own warnings and errors still show.
logging.getLogger("mail.log").setLevel(logging.WARNING)

# A mail forwarder sends everyone's replies from one address: generous per peer, strict per
# conversation (a customer writes a few emails an hour; a loop between two robots writes many).
PEER_RULE = Rule("mail_peer", burst=120, per_minute=120)
CONVERSATION_RULE = Rule("mail_conversation", burst=5, per_minute=2)


def masked(address: str) -> str:
    """A reply address for the logs: enough to tell two apart, not enough to use one."""
    local, _, domain = address.partition("@")
    return f"{local[: len(PREFIX) + 6]}…@{domain}" if domain else local[: len(PREFIX) + 6] + "…"


class MailHandler:
    """aiosmtpd's handler: ``MAIL``, ``RCPT`` and ``DATA`` (see the module's doc)."""

    def __init__(
        self,
        *,
        settings: Settings,
        tokens: ReplyTokens,
        mail_in: MailIn,
        limits: Limits,
        clock: Clock,
        peer_rule: Rule = PEER_RULE,
        conversation_rule: Rule = CONVERSATION_RULE,
    ) -> None:
        self.settings = settings
        self.tokens = tokens
        self.mail_in = mail_in
        self.limits = limits
        self.now = clock
        self.peer_rule = peer_rule
        self.conversation_rule = conversation_rule

    async def handle_MAIL(  # noqa: N802 - aiosmtpd's hook name
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        peer = _peer(session)
        wait = await self.limits.take(Spend(self.peer_rule, peer))
        if wait:
            log.warning("mail from %s refused for now: too many messages from it", peer)
            return f"451 4.7.1 too many messages from your address; try again in {_secs(wait)} s"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        peer, now = _peer(session), self.now()
        conversation_id = self.tokens.conversation_of(address, now)
        domain = address.rpartition("@")[2].lower()
        wrong_domain = bool(self.settings.mail_reply_domain) and (
            domain != self.settings.mail_reply_domain
        )
        if conversation_id is None or wrong_domain:
            reason = (
                "another domain"
                if wrong_domain
                else "expired"
                if self.tokens.conversation_of(address, 0.0)
                else "forged or malformed"
            )
            log.warning("refused reply address %s from %s: %s", masked(address), peer, reason)
            return "550 5.1.1 no such reply address (it may have expired): reply in the chat"
        for earlier in envelope.rcpt_tos:
            if self.tokens.conversation_of(earlier, now) != conversation_id:
                return "452 4.5.3 one conversation per message: send the rest separately"
        wait = await self.limits.take(Spend(self.conversation_rule, conversation_id))
        if wait:
            log.warning(
                "reply to %s refused for now: too many for one conversation", masked(address)
            )
            return f"451 4.7.1 too many replies to this conversation; try again in {_secs(wait)} s"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        conversation_id = (
            self.tokens.conversation_of(envelope.rcpt_tos[0], self.now())
            if envelope.rcpt_tos
            else None
        )
        if conversation_id is None:  # expired between RCPT and DATA
            return "554 5.5.1 no valid recipient"
        raw = envelope.original_content or b""
        if len(raw) > self.settings.inbound_max_bytes:  # aiosmtpd stops it first; in case
            return "552 5.3.4 message too big"
        try:
            reply = parse_reply(raw, max_chars=self.settings.max_message_chars)
        except MailRefused as refused:
            log.info(
                "refused mail for %s from %s: %s", conversation_id, _peer(session), refused.code
            )
            return refused.reply
        try:
            landed = await self.mail_in.land(conversation_id, reply)
        except Exception:  # Redis away, a refused append: the sender's server tries again
            log.exception("could not store a reply by email to %s", conversation_id)
            return "451 4.3.0 could not store your reply now; it will be retried"
        if landed is None:
            log.info("reply by email to %s: the conversation no longer exists", conversation_id)
            return "550 5.1.1 this conversation no longer exists: start a new chat"
        log.info(
            "reply by email %s %s as seq %d%s",
            "was already in" if landed.duplicate else "landed in",
            conversation_id,
            landed.seq,
            " (cut to the message limit)" if reply.cut else "",
        )
        return "250 OK"


class MailListener:
    """The SMTP server on the app's event loop (see the module's doc)."""

    def __init__(self, settings: Settings, handler: MailHandler) -> None:
        self.settings = settings
        self.handler = handler
        self._server: asyncio.Server | None = None
        # The name it greets with, found once: without one aiosmtpd asks the resolver for this
        # host's FQDN at every connection, which blocks the event loop when DNS is slow.
        self.hostname = settings.mail_reply_domain or socket.gethostname()

    @property
    def port(self) -> int:
        """The port it listens on (the one asked for, or the one given for port 0 in tests)."""
        if self._server is None or not self._server.sockets:
            return 0
        return int(self._server.sockets[0].getsockname()[1])

    def protocol(self) -> SMTP:
        return SMTP(
            self.handler,
            data_size_limit=self.settings.inbound_max_bytes,
            enable_SMTPUTF8=True,
            hostname=self.hostname,
            ident="Tandem",
            timeout=60,
        )

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            self.protocol,
            host=self.settings.inbound_smtp_host,
            port=self.settings.inbound_smtp_port,
        )
        log.info("taking replies by email on %s:%d", self.settings.inbound_smtp_host, self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            # Python 3.12 waits here for open sessions too; one stuck client must not hold the
            # shutdown (its session ends with the process).
            try:
                await asyncio.wait_for(self._server.wait_closed(), timeout=2.0)
            except TimeoutError:
                log.warning("an SMTP session was still open at shutdown")
            self._server = None


def _peer(session: Session) -> str:
    peer: Any = session.peer
    return str(peer[0]) if isinstance(peer, tuple) and peer else str(peer or "-")


def _secs(wait: float) -> int:
    return max(1, math.ceil(wait))
