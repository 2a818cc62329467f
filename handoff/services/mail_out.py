"""Email out: which agent messages are emailed to the customer, and the sender that sends them.

``queue_after_reply`` runs in the agent's ``send_message``, before its ack: when the customer
should get the message by email (``domain.outbox.why_email``: an offline ticket, or a customer
away longer than ``TANDEM_MAIL_AWAY_SECONDS``), it joins the conversation's batch in the outbox
(``store.outbox``), due ``TANDEM_MAIL_BATCH_SECONDS`` after the latest reply. ``run`` is each
replica's sender: it claims due entries (one sender per entry, across replicas), renders them
(``domain.mail``), hands them to the SMTP server with aiosmtplib, and records sent / retrying /
failed (or skipped: the customer came back to the chat, or unsubscribed); every change is told
to the conversation's consoles (``email_status``).

Follow-ups after a resolution go through the same outbox: each tick, the sender takes the due
follow-ups whose customer left an email (``FollowUps.due_followups``) and queues each one once
(``Outbox.queue_followup``, by an id made from the conversation and the due time). The email
asks "Was your problem solved?" in the customer's language with two signed links
(``security.link_tokens``, answered by ``edges/mail_api.py`` like the widget's buttons)
when ``TANDEM_PUBLIC_URL`` is set, and carries the Reply-To token, so a plain reply lands in the
conversation like any other.

Logs name the conversation and the entry, never the address.

Example::

    mail = MailOut(settings=settings, outbox=outbox, seen=seen, conversations=conversations,
                   notify=notifier, texts=texts, clock=time.time, replica="host:42:8000",
                   followups=followups)
    await mail.queue_after_reply("c_…", seq=7)      # in send_message, before the ack
    task = asyncio.create_task(mail.run())
"""

from __future__ import annotations

import asyncio
import logging
from email.message import EmailMessage
from email.utils import parseaddr

import aiosmtplib

from handoff.config.settings import Settings
from handoff.config.texts import SystemTexts
from handoff.domain.clock import Clock
from handoff.domain.mail import MailContent, compose, render
from handoff.domain.outbox import (
    contact_address,
    mask_address,
    next_attempt,
    reason_text,
    why_email,
)
from handoff.fanout.notify import Notifier
from handoff.protocol.agent import EmailStatusName
from handoff.protocol.errors import ErrorCode, ProtocolError
from handoff.protocol.types import AgentEntry
from handoff.security.link_tokens import LinkTokens
from handoff.security.reply_tokens import ReplyTokens
from handoff.services.followup import FollowUps
from handoff.store.conversations import ConversationStore
from handoff.store.customer_seen import CustomerSeen
from handoff.store.outbox import MailEntry, Outbox, mail_kind

log = logging.getLogger("handoff.mail")
TICK = 0.5
SMTP_TIMEOUT = 30.0
LEASE_SECONDS = 2 * SMTP_TIMEOUT + 30  # longer than any one send; then another sender may try
AT_ONCE = 4  # sends in flight per replica
# Why a follow-up email waits (the console shows it on the email's status).
IN_THE_CHAT = "waiting: the customer is in the chat, where the follow-up was asked"


class MailOut:
    """Queues the emails agents' messages call for, and sends the outbox (see the module)."""

    def __init__(
        self,
        *,
        settings: Settings,
        outbox: Outbox,
        seen: CustomerSeen,
        conversations: ConversationStore,
        notify: Notifier,
        texts: SystemTexts,
        clock: Clock,
        replica: str,
        followups: FollowUps | None = None,
    ) -> None:
        self.settings = settings
        self.outbox = outbox
        self.seen = seen
        self.store = conversations
        self.notify = notify
        self.texts = texts
        self.now = clock
        self.replica = replica
        self.reply_tokens = ReplyTokens(settings.secret)
        self.unsubscribe = LinkTokens(settings.secret, "unsubscribe")
        self.followups = followups
        self.answer_tokens = LinkTokens(settings.secret, "followup")
        self._claims = 0
        self._slots = asyncio.Semaphore(AT_ONCE)

    @property
    def enabled(self) -> bool:
        return self.settings.smtp is not None

    # -- queueing --------------------------------------------------------------------------------
    async def queue_after_reply(self, conversation_id: str, seq: int) -> MailEntry | None:
        """The agent's message ``seq`` was stored: queue it for email if the customer needs it.
        Returns the entry it joined (None: not emailed)."""
        if not self.enabled:
            return None
        conversation = await self.store.get(conversation_id)
        if conversation is None or await self.outbox.stopped(conversation_id):
            return None
        now = self.now()
        presence = await self.seen.presence(conversation.get("customer", ""), now=now)
        decision = why_email(
            conversation,
            connected=presence.connected,
            last_seen=presence.last_seen,
            away_seconds=self.settings.mail_away_seconds,
        )
        address = contact_address(conversation)
        if decision is None or address is None:
            return None
        why, not_before = decision
        entry_id, new = await self.outbox.queue_reply(
            conversation_id,
            to=address,
            language=conversation.get("language", ""),
            seq=seq,
            now=now,
            batch=self.settings.mail_batch_seconds,
            not_before=not_before,
            domain=self.settings.reply_domain,
            why=why,
        )
        if not entry_id:
            return None  # a resent message, queued the first time
        entry = await self.outbox.get(entry_id)
        if entry is not None:
            if new:
                log.info("email %s queued for conversation %s (%s)", entry_id, conversation_id, why)
            await self._tell(entry, conversation.get("owner", ""))
        return entry

    async def queue_transcript(self, conversation_id: str, address: str = "") -> MailEntry:
        """The whole transcript by email, to ``address`` or the conversation's contact; the
        address given becomes the conversation's contact when it had none."""
        if not self.enabled:
            raise ProtocolError(ErrorCode.MAIL_OFF, "email is not set up on this service")
        conversation = await self.store.get(conversation_id)
        if conversation is None:
            raise ProtocolError(ErrorCode.NOT_FOUND, "no such conversation")
        to = address or contact_address(conversation)
        if not to:
            raise ProtocolError(
                ErrorCode.BAD_REQUEST, "no email address is known for this conversation; give one"
            )
        if not conversation.get("contact_email"):
            await self.store.set_fields(conversation_id, {"contact_email": to})
        entry_id = await self.outbox.queue_transcript(
            conversation_id,
            to=to,
            language=conversation.get("language", ""),
            seq=int(conversation.get("seq") or 0),
            now=self.now(),
            domain=self.settings.reply_domain,
        )
        entry = await self.outbox.get(entry_id)
        assert entry is not None
        log.info("transcript email %s queued for conversation %s", entry_id, conversation_id)
        await self._tell(entry, conversation.get("owner", ""))
        return entry

    async def queue_followups(self) -> int:
        """Queue the follow-up email of each due follow-up with an address; how many were new."""
        if self.followups is None or not self.enabled:
            return 0
        queued = 0
        for due in await self.followups.due_followups():
            entry_id, new = await self.outbox.queue_followup(
                due.conversation_id,
                to=due.email,
                language=due.language,
                due=due.due,
                now=self.now(),
                domain=self.settings.reply_domain,
            )
            if new:
                queued += 1
                log.info("follow-up email %s queued for %s", entry_id, due.conversation_id)
        return queued

    # -- sending ---------------------------------------------------------------------------------
    async def run(self) -> None:
        while True:
            try:
                await self.send_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("sending the outbox failed; trying again")
            await asyncio.sleep(TICK)

    async def send_due(self) -> int:
        """Claim and send what is due now; returns how many this replica took."""
        await self.queue_followups()
        now = self.now()
        taken: list[tuple[MailEntry, str]] = []
        for entry_id in await self.outbox.due(now):
            self._claims += 1
            token = f"{self.replica}:{self._claims}"
            entry = await self.outbox.claim(entry_id, now=now, token=token)
            if entry is not None:
                taken.append((entry, token))
        await asyncio.gather(*(self._send_one(entry, token) for entry, token in taken))
        return len(taken)

    async def _send_one(self, entry: MailEntry, token: str) -> None:
        async with self._slots:
            conversation = await self.store.get(entry.conversation_id) or {}
            owner = conversation.get("owner", "")
            skip = await self._skip_reason(entry, conversation)
            if skip:
                await self._finish(entry, token, "skipped", skip, owner)
                return
            if entry.kind == "followup" and await self._in_the_chat(conversation):
                # The open widget asked already (FollowUps.sweep): an email now would ask the
                # same question twice. Look again later; an answer meanwhile skips the email.
                later = self.now() + self.settings.mail_away_seconds
                await self._finish(entry, token, "queued", IN_THE_CHAT, owner, retry_at=later)
                return
            try:
                message = await self._message(entry, conversation)
                await self._deliver(message, entry.to)
            except aiosmtplib.SMTPRecipientsRefused as exc:
                refused = exc.recipients[0] if exc.recipients else None
                code = refused.code if refused else None
                await self._failed(entry, token, code, refused.message if refused else "", owner)
            except aiosmtplib.SMTPResponseException as exc:
                code = exc.code if exc.code >= 400 else None
                await self._failed(entry, token, code, exc.message, owner)
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
                await self._failed(entry, token, None, str(exc) or type(exc).__name__, owner)
            else:
                await self._finish(entry, token, "sent", "", owner)
                log.info(
                    "email %s sent for conversation %s (try %d)",
                    entry.id,
                    entry.conversation_id,
                    entry.tries,
                )

    async def _skip_reason(self, entry: MailEntry, conversation: dict[str, str]) -> str:
        if not conversation:
            return "the conversation no longer exists"
        if await self.outbox.stopped(entry.conversation_id):
            return "the customer unsubscribed"
        if entry.kind == "followup" and conversation.get("followup") != "due":
            return "the follow-up was answered in the chat, or is no longer asked"
        if entry.kind == "reply":
            seen = await self.seen.presence(conversation.get("customer", ""), now=self.now())
            if seen.connected or (seen.last_seen or 0) > entry.created:
                return "the customer came back to the chat and read it there"
        return ""

    async def _in_the_chat(self, conversation: dict[str, str]) -> bool:
        seen = await self.seen.presence(conversation.get("customer", ""), now=self.now())
        return seen.connected

    async def _message(self, entry: MailEntry, conversation: dict[str, str]) -> EmailMessage:
        answers: list[tuple[str, str]] = []
        new: list[AgentEntry]
        earlier: list[AgentEntry]
        if entry.kind == "followup":
            new, earlier = [], []
            if self.settings.public_url:
                link = f"{self.settings.public_url}/api/mail/followup?t="
                link += self.answer_tokens.token(entry.conversation_id)
                question = self.followups.question(conversation) if self.followups else None
                if question is not None:
                    answers = [(question["yes"], link + "&a=yes"), (question["no"], link + "&a=no")]
        elif entry.kind == "transcript":
            logged = await self.store.read_whole_log(entry.conversation_id)
            new, earlier = [], [e for e in logged if e["seq"] <= entry.to_seq]
        else:
            start = max(0, entry.from_seq - 40)
            logged, _ = await self.store.read_log(entry.conversation_id, start)
            new = [
                e
                for e in logged
                if entry.from_seq <= e["seq"] <= entry.to_seq and e["author"] == "agent"
            ]
            earlier = [e for e in logged if e["seq"] < entry.from_seq]
        language = entry.language or conversation.get("language") or "en"
        mail = render(
            MailContent(
                kind=mail_kind(entry.kind),
                language=language,
                new=new,
                earlier=earlier,
                chat_url=self.settings.public_url + "/" if self.settings.public_url else "",
                answers=answers,
            ),
            self.texts,
        )
        settings, now = self.settings, self.now()
        reply_to = self.reply_tokens.address(
            entry.conversation_id,
            domain=settings.reply_domain,
            ttl_days=settings.mail_reply_days,
            now=now,
        )
        if settings.public_url:
            link = f"{settings.public_url}/api/mail/unsubscribe?t="
            unsubscribe = f"<{link}{self.unsubscribe.token(entry.conversation_id)}>"
        else:
            unsubscribe = f"<mailto:{reply_to}?subject=unsubscribe>"
        return compose(
            mail,
            sender=settings.mail_from,
            to=entry.to,
            reply_to=reply_to,
            message_id=entry.message_id,
            references=await self.outbox.thread(entry.conversation_id),
            list_unsubscribe=unsubscribe,
            one_click=bool(settings.public_url),
            date=now,
        )

    async def _deliver(self, message: EmailMessage, to: str) -> None:
        target = self.settings.smtp
        assert target is not None
        await aiosmtplib.send(
            message,
            sender=parseaddr(self.settings.mail_from)[1],
            recipients=[to],
            hostname=target.host,
            port=target.port,
            username=target.username or None,
            password=target.password or None,
            use_tls=target.tls == "implicit",
            start_tls=True if target.tls == "starttls" else False,
            timeout=SMTP_TIMEOUT,
        )

    async def _failed(
        self, entry: MailEntry, token: str, code: int | None, message: str, owner: str
    ) -> None:
        attempt = next_attempt(
            tries=entry.tries,
            smtp_code=code,
            max_tries=self.settings.mail_max_tries,
            base=self.settings.mail_retry_seconds,
        )
        reason = reason_text(code, message)
        retry_at = self.now() + attempt.delay if attempt.status == "retrying" else None
        await self._finish(entry, token, attempt.status, reason, owner, retry_at=retry_at)
        log.warning(
            "email %s for conversation %s %s after try %d: %s",
            entry.id,
            entry.conversation_id,
            attempt.status,
            entry.tries,
            reason.replace(entry.to, mask_address(entry.to)),
        )

    async def _finish(
        self,
        entry: MailEntry,
        token: str,
        status: EmailStatusName,
        reason: str,
        owner: str,
        *,
        retry_at: float | None = None,
    ) -> None:
        recorded = await self.outbox.finish(
            entry, token=token, status=status, now=self.now(), reason=reason, retry_at=retry_at
        )
        if not recorded:
            log.warning("email %s: lease lost before its outcome was recorded", entry.id)
            return
        updated = await self.outbox.get(entry.id)
        if updated is not None:
            await self._tell(updated, owner)

    async def _tell(self, entry: MailEntry, owner: str) -> None:
        await self.notify.email_status(entry.conversation_id, owner, entry.info())
