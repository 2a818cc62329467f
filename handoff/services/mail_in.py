"""A customer's reply by email, landed in its conversation as a customer message.

The same path a widget message takes (the append script: dedup, ``seq``, the stream, before
anything is acknowledged), with ``channel: email`` on the entry so the console says "by email";
then the agents who have the conversation hear it at once (``conversation_message``), and the
conversation wakes (``Desk.wake``): closed or a ticket, it goes back to the queue with its
history (or is a ticket again when nobody can take it now); an agent who holds it just reads
the reply. A redelivered email (the same Message-ID) lands once (``store/mail_in.py``), and a
reply ends any follow-up question still pending: the customer has answered in their own words.

Example::

    mail_in = MailIn(conversations=store, seen=seen, desk=desk, followups=followups,
                     notify=notify)
    landed = await mail_in.land("c_…", parse_reply(raw, max_chars=4000))
    landed.seq, landed.duplicate, landed.state   # 12, False, "queued"
"""

from __future__ import annotations

from dataclasses import dataclass

from handoff.domain import entries
from handoff.domain.entries import encode, stored
from handoff.domain.mail_reply import Reply
from handoff.fanout.notify import Notifier
from handoff.services.desk import Desk
from handoff.store.conversations import ConversationStore
from handoff.store.followups import FollowUpStore
from handoff.store.mail_in import MailSeen, client_msg_id

# An email may answer a conversation in any state: it was sent while an agent had it, or about a
# ticket, or after it was closed (a reply to the last answer, or to the follow-up).
ANY_STATE = ("bot", "queued", "agent", "offline", "closed")


class NotStored(RuntimeError):
    """The reply could not be stored now (the SMTP edge answers 451: the sender retries)."""


@dataclass(frozen=True)
class Landed:
    conversation_id: str
    seq: int
    duplicate: bool
    state: str = ""  # the conversation's state afterwards ("" for a duplicate)


class MailIn:
    """Lands email replies in their conversations (see the module's doc)."""

    def __init__(
        self,
        *,
        conversations: ConversationStore,
        seen: MailSeen,
        desk: Desk,
        followups: FollowUpStore,
        notify: Notifier,
    ) -> None:
        self.store = conversations
        self.seen = seen
        self.desk = desk
        self.followups = followups
        self.notify = notify

    async def land(self, conversation_id: str, reply: Reply) -> Landed | None:
        """Store ``reply`` in the conversation once; ``None`` when the conversation is gone.

        The Message-ID is remembered only once everything is done (stored, told, woken): a
        failure on the way answers ``451``, and the redelivery finishes the job (the append
        then finds its own entry, by the same ``client_msg_id``) instead of being taken for a
        duplicate of a reply that never woke the ticket.
        """
        earlier = await self.seen.landed_as(reply.message_id)
        if earlier is not None:
            return Landed(earlier[0], earlier[1], duplicate=True)
        cmid = client_msg_id(reply.message_id)
        fields = encode(author="customer", text=reply.text, client_msg_id=cmid, channel="email")
        # Not for the bot: it answers in the widget, and the customer is in their mailbox.
        result = await self.store.append(conversation_id, fields, cmid=cmid, allowed=ANY_STATE)
        if result.status == "missing":
            return None
        if result.status not in ("ok", "dup"):
            raise NotStored(f"append refused: {result.status}")
        if result.ok:
            await self.store.set_fields(
                conversation_id,
                {"preview": entries.preview(reply.text), "answered_by_email": "1"},
            )
            entry = stored(fields, result.seq, result.ts)
            await self.notify.entry(conversation_id, result.customer, result.owner, entry)
        # dup: the same email at the same moment, or an attempt that failed after storing it
        await self.followups.cancel(conversation_id)
        conversation = await self.store.get(conversation_id)
        state = result.state
        if conversation is not None:
            state = await self.desk.wake(conversation, why="email")
        await self.seen.remember(reply.message_id, conversation_id, result.seq)
        return Landed(conversation_id, result.seq, duplicate=not result.ok, state=state)
