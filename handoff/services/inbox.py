"""What fills the writers' inbox: sightings taken from turns as they are stored.

The bridge reports each bot turn it stored (a fallback, a clarification, a low confidence, a
handoff, a customer's pick from the clarification's buttons: a free label for the message it
clarified); the customer edge reports a low rating; the agent edge a person's reply. Everything
else comes from the stored conversation itself: the customer messages before a handoff and
the NLU the bot recorded with each of them (``nlu`` on the first entry of the turn that
answered it). Text is masked here, before it reaches the store.

A failure here must never cost a customer an answer: every report is logged and dropped on
error, and the agent edge's reports run after its ack.

Example::

    feed = InboxFeed(inbox=inbox_store, conversations=conversations, low_confidence=0.5,
                     clock=time.time)
    await feed.bot_turn(conversation, message, turn)   # from the bridge, after storing the turn
    feed.agent_replied_later("c_…", answered=customer_entry, reply="It ships tomorrow.")
"""

from __future__ import annotations

import logging

from handoff.domain.clock import Clock
from handoff.domain.inbox import (
    FALLBACK_INTENTS,
    HANDOFF_REASONS,
    LOW_CSAT,
    PERSON_REQUEST,
    Sighting,
    clarified_by,
    is_question,
    mask,
    turn_reasons,
)
from handoff.protocol.types import AgentEntry, Nlu
from handoff.services.background import Background
from handoff.services.bot_client import BotTurn
from handoff.store.conversations import ConversationStore
from handoff.store.inbox import InboxStore

log = logging.getLogger("handoff.inbox")

WINDOW = 40  # entries read back before a handoff or a reply: the last few exchanges
BEFORE_HANDOFF = 2  # customer messages before a handoff that go to the inbox
LOW_RATED = 3  # a badly rated conversation's last customer messages that go to the inbox
PICK_WINDOW = 10  # entries read back for the "Did you mean…?" turn a message may answer


class InboxFeed:
    """Turns stored turns into inbox sightings (see the module's doc)."""

    def __init__(
        self,
        *,
        inbox: InboxStore,
        conversations: ConversationStore,
        low_confidence: float,
        clock: Clock,
    ) -> None:
        self.inbox = inbox
        self.conversations = conversations
        self.low_confidence = low_confidence
        self.now = clock
        self._work = Background("inbox")

    async def bot_turn(
        self, conversation: dict[str, str], message: dict[str, str], turn: BotTurn
    ) -> None:
        """The bot answered ``message`` with ``turn`` (stored): note what a writer should see."""
        try:
            await self._bot_turn(conversation, message, turn)
        except Exception:
            log.exception("inbox: could not note a turn of %s", conversation.get("id"))

    async def rated(self, conversation_id: str, rating: int) -> None:
        """A closed conversation was rated; a low rating puts its last questions in the inbox."""
        if rating > LOW_CSAT:
            return
        try:
            entries = await self._recent(conversation_id, None)
            for entry, nlu in _questions(entries)[-LOW_RATED:]:
                await self._record(conversation_id, entry, nlu, "csat_low")
        except Exception:
            log.exception("inbox: could not note the rating of %s", conversation_id)

    def agent_replied_later(self, conversation_id: str, answered: AgentEntry, reply: str) -> None:
        """After the agent's ack: the customer message a person answered (the entry right
        before the reply, which ``ConversationStore.append(answers=True)`` returns), with the
        answer. Only a question is noted."""
        if answered["author"] == "customer" and is_question(answered["text"]):
            self._work.spawn(self._agent_replied(conversation_id, answered, reply))

    async def close(self) -> None:
        await self._work.close()

    async def settled(self) -> None:
        """Wait for the reports still running (tests, shutdown)."""
        await self._work.settled()

    async def _bot_turn(
        self, conversation: dict[str, str], message: dict[str, str], turn: BotTurn
    ) -> None:
        conversation_id = conversation["id"]
        text = message.get("text", "")
        seq = int(message["seq"])
        # The pick's window holds buttons only if the bot offered some within it (the seq of
        # the last entry with buttons, noted by ``commit_bot_turn``): most turns read nothing.
        offered = int(conversation.get("buttons_seq") or 0) >= seq - PICK_WINDOW
        if offered and turn.intent and turn.intent not in FALLBACK_INTENTS | {PERSON_REQUEST}:
            await self._picked(conversation_id, text, seq, turn.intent)
        if is_question(text):
            clarified = any(m.buttons for m in turn.messages)
            reasons = turn_reasons(
                turn.intent, turn.confidence, clarified=clarified, low=self.low_confidence
            )
            nlu: Nlu = {"seq": seq, "intent": turn.intent, "confidence": turn.confidence}
            nlu["ranking"] = turn.ranking
            nlu["language"] = turn.text_language
            entry: AgentEntry = {"seq": seq, "author": "customer", "text": text, "ts": self.now()}
            for reason in reasons:
                await self._record(conversation_id, entry, nlu, reason)
        handoff = turn.handoff
        if handoff is None or handoff.reason not in HANDOFF_REASONS:
            return
        entries = await self._recent(conversation_id, seq)
        questions = _questions(entries)
        if handoff.reason == "requested":
            # The request itself says nothing new; what the bot answered before it does.
            questions = [(e, n) for e, n in questions if e["seq"] < seq]
        for entry, nlu_of in questions[-BEFORE_HANDOFF:]:
            await self._record(conversation_id, entry, nlu_of, f"handoff_{handoff.reason}")

    async def _picked(self, conversation_id: str, pick: str, seq: int, intent: str) -> None:
        """A message that is one of the "Did you mean…?" buttons the bot answered the previous
        one with: what the bot understood of the pick labels the clarified message (for free:
        the customer said what they meant). "Talk to a person" labels nothing."""
        if seq <= 1:
            return
        entries, _ = await self.conversations.read_log(
            conversation_id, max(0, seq - 1 - PICK_WINDOW), limit=PICK_WINDOW
        )
        clarified = clarified_by(pick, [e for e in entries if e["seq"] < seq])
        if clarified is not None and is_question(clarified["text"]):
            text = mask(clarified["text"])
            await self.inbox.pick(conversation_id, clarified["seq"], text, intent)

    async def _agent_replied(self, conversation_id: str, answered: AgentEntry, reply: str) -> None:
        try:
            # Only a reply that follows the customer's message directly answers it. Nothing the
            # bot understood can sit between the two, so there is no NLU to find.
            await self._record(conversation_id, answered, None, "agent_answered", reply=reply)
        except Exception:
            log.exception("inbox: could not note a reply in %s", conversation_id)

    async def _recent(self, conversation_id: str, up_to_seq: int | None) -> list[AgentEntry]:
        if up_to_seq is None:
            return await self.conversations.read_whole_log(conversation_id)
        entries, _ = await self.conversations.read_log(
            conversation_id, max(0, up_to_seq - WINDOW), limit=WINDOW + 1
        )
        return [e for e in entries if e["seq"] <= up_to_seq]

    async def _record(
        self,
        conversation_id: str,
        entry: AgentEntry,
        nlu: Nlu | None,
        reason: str,
        *,
        reply: str = "",
    ) -> None:
        language = nlu.get("language", "") if nlu else ""
        if not language:
            # A message the bot did not answer (a person did) has no NLU to say its language;
            # the conversation's is the one the customer was spoken to in.
            (stored,) = await self.conversations.fields(conversation_id, "language")
            language = stored or ""
        await self.inbox.record(
            Sighting(
                text=mask(entry["text"]),
                reason=reason,
                conversation_id=conversation_id,
                seq=entry["seq"],
                ts=entry["ts"],
                intent=nlu["intent"] if nlu else "",
                confidence=nlu["confidence"] if nlu else None,
                ranking=[dict(r) for r in nlu.get("ranking", [])] if nlu else [],
                language=language,
                reply=mask(reply),
            )
        )


def _questions(entries: list[AgentEntry]) -> list[tuple[AgentEntry, Nlu | None]]:
    """The customer's typed messages, each with what the bot understood of it (if it said),
    but for requests for a person."""
    understood = {e["nlu"]["seq"]: e["nlu"] for e in entries if "nlu" in e}
    found = [
        (e, understood.get(e["seq"]))
        for e in entries
        if e["author"] == "customer" and is_question(e["text"])
    ]
    return [(e, nlu) for e, nlu in found if nlu is None or nlu["intent"] != PERSON_REQUEST]
