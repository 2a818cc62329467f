"""Follow-up after a resolution: "Was your problem solved?", asked a while after the close.

Closing a conversation can schedule one (the console's close dialog has the switch; by default
on for a conversation answered by email: a ticket, or one the customer wrote to by email), due
``TANDEM_FOLLOWUP_HOURS`` later. The sweeper takes the due ones each second
(:meth:`FollowUps.sweep`): the customer's open widget is asked at once, and a customer who comes
back later is asked when their widget reconnects (``tandem_followup``, in their language, with
yes/no buttons). "No" reopens the conversation to the queue with its history
(``Desk.wake``); "yes" is recorded and is a confirmed resolution, so agent assist keeps the
conversation's replies as suggestions (``on_confirmed``, ``Assist.confirmed_later``); both count
in the stats (the resolution confirmed rate). Each step (scheduled, due, yes, no) is a
``conversation_updated`` to the consoles that have the conversation open, so the facts follow.

**The email outbox's hook**: :meth:`FollowUps.due_followups` hands out, once each, the due
follow-ups whose customer left an email address, with the question and the buttons' words in
their language, for the outbox to send; a signed link in that email can answer through
:meth:`FollowUps.answer_for_conversation`. A plain reply by email lands in the conversation like
any other (``services/mail_in.py``) and reopens it.

Example::

    followups = FollowUps(settings=settings, store=FollowUpStore(redis, keys, clock=clock),
                          conversations=conversations, desk=desk, stats=stats, notify=notify,
                          texts=texts, clock=clock, on_confirmed=assist.confirmed_later)
    await followups.after_close("c_…", asked=None)      # the due time, or None (not wanted)
    await followups.sweep()                             # the sweeper, every second
    for due in await followups.due_followups():         # the email outbox
        send(due.email, due.question, due.yes, due.no)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from handoff.config.settings import Settings
from handoff.config.texts import SystemTexts
from handoff.domain import views
from handoff.domain.clock import Clock
from handoff.domain.ownership import State
from handoff.fanout.notify import Notifier
from handoff.protocol.customer import FollowUpAnswerAck, FollowUpQuestion
from handoff.protocol.errors import ErrorCode, ProtocolError
from handoff.services.desk import Desk
from handoff.store.conversations import ConversationStore
from handoff.store.followups import FollowUpStore
from handoff.store.stats import Stats


@dataclass(frozen=True)
class DueFollowUp:
    """One follow-up for the email outbox to send (the texts in the customer's language)."""

    conversation_id: str
    email: str
    name: str
    language: str
    question: str
    yes: str
    no: str
    due: float = 0.0  # when it came due (one follow-up, one email: the outbox's id uses it)


def answered_by_email(conversation: Mapping[str, str]) -> bool:
    """A ticket (the customer left an address) or a conversation the customer wrote to by email:
    the customer is likely gone from the chat, so asking later is the only way to know."""
    return bool(conversation.get("contact_email")) or conversation.get("answered_by_email") == "1"


class FollowUps:
    """Schedules, asks and records follow-ups (see the module's doc)."""

    def __init__(
        self,
        *,
        settings: Settings,
        store: FollowUpStore,
        conversations: ConversationStore,
        desk: Desk,
        stats: Stats,
        notify: Notifier,
        texts: SystemTexts,
        clock: Clock,
        on_confirmed: Callable[[str], None],
    ) -> None:
        self.settings = settings
        self.on_confirmed = on_confirmed  # a "yes": told the conversation id, must not block
        self.store = store
        self.conversations = conversations
        self.desk = desk
        self.stats = stats
        self.notify = notify
        self.texts = texts
        self.now = clock

    async def after_close(self, conversation_id: str, *, asked: bool | None) -> float | None:
        """Schedule the follow-up if ``asked`` (``None``: :func:`answered_by_email`); the due
        time, or ``None`` when none is wanted."""
        conversation = await self.conversations.get(conversation_id)
        if conversation is None or conversation.get("state") != State.CLOSED:
            return None
        if not (answered_by_email(conversation) if asked is None else asked):
            return None
        due = self.now() + self.settings.followup_hours * 3600
        await self.store.schedule(conversation_id, due=due)
        # The closing agent's console read the details at the close, before this: it learns
        # the follow-up here, as it learns the rating.
        scheduled = {**conversation, "followup": "scheduled", "followup_due": repr(due)}
        await self.notify.conversation_updated(views.conversation_info(scheduled))
        return due

    def question(self, conversation: Mapping[str, str]) -> FollowUpQuestion:
        language = conversation.get("language", "")
        return {
            "conversation_id": conversation["id"],
            "question": self.texts.render("followup_question", language),
            "yes": self.texts.render("followup_yes", language),
            "no": self.texts.render("followup_no", language),
        }

    def pending(self, conversation: Mapping[str, str]) -> FollowUpQuestion | None:
        """The question to ask a customer who comes back, if one is due and unanswered."""
        if conversation.get("state") == State.CLOSED and conversation.get("followup") == "due":
            return self.question(conversation)
        return None

    async def sweep(self) -> int:
        """Take the follow-ups due now; ask the customers whose widget is open. How many."""
        taken = await self.store.take_due()
        for conversation in await self.conversations.get_many(taken):
            await self.notify.followup(
                conversation.get("customer", ""), self.question(conversation)
            )
            await self.notify.conversation_updated(views.conversation_info(conversation))
        return len(taken)

    async def answer(
        self, customer_id: str, conversation_id: str, *, solved: bool
    ) -> FollowUpAnswerAck:
        """The customer's answer: "yes" recorded; "no" reopens the conversation to the queue."""
        status = await self.store.answer(
            conversation_id, customer_id, solved=solved, day_key=self.stats.day_key()
        )
        if status == "missing":
            raise ProtocolError(ErrorCode.NOT_FOUND, "no such conversation")
        if status != "ok":
            raise ProtocolError(
                ErrorCode.INVALID_STATE,
                "this was answered already" if status in ("yes", "no") else "nothing to answer",
                {"followup": status},
            )
        conversation = await self.conversations.get(conversation_id)
        if conversation is None:
            raise ProtocolError(ErrorCode.NOT_FOUND, "no such conversation")
        language = conversation.get("language", "")
        if solved:
            self.on_confirmed(conversation_id)
            await self.notify.conversation_updated(
                views.conversation_info({**conversation, "followup": "yes"})
            )
            return {
                "ok": True,
                "conversation_id": conversation_id,
                "state": "closed",
                "text": self.texts.render("followup_thanks", language),
            }
        state = await self.desk.wake(conversation, why="followup")
        return {
            "ok": True,
            "conversation_id": conversation_id,
            "state": "offline" if state == State.OFFLINE else "queued",
            "text": self.texts.render("reopened_followup", language),
        }

    async def answer_for_conversation(
        self, conversation_id: str, *, solved: bool
    ) -> FollowUpAnswerAck:
        """The same, from a signed link in the follow-up email (the link names the
        conversation; its customer is read from it)."""
        (customer_id,) = await self.conversations.fields(conversation_id, "customer")
        if not customer_id:
            raise ProtocolError(ErrorCode.NOT_FOUND, "no such conversation")
        return await self.answer(customer_id, conversation_id, solved=solved)

    async def due_followups(self, limit: int = 100) -> list[DueFollowUp]:
        """For the email outbox: due follow-ups with a contact email, each handed out once
        (taken from Redis: a crash between this and the send loses that email, never sends it
        twice; the widget still asks)."""
        taken = await self.store.take_for_mail(limit)
        due: list[DueFollowUp] = []
        for conversation in await self.conversations.get_many(taken):
            if conversation.get("followup") != "due" or not conversation.get("contact_email"):
                continue
            question = self.question(conversation)
            due.append(
                DueFollowUp(
                    conversation_id=conversation["id"],
                    email=conversation["contact_email"],
                    name=conversation.get("contact_name", ""),
                    language=conversation.get("language", ""),
                    question=question["question"],
                    yes=question["yes"],
                    no=question["no"],
                    due=float(conversation.get("followup_due") or 0),
                )
            )
        return due
