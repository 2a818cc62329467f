"""The support desk: every change of owner, with what each party is told about it.

Each operation decides what changes (to whom, with which sentence, what the customer is told)
and hands it to ``handoff.services.changes``: one atomic transition, then the notifications in
one fixed order. Refusals raise :class:`~handoff.protocol.errors.ProtocolError` with the code
the client sees; nothing changed. The agent who let a conversation go hears it last
(``conversation_unassigned``).

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
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal, cast

from handoff.config.languages import shared_languages
from handoff.config.settings import Settings
from handoff.config.texts import SystemTexts
from handoff.domain import entries, views
from handoff.domain.agents import AgentRecord
from handoff.domain.clock import Clock
from handoff.domain.entries import encode
from handoff.domain.escalation import Step, capable_agents, expiry_step
from handoff.domain.ownership import (
    Action,
    State,
    handoff_target,
)
from handoff.domain.routing import exclusive_until, need_for, speaks
from handoff.domain.waiting import estimate_wait
from handoff.fanout.notify import Notifier
from handoff.protocol.agent import ConversationDetail, QueueAlert
from handoff.protocol.customer import StateChange
from handoff.protocol.errors import ErrorCode, ProtocolError
from handoff.protocol.types import OfflineReason
from handoff.services.board import Board
from handoff.services.changes import Changes
from handoff.store.agents import AgentStore
from handoff.store.conversations import ConversationStore, TransitionResult
from handoff.store.facts import DeskFacts, DeskFactsReader
from handoff.store.presence import Presence
from handoff.store.stats import Stats

LANGUAGE_REASON = "language"  # contract/handoff_reasons.yml: the customer writes another language


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
        self.changes = Changes(conversations, notify, texts)

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
        need = need_for(language=language, summary=summary)
        # The bot could not talk with this customer: only someone who speaks their language can.
        speakers = (
            sum(speaks(agent, language) for agent in facts.available)
            if reason == LANGUAGE_REASON
            else None
        )
        target, why = handoff_target(
            open_now=settings.business_hours.is_open(datetime.fromtimestamp(now, UTC)),
            agents_available=len(facts.available),
            speakers_available=speakers,
        )
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
            "language": language,
        }
        position, wait = 0, 0.0
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
                "queued", language, position=position, wait=self.texts.describe_wait(wait, language)
            )
        else:
            fields["offline_reason"] = why
            state["offline_reason"] = cast(OfflineReason, why)
            hours = self.texts.describe_hours(settings.business_hours, language)
            if why == "closed_hours":
                state["business_hours"] = hours
            email = summary.get("contact_email")
            if isinstance(email, str) and "@" in email:
                state["contact_email"] = email[:254]  # the message form starts with it
            text = self.texts.render(
                f"offline_{why}",
                language,
                hours=hours,
                language_name=shared_languages().name(language),
            )
        entry = encode(author="system", text=f"{lead} {text}".strip(), event=target.value)
        result = await self.changes.apply(
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
            if target is State.QUEUED:
                await self.board.remember_place(conversation["id"], position, wait)
            await self.stats.record_handoff(reason)  # bookkeeping, after everyone is told
        return result

    async def go_offline(
        self, conversation: Mapping[str, str], why: str, *, broadcast: bool = True
    ) -> TransitionResult:
        """A queued conversation becomes a ticket (waited too long, or the customer chose to).

        ``broadcast=False``: the caller moves several and tells the line once, at the end.
        """
        language = conversation.get("language", "")
        result = await self.changes.apply(
            conversation,
            Action.GO_OFFLINE,
            self.changes.notice(language, f"offline_{why}", event="offline")
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
        if result.ok and broadcast:
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
            result = await self.changes.apply(
                conversation,
                Action.CLAIM,
                self.changes.notice(
                    language, "agent_joined", agent_name=agent.name, agent=agent.name
                ),
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
        await self.changes.apply(
            conversation,
            Action.TRANSFER,
            self.changes.notice(
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
        await self.changes.unassigned(agent.id, conversation_id, "transferred")

    async def hand_back(self, agent: AgentRecord, conversation_id: str) -> None:
        """Back to the bot; the caller kicks the bridge, which tells the bot (``bot_event``)."""
        conversation = await self._get(conversation_id)
        await self.changes.apply(
            conversation,
            Action.HAND_BACK,
            self.changes.notice(
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
        await self.changes.unassigned(agent.id, conversation_id, "handed_back")

    async def close(
        self, agent: AgentRecord, conversation_id: str, resolution: str, tags: list[str]
    ) -> None:
        conversation = await self._get(conversation_id)
        await self.changes.apply(
            conversation,
            Action.CLOSE,
            self.changes.notice(
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
        await self.changes.unassigned(agent.id, conversation_id, "closed")
        await self.store.expire(conversation_id)

    async def requeue_owned_by(self, agent_id: str, *, why: str = "disabled") -> int:
        """Every conversation the agent owns goes back to the queue, with its history: they
        were disabled (``why="disabled"``), or vanished and did not come back (``"gone"``).
        The customer is told which, in their language."""
        moved = 0
        text_key = "agent_lost" if why == "gone" else "requeued"
        for conversation in await self.store.get_many(await self.agents.active(agent_id)):
            now = self.now()
            result = await self.changes.apply(
                conversation,
                Action.REQUEUE,
                self.changes.notice(conversation.get("language", ""), text_key, event="requeued"),
                actor=agent_id,
                fields={"queued_at": repr(now), "exclusive_until": repr(now)},
                queue_score=now,
                queue_position=0,
                refuse=False,
            )
            if result.ok:
                moved += 1
                await self.changes.unassigned(agent_id, conversation["id"], "requeued")
        if moved:
            await self.board.broadcast_positions()
        return moved

    async def wake(
        self, conversation: Mapping[str, str], *, why: Literal["email", "followup"]
    ) -> str:
        """The customer came back to a conversation people had let go (a reply by email, or
        "no" to the follow-up question): it goes back to the queue with its history, and every
        console hears of it as of any conversation joining the queue; when nobody can take it
        now it is (again) a ticket. One an agent holds stays theirs (the reply reaches them
        where it is), and a queued one keeps its place. Returns the state it is in afterwards.
        """
        state = conversation.get("state", "")
        if state in (State.AGENT, State.QUEUED):
            return state
        settings, now = self.settings, self.now()
        facts = await self.facts.read(now=now)
        target, why_offline = handoff_target(
            open_now=settings.business_hours.is_open(datetime.fromtimestamp(now, UTC)),
            agents_available=len(facts.available),
        )
        language = conversation.get("language", "")
        notice = self.changes.notice(language, f"reopened_{why}", event="reopened")
        fields = {"reopened_by": why, "reopened_at": repr(now)}
        if target is State.QUEUED:
            need = views.need_of(conversation)
            position = facts.queue_length + 1
            wait = estimate_wait(
                position=position,
                agents_available=len(facts.available),
                recent_waits=facts.recent_waits,
            )
            fields |= {
                "offline_reason": "",  # waiting for a person now, not a ticket
                "queued_at": repr(now),
                "exclusive_until": repr(
                    exclusive_until(need, facts.available, now, settings.routing_wait)
                ),
            }
            change: StateChange = {
                "conversation_id": conversation["id"],
                "state": "queued",
                "queue_position": position,
                "estimated_wait_s": wait,
            }
            result = await self.changes.apply(
                conversation,
                Action.REOPEN,
                notice,
                queue_score=now,
                fields=fields,
                queue_position=position,
                state=change,
                updated=True,
                refuse=False,
            )
            if result.ok:
                await self.board.remember_place(conversation["id"], position, wait)
        elif state == State.OFFLINE:
            # A ticket already: the consoles' ticket list shows what came in (as for the form).
            await self.store.set_fields(conversation["id"], fields)
            await self.notify.queue_added(views.queue_item({**conversation, **fields}, position=0))
            return state
        else:
            fields["offline_reason"] = why_offline
            result = await self.changes.apply(
                conversation,
                Action.REOPEN_TICKET,
                notice,
                fields=fields,
                queue_position=0,
                state={
                    "conversation_id": conversation["id"],
                    "state": "offline",
                    "offline_reason": cast(OfflineReason, why_offline),
                },
                updated=True,
                refuse=False,
            )
        if not result.ok:  # it changed meanwhile (another replica woke it): as it is now
            return result.previous_state
        # A closed conversation was set to expire; open again, it is kept.
        await self.store.keep(conversation["id"])
        return target.value

    async def expire_waits(self) -> int:
        """Queued longer than the wait limit: alert the agents who could take it first (an
        agent with room who speaks the language and has the skill), give them
        ``TANDEM_QUEUE_ALERT_GRACE`` seconds, then tell the customer honestly and offer the
        form (``domain.escalation``). Returns how many went offline."""
        now = self.now()
        stale = await self.store.queued_before(now - self.settings.queue_wait_limit)
        if not stale:
            return 0
        facts = await self.facts.read(now=now)
        moved = 0
        for conversation in await self.store.get_many(stale):
            capable = capable_agents(views.need_of(conversation), facts.available)
            alerted = conversation.get("alerted_at")
            step = expiry_step(
                capable=bool(capable),
                alerted_at=float(alerted) if alerted else None,
                queued_at=float(conversation.get("queued_at") or 0),
                now=now,
                grace=self.settings.queue_alert_grace,
            )
            if step is Step.ALERT:
                await self._alert(conversation, capable, now)
            elif (
                step is Step.OFFLINE
                and (await self.go_offline(conversation, "wait_limit", broadcast=False)).ok
            ):
                moved += 1
        if moved:  # once for the batch: a flood expiring at once moves each place once
            await self.board.broadcast_positions()
        return moved

    async def _alert(
        self, conversation: Mapping[str, str], agent_ids: list[str], now: float
    ) -> None:
        """``queue_alert`` to each agent who could take the conversation, once per stay."""
        await self.store.set_fields(conversation["id"], {"alerted_at": repr(now)})
        queued_at = float(conversation.get("queued_at") or now)
        alert: QueueAlert = {
            "item": views.queue_item(conversation, position=0, profile=None, now=now),
            "waited_s": round(now - queued_at, 1),
            "offline_in_s": self.settings.queue_alert_grace,
        }
        for agent_id in agent_ids:
            await self.notify.to_agent(agent_id, "queue_alert", alert)

    async def _get(self, conversation_id: str) -> dict[str, str]:
        conversation = await self.store.get(conversation_id)
        if conversation is None:
            raise ProtocolError(ErrorCode.NOT_FOUND, "no such conversation")
        return conversation
