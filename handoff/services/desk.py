"""The support desk: every change of owner, with what each party is told about it.

Each operation is one atomic transition on Redis (``ConversationStore.transition``, rules from
``handoff.domain.ownership``) followed by notifications, always through :meth:`Desk._change`:
the system entry is written by the same script that changes the owner, and nobody is told of
a change that did not happen. Refusals raise :class:`~handoff.protocol.errors.ProtocolError`
with the code the client sees; nothing changed.

The desk is told first (``queue_added``, ``queue_removed``: what the handoff exists for), then
the customer (the system entry, then the new state), then the agent who let it go.

Example::

    desk = Desk(settings=settings, conversations=conversations, agents=agents,
                presence=presence, stats=stats, facts=facts, board=board, notify=notifier,
                texts=texts, clock=time.time)
    await desk.hand_to_people(conversation, version=3, reason="requested",
                              summary={}, language="en")
    detail = await desk.claim(agent_record, "c_…", requester_sid=sid)
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, cast

from handoff.config.settings import Settings
from handoff.config.texts import SystemTexts
from handoff.domain import entries, views
from handoff.domain.agents import AgentRecord
from handoff.domain.clock import Clock
from handoff.domain.entries import encode, stored
from handoff.domain.ownership import (
    Action,
    AlreadyClaimed,
    State,
    TransitionError,
    check,
    handoff_target,
    rule_for,
)
from handoff.domain.routing import exclusive_until, need_for
from handoff.domain.waiting import describe_wait, estimate_wait
from handoff.fanout.notify import Notifier
from handoff.protocol.agent import ConversationDetail
from handoff.protocol.customer import StateChange
from handoff.protocol.errors import ErrorCode, ProtocolError
from handoff.protocol.types import AgentRef, OfflineReason
from handoff.services.board import Board
from handoff.store.agents import AgentStore
from handoff.store.conversations import ConversationStore, TransitionResult
from handoff.store.facts import DeskFacts, DeskFactsReader
from handoff.store.presence import Presence
from handoff.store.stats import Stats

log = logging.getLogger("handoff.desk")


def refusal(result: TransitionResult, action: Action, actor: str = "") -> ProtocolError:
    """Explain a transition the atomic check refused, with the rules of ``ownership.check``."""
    if result.status == "missing":
        return ProtocolError(ErrorCode.NOT_FOUND, "no such conversation")
    if result.status == "capacity":
        return ProtocolError(
            ErrorCode.AT_CAPACITY, "that agent already has as many conversations as allowed"
        )
    state = result.previous_state
    try:
        check(action, state=state, owner=result.owner, actor=actor)
    except AlreadyClaimed:
        by: AgentRef = {"id": result.owner, "name": result.owner_name}
        return ProtocolError(
            ErrorCode.ALREADY_CLAIMED,
            f"{result.owner_name} already took this conversation",
            {"by": by},
        )
    except TransitionError as exc:
        details = {"state": state} if exc.code == ErrorCode.INVALID_STATE else None
        return ProtocolError(ErrorCode(exc.code), str(exc), details)
    # The rules allow it, so the conversation changed between the read and the check.
    if result.status == "owner":
        return ProtocolError(
            ErrorCode.NOT_OWNER, "only the agent who owns this conversation can do that"
        )
    return ProtocolError(
        ErrorCode.INVALID_STATE,
        f"the conversation is {state}; that is not possible now",
        {"state": state},
    )


class Desk:
    """Every change of owner, with what each party is told about it (see the module's doc)."""

    def __init__(
        self,
        *,
        settings: Settings,
        conversations: ConversationStore,
        agents: AgentStore,
        presence: Presence,
        stats: Stats,
        facts: DeskFactsReader,
        board: Board,
        notify: Notifier,
        texts: SystemTexts,
        clock: Clock,
    ) -> None:
        self.settings = settings
        self.store = conversations
        self.agents = agents
        self.presence = presence
        self.stats = stats
        self.facts = facts
        self.board = board
        self.notify = notify
        self.texts = texts
        self.now = clock

    # -- bot -> people ----------------------------------------------------------------------------
    async def hand_to_people(
        self,
        conversation: Mapping[str, str],
        *,
        version: int | None,
        reason: str,
        summary: Mapping[str, Any],
        language: str,
        preview: str = "",
        lead: str = "",
        facts: DeskFacts | None = None,
    ) -> TransitionResult:
        """Queue the conversation for a person, or make it an offline ticket when nobody can come.

        ``version`` guards against acting on a conversation that changed meanwhile (``None``:
        whatever the version, as long as the bot owns it). ``lead`` is said first (e.g. that the
        bot is unavailable). ``facts``: already read (the bridge reads them while it stores the
        bot's turn).
        """
        settings, now = self.settings, self.now()
        language = (language or conversation.get("language") or settings.default_language).lower()
        # Who can come, their loads, the queue's length and recent waits: one round trip.
        if facts is None:
            facts = await self.facts.read(now=now)
        target, why = handoff_target(
            open_now=settings.business_hours.is_open(datetime.fromtimestamp(now, UTC)),
            agents_available=len(facts.available),
        )
        need = need_for(language=language, summary=summary)
        fields = {
            "reason": reason,
            "summary": json.dumps(dict(summary)),
            "language": language,
            "skill": need.skill,
            "queued_at": repr(now),
            "exclusive_until": repr(
                exclusive_until(need, facts.available, now, settings.routing_wait)
            ),
            "preview": entries.preview(preview),
        }
        state: StateChange = {
            "conversation_id": conversation["id"],
            "state": target.value,
            "reason": reason,
        }
        position = 0
        if target is State.QUEUED:
            position = facts.queue_length + 1
            wait = estimate_wait(
                position=position,
                agents_available=len(facts.available),
                recent_waits=facts.recent_waits,
            )
            state["queue_position"] = position
            state["estimated_wait_s"] = wait
            text = self.texts.render(
                "queued", language, position=position, wait=describe_wait(wait)
            )
        else:
            fields["offline_reason"] = why
            state["offline_reason"] = cast(OfflineReason, why)
            if why == "closed_hours":
                state["business_hours"] = settings.business_hours.describe()
            text = self.texts.render(
                f"offline_{why}", language, hours=settings.business_hours.describe()
            )
        entry = encode(author="system", text=f"{lead} {text}".strip(), event=target.value)
        result = await self._change(
            conversation,
            Action.HANDOFF if target is State.QUEUED else Action.GO_OFFLINE,
            entry,
            expected_version=version,
            queue_score=now,
            fields=fields,
            handoff_reason=reason,
            queue_position=position,
            state=state,
            refuse=False,
        )
        if result.ok:
            await self.stats.record_handoff(reason)  # bookkeeping, after everyone is told
        return result

    async def go_offline(self, conversation: Mapping[str, str], why: str) -> TransitionResult:
        """A queued conversation becomes a ticket (waited too long, or the customer chose to)."""
        language = conversation.get("language", "")
        result = await self._change(
            conversation,
            Action.GO_OFFLINE,
            self._notice(language, f"offline_{why}", event="offline")
            if why == "wait_limit"
            else None,
            fields={"offline_reason": why},
            queue_position=0,
            state={
                "conversation_id": conversation["id"],
                "state": "offline",
                "offline_reason": cast(OfflineReason, why),
            },
            refuse=False,
        )
        if result.ok:
            await self.board.broadcast_positions()
        return result

    # -- agents take, pass on, hand back, close ---------------------------------------------
    async def claim(
        self, agent: AgentRecord, conversation_id: str, *, requester_sid: str | None = None
    ) -> ConversationDetail:
        """``agent`` takes the conversation; ``requester_sid`` (the asking tab, which gets the
        detail in its ack) is left out of the other tabs' ``conversation_assigned``."""
        conversation = await self._get(conversation_id)
        now = self.now()
        if conversation.get("state") == State.QUEUED:
            item = views.queue_item(conversation, position=0, profile=agent.profile(), now=now)
            if not item.get("eligible", True):
                raise ProtocolError(
                    ErrorCode.NOT_ELIGIBLE,
                    "this conversation is reserved for agents with its language or skill for now",
                    {"exclusive_until": item["exclusive_until"]},
                )
        language = conversation.get("language", "")
        try:
            result = await self._change(
                conversation,
                Action.CLAIM,
                self._notice(language, "agent_joined", agent_name=agent.name, agent=agent.name),
                new_owner=agent,
                fields={"claimed_at": repr(now)},
                dequeue_by={"id": agent.id, "name": agent.name},
                state={
                    "conversation_id": conversation_id,
                    "state": "agent",
                    "agent_name": agent.name,
                },
            )
        except ProtocolError as exc:
            if exc.code is ErrorCode.AT_CAPACITY:
                raise ProtocolError(
                    ErrorCode.AT_CAPACITY, f"you already have {agent.capacity} conversations"
                ) from None
            raise
        if result.previous_state == State.QUEUED and conversation.get("queued_at"):
            await self.stats.record_wait(max(0.0, now - float(conversation["queued_at"])))
        detail = await self.board.detail(conversation_id)
        await self.notify.to_agent(
            agent.id, "conversation_assigned", detail, skip_sid=requester_sid
        )
        await self.board.broadcast_positions()
        return detail

    async def transfer(
        self, agent: AgentRecord, conversation_id: str, target_id: str, note: str
    ) -> None:
        if target_id == agent.id:
            raise ProtocolError(
                ErrorCode.BAD_REQUEST, "you cannot transfer a conversation to yourself"
            )
        target = await self.agents.get(target_id)
        if target is None:
            raise ProtocolError(ErrorCode.NOT_FOUND, "no such agent")
        if target.disabled or target.id not in await self.presence.online(self.now()):
            raise ProtocolError(ErrorCode.AGENT_UNAVAILABLE, f"{target.name} is not online")
        conversation = await self._get(conversation_id)
        await self._change(
            conversation,
            Action.TRANSFER,
            self._notice(
                conversation.get("language", ""),
                "transferred",
                agent_name=target.name,
                from_agent=agent.name,
                agent=target.name,
            ),
            actor=agent.id,
            new_owner=target,
            state={"conversation_id": conversation_id, "state": "agent", "agent_name": target.name},
            note=({"id": agent.id, "name": agent.name}, note) if note else None,
            updated=True,
        )
        detail = await self.board.detail(conversation_id)
        assigned = {**detail, "from_agent": {"id": agent.id, "name": agent.name}}
        if note:
            assigned["note"] = note
        await self.notify.to_agent(target.id, "conversation_assigned", assigned)
        await self._unassigned(agent.id, conversation_id, "transferred")

    async def hand_back(self, agent: AgentRecord, conversation_id: str) -> None:
        """Back to the bot; the caller kicks the bridge, which tells the bot (``bot_event``)."""
        conversation = await self._get(conversation_id)
        await self._change(
            conversation,
            Action.HAND_BACK,
            self._notice(
                conversation.get("language", ""),
                "handed_back",
                agent_name=agent.name,
                agent=agent.name,
            ),
            actor=agent.id,
            # The bridge tells the bot, in order with the customer's next messages.
            fields={"bot_event": "handback"},
            state={"conversation_id": conversation_id, "state": "bot"},
            updated=True,
        )
        await self._unassigned(agent.id, conversation_id, "handed_back")

    async def close(
        self, agent: AgentRecord, conversation_id: str, resolution: str, tags: list[str]
    ) -> None:
        conversation = await self._get(conversation_id)
        await self._change(
            conversation,
            Action.CLOSE,
            self._notice(
                conversation.get("language", ""), "closed", agent_name=agent.name, agent=agent.name
            ),
            actor=agent.id,
            fields={
                "closed_at": repr(self.now()),
                "resolution": resolution,
                "tags": json.dumps(tags),
            },
            state={"conversation_id": conversation_id, "state": "closed", "csat_requested": True},
            updated=True,
        )
        await self._unassigned(agent.id, conversation_id, "closed")
        await self.store.expire(conversation_id)

    async def requeue_owned_by(self, agent_id: str) -> int:
        """An agent was disabled: every conversation they own goes back to the queue."""
        moved = 0
        for conversation in await self.store.get_many(await self.agents.active(agent_id)):
            now = self.now()
            result = await self._change(
                conversation,
                Action.REQUEUE,
                self._notice(conversation.get("language", ""), "requeued"),
                actor=agent_id,
                fields={"queued_at": repr(now), "exclusive_until": repr(now)},
                queue_score=now,
                queue_position=0,
                refuse=False,
            )
            if result.ok:
                moved += 1
                await self._unassigned(agent_id, conversation["id"], "requeued")
        if moved:
            await self.board.broadcast_positions()
        return moved

    async def expire_waits(self) -> int:
        """Queued longer than the wait limit: tell the customer honestly and offer the form."""
        cutoff = self.now() - self.settings.queue_wait_limit
        stale = await self.store.queued_before(cutoff)
        moved = 0
        for conversation in await self.store.get_many(stale):
            if (await self.go_offline(conversation, "wait_limit")).ok:
                moved += 1
        return moved

    # -- the one way a change happens -------------------------------------------------------------
    async def _change(
        self,
        conversation: Mapping[str, str],
        action: Action,
        entry: list[str] | None,
        *,
        actor: str = "",
        new_owner: AgentRecord | None = None,
        expected_version: int | None = None,
        queue_score: float | None = None,
        fields: Mapping[str, str] | None = None,
        handoff_reason: str = "",
        queue_position: int | None = None,
        dequeue_by: AgentRef | None = None,
        state: StateChange | None = None,
        note: tuple[AgentRef, str] | None = None,
        updated: bool = False,
        refuse: bool = True,
    ) -> TransitionResult:
        """Transition atomically (with the system ``entry``), then tell everyone concerned.

        A refusal raises (``refuse``) or comes back in the result, and then nobody is told.
        Then, in this order: the desk (``queue_position``: the conversation joins the queue or
        the tickets at that place; ``dequeue_by``: it left the queue, taken by that agent), the
        ``note`` (author, text) for the new owner, the system entry, the customer's new
        ``state``, and the owner's and watchers' consoles (``updated``: the conversation's
        details changed in a way no other event tells them: ``conversation_updated``).
        """
        conversation_id = conversation["id"]
        result = await self.store.transition(
            conversation_id,
            action,
            actor=actor,
            expected_version=expected_version,
            new_owner=new_owner.id if new_owner else "",
            new_owner_name=new_owner.name if new_owner else "",
            capacity=new_owner.capacity if new_owner else None,
            queue_score=queue_score,
            fields=fields,
            entry=entry,
            handoff_reason=handoff_reason,
        )
        if not result.ok:
            if refuse:
                raise refusal(result, action, actor)
            return result
        owner = new_owner.id if new_owner else ""
        current = {
            **conversation,
            **(fields or {}),
            "state": rule_for(action).to_state.value,
            "version": str(result.version),
            "owner": owner,
            "owner_name": new_owner.name if new_owner else "",
        }
        if entry is not None:
            current["seq"] = str(result.seq)
        customer_id = conversation.get("customer", "")
        if queue_position is not None:
            await self.notify.queue_added(views.queue_item(current, position=queue_position))
        if dequeue_by is not None:
            await self.notify.queue_removed(conversation_id, "agent", dequeue_by)
        if note is not None:
            saved = await self.store.add_note(conversation_id, note[0], note[1], "")
            await self.notify.note(conversation_id, owner, saved)
        if entry is not None:
            said = stored(entry, result.seq, result.ts)
            await self.notify.entry(conversation_id, customer_id, owner, said)
        if state is not None:
            await self.notify.customer_state(customer_id, state)
        if updated:
            await self.notify.conversation_updated(views.conversation_info(current))
        return result

    def _notice(
        self,
        language: str,
        key: str,
        *,
        event: str = "",
        agent_name: str = "",
        **values: object,
    ) -> list[str]:
        """The system entry of a change: ``key``'s sentence in the conversation's language."""
        text = self.texts.render(key, language, **values)
        return encode(author="system", text=text, event=event or key, agent_name=agent_name)

    async def _unassigned(self, agent_id: str, conversation_id: str, reason: str) -> None:
        await self.notify.to_agent(
            agent_id,
            "conversation_unassigned",
            {"conversation_id": conversation_id, "reason": reason},
        )

    async def _get(self, conversation_id: str) -> dict[str, str]:
        conversation = await self.store.get(conversation_id)
        if conversation is None:
            raise ProtocolError(ErrorCode.NOT_FOUND, "no such conversation")
        return conversation
