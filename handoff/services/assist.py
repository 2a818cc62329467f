"""Agent assist: suggested replies for the conversation an agent owns, and what the team learns.

For the customer's latest question, up to three suggestions (``domain.suggestions``): the
bot's FAQ answer in the conversation's language when Rasa's parse recognises an FAQ topic
(``POST /model/parse`` only: the tracker of a conversation a person owns is never touched; the
text from the writers' response files, ``config.faq_answers``), the closest past agent replies
(``domain.past_replies``, in memory, built from Redis at start-up), and matching canned
responses.

Off the message path: the edges call :meth:`Assist.suggest_later` after their ack and the
work runs in a task of its own, whose result goes to the owner's consoles (``suggestions``).
A failure costs a suggestion, never a message: it is logged and dropped.

Learning: a closed conversation rated 4 or 5, closed as ``resolved``, or confirmed solved by
the customer's follow-up "yes", gives its (customer message -> agent reply) pairs to the store
once, and to this replica's index; the other replicas read them from the store before their
next suggestion (a counter of pairs ever kept says whether there is anything new). An erase
(privacy on request) removes a customer's pairs from the store and counts itself; a replica
that sees the count move rebuilds its index from the store, in a thread, before it suggests.

Example::

    assist = Assist(conversations=…, store=…, stats=…, notify=…, parse=rasa.parse,
                    faq=load_faq_answers(path), canned=canned, faq_confidence=0.5,
                    max_pairs=50_000, default_language="en")
    await assist.load()
    assist.suggest_later("c_…", seq=7)          # a customer message of an owned conversation
    await assist.suggestions_for("c_…", "a_…")  # or on request
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from handoff.config.faq_answers import FaqAnswers, choose
from handoff.domain.inbox import PERSON_REQUEST, is_question
from handoff.domain.past_replies import (
    GOOD_CSAT,
    RESOLVED_TAG,
    PastReplies,
    ReplyPair,
    pairs_of,
)
from handoff.domain.suggestions import LIMIT, canned_matches, combine, faq_suggestion
from handoff.fanout.notify import Notifier
from handoff.protocol.agent import Canned, Suggestion, Suggestions
from handoff.protocol.types import AgentEntry
from handoff.services.background import Background
from handoff.store.assist import AssistStore
from handoff.store.conversations import ConversationStore
from handoff.store.stats import Stats

log = logging.getLogger("handoff.assist")

WINDOW = 40  # entries read back to find the latest question
Parse = Callable[[str], Awaitable[dict[str, Any]]]


@dataclass
class Suggester:
    """The suggestions for one customer message: the part without Redis or sockets, which the
    evaluation (scripts/assist_eval.py) and the benchmark (bench/assist.py) call as the service
    does."""

    parse: Parse
    faq: FaqAnswers
    canned: list[Canned]
    index: PastReplies
    faq_confidence: float

    async def suggest(self, question: str, language: str) -> list[Suggestion]:
        """Up to three suggestions for ``question`` in ``language``, best first."""
        faq: Suggestion | None = None
        parsed = await self.parse(question)
        topic = str(parsed.get("intent") or "")
        confidence = float(parsed.get("confidence") or 0.0)
        if topic.startswith("faq/") and confidence >= self.faq_confidence:
            # The loaded model's own answer when the parse carries it (a retrained, reloaded
            # bot says its new text at once), else the response files read at start-up.
            given = parsed.get("responses")
            text = (
                choose(given, language, self.faq.default_language)
                if isinstance(given, list) and given
                else self.faq.text(topic, language)
            )
            if text:
                faq = faq_suggestion(topic, confidence, text)
        past = self.index.search(language, question, limit=LIMIT)
        return combine(faq, past, canned_matches(self.canned, question, language))


class Assist:
    """See the module's doc."""

    def __init__(
        self,
        *,
        conversations: ConversationStore,
        store: AssistStore,
        stats: Stats,
        notify: Notifier,
        parse: Parse,
        faq: FaqAnswers,
        canned: list[Canned],
        faq_confidence: float,
        max_pairs: int,
        default_language: str,
    ) -> None:
        self.conversations = conversations
        self.store = store
        self.stats = stats
        self.notify = notify
        self.default_language = default_language
        self.index = PastReplies(cap=max_pairs)
        self.suggester = Suggester(
            parse=parse, faq=faq, canned=canned, index=self.index, faq_confidence=faq_confidence
        )
        self.seen = 0  # how many of the pairs ever kept (by any replica) are in the index
        self.erased = 0  # the erases the index has seen (assist:pairs_erased)
        self._indexing = asyncio.Lock()  # one catch-up or addition at a time: no pair twice
        self._work = Background("assist")

    async def load(self) -> None:
        """Index the pairs kept in Redis (at start-up; the service starts without them)."""
        try:
            async with self._indexing:
                await self._rebuild()
            log.info("assist: %d past replies indexed", len(self.index))
        except Exception:
            log.exception("assist: could not load the past replies")

    # -- suggestions ---------------------------------------------------------------------------
    def suggest_later(self, conversation_id: str, *, seq: int | None = None) -> None:
        """In the background: suggestions for the owner, if the latest question is ``seq``
        (a customer message that is no question gets none) or for the latest question."""
        self._work.spawn(self._push(conversation_id, seq))

    async def suggestions_for(self, conversation_id: str, agent_id: str) -> Suggestions | None:
        """The suggestions for the latest question of a conversation ``agent_id`` owns (empty
        without a question); None when it is not theirs."""
        conversation = await self.conversations.get(conversation_id)
        if conversation is None or conversation.get("owner") != agent_id:
            return None
        return await self._compute(conversation, None)

    async def suggest(self, question: str, language: str) -> list[Suggestion]:
        return await self.suggester.suggest(question, language)

    async def _push(self, conversation_id: str, seq: int | None) -> None:
        try:
            conversation = await self.conversations.get(conversation_id)
            owner = conversation.get("owner", "") if conversation else ""
            if conversation is None or conversation.get("state") != "agent" or not owner:
                return
            found = await self._compute(conversation, seq)
            if found is not None and found["for_seq"]:  # no question yet: nothing to say
                await self.notify.to_agent(owner, "suggestions", found)
        except Exception:
            log.exception("assist: no suggestions for %s", conversation_id)

    async def _compute(self, conversation: dict[str, str], seq: int | None) -> Suggestions | None:
        conversation_id = conversation["id"]
        await self._catch_up()
        last = int(conversation.get("seq", "0") or 0)
        entries, _ = await self.conversations.read_log(
            conversation_id, max(0, last - WINDOW), limit=WINDOW + 1
        )
        question = latest_question(entries)
        if seq is not None and (question is None or question["seq"] != seq):
            return None
        language = conversation.get("language") or self.default_language
        found: Suggestions = {
            "conversation_id": conversation_id,
            "for_seq": question["seq"] if question else 0,
            "language": language,
            "suggestions": await self.suggest(question["text"], language) if question else [],
        }
        return found

    # -- learning ------------------------------------------------------------------------------
    def closed_later(self, conversation_id: str, tags: list[str]) -> None:
        """An agent closed a conversation; closed as ``resolved``, its replies are kept."""
        if RESOLVED_TAG in tags:
            self._work.spawn(self._learn(conversation_id, None))

    def rated_later(self, conversation_id: str, rating: int) -> None:
        """A closed conversation was rated; a good rating keeps its replies."""
        if rating >= GOOD_CSAT:
            self._work.spawn(self._learn(conversation_id, rating))

    def confirmed_later(self, conversation_id: str) -> None:
        """The customer answered the follow-up "yes" (solved): a confirmed resolution, as the
        ``resolved`` tag is, keeps its replies (once, if a rating or the tag did not)."""
        self._work.spawn(self._learn(conversation_id, None))

    async def feedback(self, outcomes: list[tuple[str, str]]) -> None:
        """What the agent did with the suggestions of one question: ``(source, outcome)``."""
        await self.stats.record_suggestions(outcomes)

    async def _learn(self, conversation_id: str, rating: int | None) -> None:
        try:
            conversation = await self.conversations.get(conversation_id)
            if conversation is None:
                return
            entries = await self.conversations.read_whole_log(conversation_id)
            pairs = pairs_of(
                [dict(e) for e in entries],
                language=conversation.get("language") or self.default_language,
                csat=rating,
                conversation_id=conversation_id,
            )
            async with self._indexing:
                total = await self.store.keep(conversation_id, pairs)
                if total is not None and total - len(pairs) == self.seen:
                    self.seen = total  # nobody kept any in between: these are the only new ones
                    self.index.add(pairs)
                    await self._fit(sorted({p.language for p in pairs}))
            if total is not None and await self.conversations.get(conversation_id) is None:
                # Erased while this was kept (the erase forgets after deleting): forget again.
                await self.store.forget([conversation_id])
            if total is not None:
                await self._catch_up()
        except Exception:
            log.exception("assist: could not keep the replies of %s", conversation_id)

    async def _catch_up(self) -> None:
        """Index what other replicas kept since this one last looked, or rebuild after an erase
        (one MGET when nothing changed)."""
        if await self.store.counts() == (self.seen, self.erased):
            return
        async with self._indexing:
            found = await self.store.since(self.seen, self.erased)
            if found is None:  # pairs were erased: the list's tail no longer lines up
                await self._rebuild()
                return
            pairs, self.seen = found
            self.index.add(pairs)
            await self._fit(sorted({p.language for p in pairs}))

    async def _rebuild(self) -> None:
        """A new index of the whole list, built and fitted in a thread (messages go on
        meanwhile; a suggestion waits for it in ``_catch_up``), then swapped in. Hold
        ``_indexing``."""
        pairs, seen, erased = await self.store.pairs()
        index = await asyncio.to_thread(fitted_index, pairs, self.index.cap)
        self.index = self.suggester.index = index
        self.seen, self.erased = seen, erased

    async def _fit(self, languages: list[str]) -> None:
        """Refit in a thread: at 50,000 pairs a fit takes long enough to hold up messages."""
        for language in languages:
            await asyncio.to_thread(self.index.fit, language)

    # -- tasks ---------------------------------------------------------------------------------
    async def close(self) -> None:
        await self._work.close()

    async def settled(self) -> None:
        """Wait for the work still running (tests, shutdown)."""
        await self._work.settled()


def fitted_index(pairs: list[ReplyPair], cap: int) -> PastReplies:
    """An index of ``pairs`` with every language's model fitted (run in a thread: it shares
    nothing with the index in use)."""
    index = PastReplies(cap=cap)
    index.add(pairs)
    for language in index.languages():
        index.fit(language)
    return index


def latest_question(entries: list[AgentEntry]) -> AgentEntry | None:
    """The customer's latest typed message that is not a request for a person (what the bot
    understood of it, when it said, is on the bot's answer: ``nlu``)."""
    understood = {e["nlu"]["seq"]: e["nlu"]["intent"] for e in entries if "nlu" in e}
    asked = [
        entry
        for entry in entries
        if entry["author"] == "customer"
        and is_question(entry["text"])
        and understood.get(entry["seq"]) != PERSON_REQUEST
    ]
    return asked[-1] if asked else None
