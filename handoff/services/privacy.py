"""Privacy on request: everything Tandem holds about one customer, exported or erased.

An admin finds the customer by customer id, by one of their conversation ids, or by the contact
email they left (the offline form's or the triage's), then exports it as JSON or erases it.
The export holds the customer record and each conversation: its details (contact, triage
summary, resolution, tags, rating and comment), every transcript entry, the internal notes, the
bot's tracker from its Redis event log, the writers' inbox sightings and ``emails``: what the
outbox sent or holds for it (kind, status, address, subject, when, why it failed).

Erasing closes a live conversation first (its agent's console is told, ``conversation_unassigned``
with reason ``erased``; a waiting customer leaves the queue), disconnects the customer's open
widgets (told ``closed`` first), then deletes every key of the customer's in one transaction,
their email included (outbox entries, thread, follow-ups due), the bot's tracker and lock too
(``Keys.rasa_events`` and its kin: on the service's Redis, which Rasa shares in the stack, or
on the bot's own, ``TANDEM_RASA_REDIS_URL``, where they go first). Both are written to the audit
trail, who and which customer, never the exported content.

Example::

    privacy = Privacy(data=customer_data, conversations=store, notify=notifier, texts=texts,
                      audit=audit, clock=time.time, assist=assist_store)
    [customer] = await privacy.find("admin", email="ana@example.com")
    export = await privacy.export("admin", customer)
    await privacy.erase("admin", customer)
"""

from __future__ import annotations

import logging
from typing import Any

from handoff.config.texts import SystemTexts
from handoff.domain import views
from handoff.domain.clock import Clock
from handoff.domain.inbox import mask_contacts
from handoff.domain.mail import subject_for
from handoff.domain.ownership import Action, State
from handoff.fanout.notify import Notifier
from handoff.protocol.errors import ErrorCode, ProtocolError
from handoff.security.ids import is_conversation_id, is_customer_id
from handoff.services.changes import Changes
from handoff.store.assist import AssistStore
from handoff.store.audit import AuditLog
from handoff.store.conversations import ConversationStore
from handoff.store.customer_data import CustomerData
from handoff.store.outbox import MailEntry

log = logging.getLogger("handoff.privacy")
MAX_EMAIL = 254
OPEN = (State.BOT, State.QUEUED, State.AGENT, State.OFFLINE)


class Privacy:
    """Finds, exports and erases one customer's data (see the module's doc)."""

    def __init__(
        self,
        *,
        data: CustomerData,
        conversations: ConversationStore,
        notify: Notifier,
        texts: SystemTexts,
        audit: AuditLog,
        clock: Clock,
        assist: AssistStore,
    ) -> None:
        self.data = data
        self.assist = assist  # agent assist's kept replies: exported, and erased with the rest
        self.store = conversations
        self.notify = notify
        self.audit = audit
        self.now = clock
        self.texts = texts
        self.changes = Changes(conversations, notify, texts)

    async def find(
        self, actor: str, *, customer_id: str = "", conversation_id: str = "", email: str = ""
    ) -> list[str]:
        """The customers matching exactly one of the three ways to name one (audited: who
        searched, by what; the email itself only masked)."""
        found = await self._find(customer_id, conversation_id, email)
        # The log filter masks the address in the line (domain/log_masking.py); the audit entry
        # is masked here, since the stream is no log.
        log.info("privacy search by %s for %s: %d customers", actor, email or "an id", len(found))
        await self.audit.record(
            actor=actor,
            action="privacy.search",
            target=customer_id or conversation_id or mask_contacts(email),
            details={"found": found},
        )
        return found

    async def _find(self, customer_id: str, conversation_id: str, email: str) -> list[str]:
        given = [v for v in (customer_id, conversation_id, email) if v]
        if len(given) != 1:
            raise ProtocolError(
                ErrorCode.BAD_REQUEST, "give one of customer, conversation or email"
            )
        if customer_id:
            if not is_customer_id(customer_id):
                raise ProtocolError(ErrorCode.BAD_REQUEST, "a customer id is u_ + 24 hex digits")
            return [customer_id] if await self.data.known(customer_id) else []
        if conversation_id:
            if not is_conversation_id(conversation_id):
                raise ProtocolError(ErrorCode.BAD_REQUEST, "a conversation id is c_ + 22 chars")
            found = await self.data.customer_of(conversation_id)
            return [found] if found else []
        if "@" not in email or len(email) > MAX_EMAIL:
            raise ProtocolError(ErrorCode.BAD_REQUEST, "that is not an email address")
        return await self.data.customers_with_email(email)

    async def overview(self, customer_id: str) -> dict[str, Any]:
        """What the admin page lists before an export or an erase: the conversations' details."""
        ids = await self._conversation_ids(customer_id)
        return {
            "customer_id": customer_id,
            "conversations": [views.conversation_info(c) for c in await self.store.get_many(ids)],
        }

    async def export(self, actor: str, customer_id: str) -> dict[str, Any]:
        ids = await self._conversation_ids(customer_id)
        sightings = await self.data.inbox_sightings(ids)
        mail = await self.data.mail_entries(ids)
        conversations = []
        for conversation in await self.store.get_many(ids):
            conversation_id = conversation["id"]
            conversations.append(
                {
                    "conversation": views.conversation_info(conversation),
                    "stored": conversation,  # every field as kept, the contact details included
                    "messages": await self.store.read_whole_log(conversation_id),
                    "notes": await self.store.read_notes(conversation_id),
                    "bot_tracker": await self.data.bot_tracker(conversation_id),
                    "assist_pairs": await self.assist.kept(conversation_id),  # suggested replies
                    "inbox_sightings": {
                        item: refs
                        for item, refs in sightings.items()
                        if any(r.startswith(f"{conversation_id}:") for r in refs)
                    },
                    "emails": [
                        self._email(fields, conversation) for fields in mail[conversation_id]
                    ],
                }
            )
        await self.audit.record(
            actor=actor,
            action="privacy.export",
            target=customer_id,
            details={"conversations": len(conversations)},
        )
        return {
            "customer_id": customer_id,
            "exported_at": self.now(),
            "customer": await self.data.customer_record(customer_id),
            "conversations": conversations,
        }

    def _email(self, fields: dict[str, str], conversation: dict[str, str]) -> dict[str, Any]:
        """One outbox entry as the export shows it (the subject as the email said it)."""
        entry = MailEntry.from_fields(fields)
        language = entry.language or conversation.get("language") or "en"
        return {
            "id": entry.id,
            "kind": entry.kind,
            "why": entry.why,
            "status": entry.status,
            "to": entry.to,
            "subject": subject_for(entry.kind, language, self.texts),
            "queued_at": entry.created,
            "updated_at": entry.updated,
            "tries": entry.tries,
            "reason": entry.reason,
            "message_id": entry.message_id,
        }

    async def erase(self, actor: str, customer_id: str) -> dict[str, int]:
        """Close what is live (telling its agent), then delete everything of the customer's,
        agent assist's replies kept from their conversations included (``AssistStore.forget``:
        every replica's index drops them before its next suggestion)."""
        ids = await self._conversation_ids(customer_id)
        closed = 0
        for conversation in await self.store.get_many(ids):
            if conversation.get("state") in OPEN:
                closed += await self._close(conversation)
        # Before the keys go: a socket left connected would mark the customer present again.
        await self.notify.end_customer_sockets(await self.data.socket_ids(customer_id))
        deleted = await self.data.erase(customer_id, ids)
        # After the conversations are gone: a keep still in flight sees that and forgets too.
        forgotten = await self.assist.forget(ids)
        result = {
            "conversations": len(ids),
            "closed_live": closed,
            "keys": deleted,
            "assist_pairs": forgotten,
        }
        await self.audit.record(
            actor=actor, action="privacy.erase", target=customer_id, details=result
        )
        return result

    async def _conversation_ids(self, customer_id: str) -> list[str]:
        if not is_customer_id(customer_id) or not await self.data.known(customer_id):
            raise ProtocolError(ErrorCode.NOT_FOUND, "no such customer")
        return await self.store.customer_conversations(customer_id)

    async def _close(self, conversation: dict[str, str]) -> int:
        conversation_id, owner = conversation["id"], conversation.get("owner", "")
        previous = conversation.get("state", "")
        result = await self.changes.apply(
            conversation,
            Action.ERASE,
            None,  # the entry would be erased with the rest; the state tells the customer
            actor=owner,
            fields={"closed_at": repr(self.now()), "resolution": "erased"},
            state={"conversation_id": conversation_id, "state": "closed"},
            updated=True,
            refuse=False,
        )
        if not result.ok:
            log.warning("could not close %s before erasing it (%s)", conversation_id, result)
            return 0
        if previous in (State.QUEUED, State.OFFLINE):
            await self.notify.queue_removed(conversation_id, "closed")
        if owner and previous == State.AGENT:
            await self.changes.unassigned(owner, conversation_id, "erased")
        return 1
