"""The bridge to the bot: feeds each conversation's customer messages to Rasa, strictly in order.

Customer messages are stored (and acknowledged) first; the bridge then works through what the
bot has not answered yet (``customer_seq`` > ``bot_seq``), one message at a time, holding a
short Redis lease per conversation so that only one replica talks to the bot about it. A
replica that dies loses nothing: its lease expires and the next kick (a new message, or the
customer reconnecting anywhere) resumes from ``bot_seq``.

The bot's answer is stored only if the conversation is still at the version it had when the
message was sent (``COMMIT_BOT_TURN``); if a person took over meanwhile, the answer is dropped.
The same step checks that this replica still holds the lease and that ``bot_seq`` has not moved:
a replica that stalled past its lease neither stores a second answer to a message another one
answered, nor (its timeout coming late) hands that conversation to people.
A bot that fails (down, slow, ``[]``) hands the conversation to people with reason
``bot_unavailable``.

A handoff the bot's turn asks for (low confidence, frustration, "a human please") costs a token
of the customer's address, as a customer's own request for a person does (``docs/security.md``,
"Floods"): a script that makes the bot hand over again and again from one address is told, in
its language, to wait a little, and the conversation stays with the bot.

While the customer waits for a person (``queued``), the bot keeps answering FAQ questions, and
only those: other messages are left for the person (the bot neither answers nor records them),
and a handoff the bot asks for is moot (a person is already being found).

Example::

    bridge = BotBridge(lease=BotLease(redis, keys, lease_ms=17_000),
                       conversations=conversations, bot=bot_client, desk=desk, facts=facts,
                       notify=notifier, texts=texts, clock=time.time, inbox=inbox_feed)
    bridge.kick("c_…")      # after storing a customer message in state "bot"
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from handoff.config.texts import SystemTexts
from handoff.domain.clock import Clock
from handoff.domain.entries import encode, stored
from handoff.domain.ownership import State
from handoff.fanout.notify import Notifier
from handoff.fanout.writers_first import after_local_writes
from handoff.protocol.types import Nlu
from handoff.security.ratelimit import Rule
from handoff.services.bot_client import BotClient, BotMessage, BotTurn, BotUnavailable
from handoff.services.desk import Desk
from handoff.services.inbox import InboxFeed
from handoff.store.bot_lease import BotLease, BotWork, LeaseOffer, TakenWork, new_token
from handoff.store.conversations import Committed, ConversationStore
from handoff.store.facts import DeskFactsReader
from handoff.store.limits import Limits, Spend

log = logging.getLogger("handoff.bridge")
# Trips round the event loop from ``kick`` to the bot's request on the wire (Python 3.11): the
# pump's task starts and reaches aiohttp, which writes the request from a task of its own.
# Only latency depends on it (``answering``): too few, and the copy goes before the request.
REQUEST_TRIPS = 2
# The conversation's field with the client address its customer last wrote from (customer_ns).
ADDRESS_FIELD = "client_address"


@dataclass(frozen=True)
class HandoffLimit:
    """The per-address bucket a bot-triggered handoff spends (the one customers' requests use)."""

    limits: Limits
    rule: Rule


def handoff_preview(text: str, summary: dict[str, Any]) -> str:
    """What the queue shows of a handoff: the customer's message, or, when that was a button
    ("/affirm" to the triage recap), the answers the triage collected."""
    if not text.startswith("/"):
        return text
    answers = [str(v) for k, v in summary.items() if k != "skill" and isinstance(v, str | int)]
    return " · ".join(answers) or text


def bot_entry(message: BotMessage, nlu: Nlu | None = None) -> list[str]:
    return encode(
        author="bot",
        text=message.text,
        buttons=message.buttons or None,
        image=message.image,
        attachment=message.attachment,
        custom=message.custom,
        nlu=nlu,
    )


def turn_entries(turn: BotTurn, answered_seq: int | None) -> list[list[str]]:
    """The turn's entries; the first carries what the bot understood of ``answered_seq``.

    Agents read it next to the customer's message (intent, confidence); customers never see it.
    """
    nlu: Nlu | None = None
    if answered_seq is not None and turn.intent:
        nlu = {"seq": answered_seq, "intent": turn.intent, "confidence": turn.confidence}
        if turn.ranking:
            nlu["ranking"] = turn.ranking
        if turn.text_language:
            nlu["language"] = turn.text_language
    return [bot_entry(m, nlu if i == 0 else None) for i, m in enumerate(turn.messages)]


# What one step of the bridge leads to: False, the bot is done with the conversation for now (or
# the work was taken over: release the lease); True, go on (take the next work); a BotWork, go on
# with this, which the step's commit already took under the same lease.
Step = bool | BotWork


def next_step(committed: Committed | None) -> Step:
    """The step after a commit that asked for the next work (``take_next``)."""
    if committed is None:
        return False
    return committed.next if committed.next is not None else True


class BotBridge:
    """Feeds each conversation's unanswered customer messages to the bot (see the module's doc)."""

    def __init__(
        self,
        *,
        lease: BotLease,
        conversations: ConversationStore,
        bot: BotClient,
        desk: Desk,
        facts: DeskFactsReader,
        notify: Notifier,
        texts: SystemTexts,
        clock: Clock,
        inbox: InboxFeed | None = None,
        handoff_limit: HandoffLimit | None = None,
    ) -> None:
        self.lease = lease
        self.handoff_limit = handoff_limit
        self.inbox = inbox
        self.conversations = conversations
        self.bot = bot
        self.desk = desk
        self.facts = facts
        self.notify = notify
        self.texts = texts
        self.now = clock
        self._running: dict[str, asyncio.Task[None]] = {}
        self._again: set[str] = set()
        # Leases APPEND took for us while a pump of the same conversation was still running here
        # (it had released the lease but not yet finished): that pump goes on with it.
        self._handed: dict[str, TakenWork] = {}
        self._timers: set[asyncio.TimerHandle] = set()
        # Open ``answering`` blocks per conversation: its answers are relayed after them.
        self._held: dict[str, set[asyncio.Future[None]]] = {}

    def offer(self) -> LeaseOffer:
        """A token for ``ConversationStore.append(lease=…)`` to take the lease with."""
        return self.lease.offer()

    @contextlib.asynccontextmanager
    async def answering(
        self, conversation_id: str, taken: TakenWork | None = None
    ) -> AsyncIterator[None]:
        """Kick the bridge for a customer message just stored, let its request to the bot go
        out, then run the block (the message's copy to the customer's other tabs and the
        agents): the copy's encoding no longer sits in the bot's turn. No answer of the bridge
        is relayed for the conversation until the block is done, so the copy still goes first.
        """
        held: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._held.setdefault(conversation_id, set()).add(held)
        try:
            self.kick(conversation_id, taken)
            for _ in range(REQUEST_TRIPS):
                await asyncio.sleep(0)
            yield
        finally:
            held.set_result(None)
            holds = self._held[conversation_id]
            holds.discard(held)
            if not holds:
                del self._held[conversation_id]

    async def _after_held(self, conversation_id: str) -> None:
        """Until every ``answering`` block of the conversation is done (at once if none)."""
        holds = self._held.get(conversation_id)
        if holds:
            await asyncio.wait(list(holds))

    def kick(self, conversation_id: str, taken: TakenWork | None = None) -> None:
        """Make sure someone works through this conversation's unanswered messages.

        ``taken``: the lease and first work the customer's append took for the bridge; exactly
        one pump gets it (the running one, if it has not finished yet, or a new one).
        """
        if taken is not None:
            self._handed[conversation_id] = taken  # a newer one: the older lease has expired
        if conversation_id in self._running:
            self._again.add(conversation_id)
            return
        task = asyncio.create_task(self._pump(conversation_id), name=f"bot:{conversation_id}")
        self._running[conversation_id] = task
        task.add_done_callback(lambda done: self._forget(conversation_id, done))

    def _forget(self, conversation_id: str, task: asyncio.Future[None]) -> None:
        if self._running.get(conversation_id) is task:
            del self._running[conversation_id]

    async def close(self) -> None:
        for timer in self._timers:
            timer.cancel()
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _pump(self, conversation_id: str) -> None:
        try:
            while True:
                self._again.discard(conversation_id)
                taken = self._handed.pop(conversation_id, None)
                if taken is None:
                    status = await self._drain(conversation_id, new_token())
                else:
                    status = await self._drain(conversation_id, taken.token, taken.work)
                if conversation_id in self._handed:
                    continue  # a lease handed over while we worked: ours to use
                if status == "busy" or conversation_id not in self._again:
                    return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("bridge failed for %s; retrying shortly", conversation_id)
            self._later(conversation_id, 1.0)
        finally:
            # Leave ``_running`` in the same step as the last check of ``_again``: a kick that
            # comes after it (a message stored after our last look) must start a new pump, not
            # be folded into this one (its done callback runs a turn of the loop later; that gap
            # once left a message unanswered until the customer's next one).
            self._forget(conversation_id, asyncio.current_task())  # type: ignore[arg-type]

    def _later(self, conversation_id: str, delay: float) -> None:
        loop = asyncio.get_running_loop()

        def fire() -> None:
            self._timers.discard(timer)
            self.kick(conversation_id)

        timer = loop.call_later(delay, fire)
        self._timers.add(timer)

    async def _drain(self, conversation_id: str, token: str, work: BotWork | None = None) -> str:
        """Work through the conversation under one lease: ``busy``, ``done`` or ``stopped``.

        ``work``: the first work, already taken under ``token`` (by the customer's append);
        without it the lease is acquired first. Each turn's commit takes the next piece of work
        and renews the lease in the same round trip (``COMMIT_BOT_TURN``); when nothing is
        left, the same step releases the lease. A turn that kept the lease for a handoff it
        then did not make (the address asked too often) takes the next work with
        ``TAKE_BOT_WORK``.
        """
        if work is None:
            work = await self.lease.take(conversation_id, token, renew=False)
        while True:
            if work.status == "busy":
                # Another replica is on it; if it died, try again once its lease is over.
                self._later(conversation_id, max(work.busy_ms, 50) / 1000 + 0.05)
                return work.status
            if work.status != "work":  # done, or lost to another replica
                return "done"
            try:
                outcome = await self._step(work.conversation, work.message, work.last_seq, token)
            except BaseException:
                await self.lease.release(conversation_id, token)
                raise
            if outcome is False:
                # The bot is done with it (handed to people, a stale answer): release, and
                # go on only if work is pending after all (e.g. handed back meanwhile).
                if (await self.lease.release(conversation_id, token)).work_left:
                    self._again.add(conversation_id)
                return "stopped"
            if isinstance(outcome, BotWork):
                work = outcome  # the commit took it
            else:
                work = await self.lease.take(conversation_id, token, renew=True)

    async def _step(
        self, conversation: dict[str, str], message: dict[str, str], last_seq: int, token: str
    ) -> Step:
        """One piece of work under the lease ``token`` (see :data:`Step`)."""
        version = int(conversation["version"])
        bot_seq = int(conversation.get("bot_seq") or 0)
        if conversation.get("bot_event") == "handback":
            return await self._hand_back(conversation, version, bot_seq, token)
        if not message:
            # Only non-customer entries remain (e.g. system notes); nothing for the bot.
            return next_step(
                await self._store_turn(
                    conversation, version, last_seq, BotTurn(messages=[]), token, take_next=True
                )
            )
        if conversation.get("state") == State.QUEUED:
            return await self._answer_faq_while_waiting(conversation, version, message, token)
        return await self._answer(conversation, version, message, token)

    async def _answer_faq_while_waiting(
        self, conversation: dict[str, str], version: int, message: dict[str, str], token: str
    ) -> Step:
        """The bot's FAQ answer for a customer waiting for a person; False when it was claimed."""
        conversation_id, seq = conversation["id"], int(message["seq"])
        try:
            turn = await self._ask_bot(conversation, message, faq_only=True)
        except BotUnavailable as exc:
            # Already waiting for a person, who will read the message: nothing more to do.
            log.warning("bot unavailable for %s while it waits: %s", conversation_id, exc)
            turn = BotTurn(messages=[])
        if turn.handoff is not None or not turn.intent.startswith("faq/"):
            turn = BotTurn(messages=[])  # not an FAQ answer: the message is the person's to read
        committed = await self._store_turn(
            conversation, version, seq, turn, token, answered_seq=seq, take_next=True
        )
        if committed is None:
            log.info("dropped a bot answer for %s: taken over meanwhile", conversation_id)
        return next_step(committed)

    async def _ask_bot(
        self, conversation: dict[str, str], message: dict[str, str], *, faq_only: bool = False
    ) -> BotTurn:
        conversation_id, seq = conversation["id"], int(message["seq"])
        # Only what the customer's client sent (the language picked, a site's customData): a
        # turn with metadata costs Rasa ~4 ms more than one without (docs/benchmarks.md, "Where
        # a turn's time goes"), and the seq travels in the message id already.
        metadata: dict[str, Any] = json.loads(message["meta"]) if message.get("meta") else {}
        return await self.bot.send_message(
            conversation_id,
            message.get("text", ""),
            message_id=f"{conversation_id}:{seq}",
            metadata=metadata,
            faq_only=faq_only,
        )

    async def _answer(
        self, conversation: dict[str, str], version: int, message: dict[str, str], token: str
    ) -> Step:
        """Send one customer message to the bot and store its turn (see :data:`Step`)."""
        conversation_id, seq = conversation["id"], int(message["seq"])
        try:
            turn = await self._ask_bot(conversation, message)
        except BotUnavailable as exc:
            # A timeout that comes late (this replica stalled past its lease) must not hand a
            # conversation another replica answered meanwhile to people: the failure is
            # committed under the same fence as an answer (the message is then the person's).
            if not await self._store_turn(conversation, version, seq, BotTurn(messages=[]), token):
                log.info("dropped a late bot failure for %s: taken over", conversation_id)
                return False
            log.warning("bot unavailable for %s: %s", conversation_id, exc)
            lead = self.texts.render("bot_unavailable", conversation.get("language", ""))
            await self.desk.hand_to_people(
                conversation,
                version=version,
                reason="bot_unavailable",
                summary={},
                language=conversation.get("language", ""),
                preview=message.get("text", ""),
                lead=lead,
            )
            return False
        # What a handoff decision needs is read while the turn is stored. The bridge relays the
        # turn as it relays every turn (sending only queues, see handoff.fanout.pubsub); then
        # the desk takes over. The customer gets the bot's message, the system's, the state.
        handoff = turn.handoff
        facts = asyncio.ensure_future(self.facts.read(now=self.now())) if handoff else None
        try:
            # A turn that may hand over keeps the lease until the handoff is done.
            current = await self._store_turn(
                conversation, version, seq, turn, token, answered_seq=seq, take_next=not handoff
            )
        except BaseException:
            if facts is not None:
                facts.cancel()
            raise
        if current is None:
            if facts is not None:
                facts.cancel()
            log.info("dropped a bot answer for %s: taken over meanwhile", conversation_id)
            return False
        if handoff is None or facts is None:
            await self._note(conversation, message, turn)
            return next_step(current)
        if not await self._may_hand_off(conversation):
            facts.cancel()
            await self._refuse_handoff(conversation, turn)
            await self._note(conversation, message, turn)
            return True
        await self.desk.hand_to_people(
            conversation,
            version=version,
            reason=handoff.reason,
            summary=handoff.summary,
            language=handoff.language or turn.language,
            preview=handoff_preview(message.get("text", ""), handoff.summary),
            facts=await facts,
        )
        await self._note(conversation, message, turn)
        return False

    async def _may_hand_off(self, conversation: dict[str, str]) -> bool:
        """Spend the handoff token of the customer's address (none known: nothing to spend)."""
        address = conversation.get(ADDRESS_FIELD, "")
        if self.handoff_limit is None or not address:
            return True
        limit = self.handoff_limit
        try:
            return await limit.limits.take(Spend(limit.rule, address)) == 0.0
        except Exception:  # noqa: BLE001 - the turn is stored: a customer who asked gets people
            log.warning("could not spend the handoff token of %s; handing off", address)
            return True

    async def _refuse_handoff(self, conversation: dict[str, str], turn: BotTurn) -> None:
        """Tell the customer (in their language) that no person is being fetched this time."""
        conversation_id = conversation["id"]
        log.info("refused a bot handoff of %s: its address asked too often", conversation_id)
        language = turn.language or conversation.get("language", "")
        fields = encode(
            author="system",
            text=self.texts.render("handoff_limited", language),
            event="handoff_limited",
        )
        result = await self.conversations.append(conversation_id, fields, allowed=("bot",))
        if result.ok:
            customer = conversation.get("customer", "")
            await self.notify.entry(
                conversation_id, customer, "", stored(fields, result.seq, result.ts)
            )

    async def _note(
        self, conversation: dict[str, str], message: dict[str, str], turn: BotTurn
    ) -> None:
        """The writers' inbox learns of the turn once the customer has it (and people, a
        handoff): it never delays an answer, nor the answer's frame (``fanout.writers_first``)."""
        if self.inbox is not None:
            await after_local_writes()
            await self.inbox.bot_turn(conversation, message, turn)

    async def _hand_back(
        self, conversation: dict[str, str], version: int, bot_seq: int, token: str
    ) -> Step:
        try:
            turn = await self.bot.hand_back(conversation["id"])
        except BotUnavailable as exc:
            # The person already said goodbye; the bot's next answer will show whether it is back.
            log.warning("bot did not confirm the hand-back of %s: %s", conversation["id"], exc)
            turn = BotTurn(messages=[])
        return next_step(
            await self._store_turn(
                conversation, version, bot_seq, turn, token, clear_event="handback", take_next=True
            )
        )

    async def _store_turn(
        self,
        conversation: dict[str, str],
        version: int,
        processed_seq: int,
        turn: BotTurn,
        token: str,
        clear_event: str = "",
        answered_seq: int | None = None,
        take_next: bool = False,
    ) -> Committed | None:
        """Store the turn (if still current and still ours, see ``commit_bot_turn``) and relay
        it; None if it was stale. ``take_next``: the same step takes the next work (or releases
        the lease), for a caller that goes on with it."""
        entries = turn_entries(turn, answered_seq)
        fields = {"language": turn.language} if turn.language else None
        committed = await self.conversations.commit_bot_turn(
            conversation["id"],
            version=version,
            processed_seq=processed_seq,
            entries=entries,
            lease_token=token,
            taken_bot_seq=int(conversation.get("bot_seq") or 0),
            fields=fields,
            clear_event=clear_event,
            take_next_ms=self.lease.lease_ms if take_next else None,
        )
        if committed is None:
            return None  # a person took over while the bot was thinking, or another replica
        seqs, ts = committed.seqs, committed.ts
        customer = conversation.get("customer", "")
        await self._after_held(conversation["id"])
        for fields_, seq in zip(entries, seqs, strict=True):
            await self.notify.entry(conversation["id"], customer, "", stored(fields_, seq, ts))
        if (
            turn.language
            and turn.language != conversation.get("language")
            and conversation.get("state") == State.BOT
            and turn.handoff is None  # a handoff's own state change carries the language
        ):
            # The widget switches its own texts to the language the bot now answers in.
            await self.notify.customer_state(
                customer,
                {"conversation_id": conversation["id"], "state": "bot", "language": turn.language},
            )
        return committed
