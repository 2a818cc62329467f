"""The support desk: every change of owner, with what each party is told about it.

Each operation is one atomic transition on Redis (``ConversationStore.transition``, rules from
``handoff.domain.ownership``) followed by notifications. Refusals raise
:class:`~handoff.protocol.errors.ProtocolError` with the code the client sees; nothing changed.

Example::

    desk = Desk(settings=settings, conversations=conversations, agents=agents,
                presence=presence, stats=stats, facts=facts, notify=notifier,
                texts=texts, clock=time.time)
    await desk.hand_to_people(conversation, version=3, reason="requested",
                              summary={}, language="en")
    detail = await desk.claim(agent_record, "c_…", requester_sid=sid)
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, cast

from handoff.config.settings import Settings
from handoff.config.texts import SystemTexts
from handoff.domain import views
from handoff.domain.agents import AgentRecord
from handoff.domain.entries import encode, stored
from handoff.domain.ownership import Action, State, handoff_target
from handoff.domain.routing import exclusive_until, need_for
from handoff.domain.waiting import describe_wait, estimate_wait
from handoff.fanout.notify import Notifier
from handoff.protocol.agent import ConversationDetail, QueueItem
from handoff.protocol.customer import StateChange
from handoff.protocol.errors import ErrorCode, ProtocolError
from handoff.protocol.types import AgentRef, OfflineReason, StateName
from handoff.store.agents import AgentStore
from handoff.store.conversations import ConversationStore, TransitionResult
from handoff.store.facts import DeskFacts, DeskFactsReader
from handoff.store.presence import Presence
from handoff.store.stats import Stats

log = logging.getLogger("handoff.desk")


def refusal(result: TransitionResult) -> ProtocolError:
    """Explain a transition the atomic check refused."""
    if result.status == "missing":
        return ProtocolError(ErrorCode.NOT_FOUND, "no such conversation")
    if result.status == "capacity":
        return ProtocolError(
            ErrorCode.AT_CAPACITY, "that agent already has as many conversations as allowed"
        )
    if result.status == "owner":
        return ProtocolError(
            ErrorCode.NOT_OWNER, "only the agent who owns this conversation can do that"
        )
    return ProtocolError(
        ErrorCode.INVALID_STATE,
        f"the conversation is {result.previous_state}; that is not possible now",
        {"state": result.previous_state},
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
        notify: Notifier,
        texts: SystemTexts,
        clock: Callable[[], float],
    ) -> None:
        self.settings = settings
        self.store = conversations
        self.agents = agents
        self.presence = presence
        self.stats = stats
        self.facts = facts
        self.notify = notify
        self.texts = texts
        self.now = clock

    # -- who can take work ------------------------------------------------------------------------
    async def available_agents(self) -> list[AgentRecord]:
        """Agents with a live console, enabled, and not set to away."""
        online = await self.presence.online(self.now())
        records = await self.agents.many(sorted(online))
        return [r for r in records if not r.disabled and r.status == "online"]

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
        conversation_id = conversation["id"]
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
            "preview": preview[:280],
        }
        position, wait = 0, 0.0
        if target is State.QUEUED:
            position = facts.queue_length + 1
            wait = estimate_wait(
                position=position,
                agents_available=len(facts.available),
                recent_waits=facts.recent_waits,
            )
            text = self.texts.render(
                "queued", language, position=position, wait=describe_wait(wait)
            )
        else:
            fields["offline_reason"] = why
            text = self.texts.render(
                f"offline_{why}", language, hours=settings.business_hours.describe()
            )
        entry = encode(author="system", text=f"{lead} {text}".strip(), event=target.value)
        action = Action.HANDOFF if target is State.QUEUED else Action.GO_OFFLINE
        result = await self.store.transition(
            conversation_id,
            action,
            expected_version=version,
            queue_score=now,
            fields=fields,
            entry=entry,
            handoff_reason=reason,
        )
        customer_id = conversation.get("customer", "")
        if not result.ok:
            return result
        merged = {**conversation, **fields, "state": target.value, "version": str(result.version)}
        # The desk first: "someone is waiting" is the notice the handoff exists for.
        await self.notify.queue_added(views.queue_item(merged, position=position))
        await self.notify.entry(
            conversation_id, customer_id, "", stored(entry, result.seq, result.ts)
        )
        change: StateChange = {
            "conversation_id": conversation_id,
            "state": target.value,
            "reason": reason,
        }
        if target is State.QUEUED:
            change["queue_position"] = position
            change["estimated_wait_s"] = wait
        else:
            change["offline_reason"] = cast(OfflineReason, why)
            if why == "closed_hours":
                change["business_hours"] = settings.business_hours.describe()
        await self.notify.customer_state(customer_id, change)
        await self.stats.record_handoff(reason)  # bookkeeping, after everyone is told
        return result

    async def go_offline(self, conversation: Mapping[str, str], why: str) -> TransitionResult:
        """A queued conversation becomes a ticket (waited too long, or the customer chose to)."""
        conversation_id, language = conversation["id"], conversation.get("language", "")
        text = self.texts.render(f"offline_{why}", language) if why == "wait_limit" else ""
        entry = encode(author="system", text=text, event="offline") if text else None
        result = await self.store.transition(
            conversation_id, Action.GO_OFFLINE, fields={"offline_reason": why}, entry=entry
        )
        if not result.ok:
            return result
        customer_id = conversation.get("customer", "")
        if entry is not None:
            await self.notify.entry(
                conversation_id, customer_id, "", stored(entry, result.seq, result.ts)
            )
        await self.notify.customer_state(
            customer_id,
            {
                "conversation_id": conversation_id,
                "state": "offline",
                "offline_reason": cast(OfflineReason, why),
            },
        )
        merged = {**conversation, "state": "offline", "offline_reason": why}
        await self.notify.queue_added(views.queue_item(merged, position=0))
        await self.broadcast_positions()
        return result

    # -- agents take, pass on, hand back, close ---------------------------------------------
    async def claim(
        self, agent: AgentRecord, conversation_id: str, *, requester_sid: str | None = None
    ) -> ConversationDetail:
        """``agent`` takes the conversation; ``requester_sid`` (the asking tab, which gets the
        detail in its ack) is left out of the other tabs' ``conversation_assigned``."""
        conversation = await self.store.get(conversation_id)
        if conversation is None:
            raise ProtocolError(ErrorCode.NOT_FOUND, "no such conversation")
        if conversation.get("state") == State.QUEUED:
            item = views.queue_item(
                conversation, position=0, profile=agent.profile(), now=self.now()
            )
            if not item.get("eligible", True):
                raise ProtocolError(
                    ErrorCode.NOT_ELIGIBLE,
                    "this conversation is reserved for agents with its language or skill for now",
                    {"exclusive_until": item["exclusive_until"]},
                )
        language = conversation.get("language", "")
        entry = encode(
            author="system",
            text=self.texts.render("agent_joined", language, agent=agent.name),
            event="agent_joined",
            agent_name=agent.name,
        )
        now = self.now()
        result = await self.store.transition(
            conversation_id,
            Action.CLAIM,
            new_owner=agent.id,
            new_owner_name=agent.name,
            capacity=agent.capacity,
            fields={"claimed_at": repr(now)},
            entry=entry,
        )
        if not result.ok:
            if result.status == "state" and result.previous_state == State.AGENT:
                by: AgentRef = {"id": result.owner, "name": result.owner_name}
                raise ProtocolError(
                    ErrorCode.ALREADY_CLAIMED,
                    f"{result.owner_name} already took this conversation",
                    {"by": by},
                )
            if result.status == "capacity":
                raise ProtocolError(
                    ErrorCode.AT_CAPACITY, f"you already have {agent.capacity} conversations"
                )
            raise refusal(result)
        if result.previous_state == State.QUEUED and conversation.get("queued_at"):
            await self.stats.record_wait(max(0.0, now - float(conversation["queued_at"])))
        customer_id = conversation.get("customer", "")
        by = {"id": agent.id, "name": agent.name}
        await self.notify.entry(
            conversation_id, customer_id, agent.id, stored(entry, result.seq, result.ts)
        )
        await self.notify.customer_state(
            customer_id,
            {"conversation_id": conversation_id, "state": "agent", "agent_name": agent.name},
        )
        await self.notify.queue_removed(conversation_id, "agent", by)
        detail = await self.detail(conversation_id)
        await self.notify.to_agent(
            agent.id, "conversation_assigned", detail, skip_sid=requester_sid
        )
        await self.broadcast_positions()
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
        entry = encode(
            author="system",
            text=self.texts.render(
                "transferred",
                conversation.get("language", ""),
                from_agent=agent.name,
                agent=target.name,
            ),
            event="transferred",
            agent_name=target.name,
        )
        result = await self.store.transition(
            conversation_id,
            Action.TRANSFER,
            actor=agent.id,
            new_owner=target.id,
            new_owner_name=target.name,
            capacity=target.capacity,
            entry=entry,
        )
        if not result.ok:
            raise refusal(result)
        customer_id = conversation.get("customer", "")
        if note:
            saved = await self.store.add_note(
                conversation_id, {"id": agent.id, "name": agent.name}, note, ""
            )
            await self.notify.note(conversation_id, target.id, saved)
        await self.notify.entry(
            conversation_id, customer_id, target.id, stored(entry, result.seq, result.ts)
        )
        await self.notify.customer_state(
            customer_id,
            {"conversation_id": conversation_id, "state": "agent", "agent_name": target.name},
        )
        detail = await self.detail(conversation_id)
        assigned = {**detail, "from_agent": {"id": agent.id, "name": agent.name}}
        if note:
            assigned["note"] = note
        await self.notify.to_agent(target.id, "conversation_assigned", assigned)
        await self.notify.to_agent(
            agent.id,
            "conversation_unassigned",
            {"conversation_id": conversation_id, "reason": "transferred"},
        )

    async def hand_back(self, agent: AgentRecord, conversation_id: str) -> None:
        """Back to the bot; the caller kicks the bridge, which tells the bot (``bot_event``)."""
        conversation = await self._get(conversation_id)
        entry = encode(
            author="system",
            text=self.texts.render(
                "handed_back", conversation.get("language", ""), agent=agent.name
            ),
            event="handed_back",
            agent_name=agent.name,
        )
        # bot_event: the bridge tells the bot (in order with the customer's next messages).
        result = await self.store.transition(
            conversation_id,
            Action.HAND_BACK,
            actor=agent.id,
            fields={"bot_event": "handback"},
            entry=entry,
        )
        if not result.ok:
            raise refusal(result)
        customer_id = conversation.get("customer", "")
        await self.notify.entry(
            conversation_id, customer_id, "", stored(entry, result.seq, result.ts)
        )
        await self.notify.customer_state(
            customer_id, {"conversation_id": conversation_id, "state": "bot"}
        )
        await self.notify.to_agent(
            agent.id,
            "conversation_unassigned",
            {"conversation_id": conversation_id, "reason": "handed_back"},
        )

    async def close(
        self, agent: AgentRecord, conversation_id: str, resolution: str, tags: list[str]
    ) -> None:
        conversation = await self._get(conversation_id)
        entry = encode(
            author="system",
            text=self.texts.render("closed", conversation.get("language", ""), agent=agent.name),
            event="closed",
            agent_name=agent.name,
        )
        fields = {
            "closed_at": repr(self.now()),
            "resolution": resolution,
            "tags": json.dumps(tags),
        }
        result = await self.store.transition(
            conversation_id, Action.CLOSE, actor=agent.id, fields=fields, entry=entry
        )
        if not result.ok:
            raise refusal(result)
        customer_id = conversation.get("customer", "")
        await self.notify.entry(
            conversation_id, customer_id, "", stored(entry, result.seq, result.ts)
        )
        await self.notify.customer_state(
            customer_id,
            {"conversation_id": conversation_id, "state": "closed", "csat_requested": True},
        )
        await self.notify.to_agent(
            agent.id,
            "conversation_unassigned",
            {"conversation_id": conversation_id, "reason": "closed"},
        )
        await self.store.expire(conversation_id)

    async def requeue_owned_by(self, agent_id: str) -> int:
        """An agent was disabled: every conversation they own goes back to the queue."""
        moved = 0
        for conversation_id in await self.agents.active(agent_id):
            conversation = await self.store.get(conversation_id)
            if conversation is None:
                continue
            now = self.now()
            entry = encode(
                author="system",
                text=self.texts.render("requeued", conversation.get("language", "")),
                event="requeued",
            )
            fields = {"queued_at": repr(now), "exclusive_until": repr(now)}
            result = await self.store.transition(
                conversation_id,
                Action.REQUEUE,
                actor=agent_id,
                fields=fields,
                entry=entry,
                queue_score=now,
            )
            if not result.ok:
                continue
            moved += 1
            customer_id = conversation.get("customer", "")
            await self.notify.entry(
                conversation_id, customer_id, "", stored(entry, result.seq, result.ts)
            )
            merged = {**conversation, **fields, "state": "queued", "owner": "", "owner_name": ""}
            await self.notify.queue_added(views.queue_item(merged, position=0))
            await self.notify.to_agent(
                agent_id,
                "conversation_unassigned",
                {"conversation_id": conversation_id, "reason": "requeued"},
            )
        if moved:
            await self.broadcast_positions()
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

    # -- views ------------------------------------------------------------------------------------
    async def detail(self, conversation_id: str, after_seq: int = 0) -> ConversationDetail:
        conversation = await self._get(conversation_id)
        messages, has_more = await self.store.read_log(conversation_id, after_seq)
        notes = await self.store.read_notes(conversation_id)
        return {
            "conversation": views.conversation_info(conversation),
            "messages": messages,
            "notes": notes,
            "has_more": has_more,
        }

    async def queue_for(self, agent: AgentRecord) -> tuple[list[QueueItem], list[QueueItem]]:
        now, profile = self.now(), agent.profile()
        queued = await self.store.get_many([c for c, _ in await self.store.queue()])
        tickets = await self.store.get_many([c for c, _ in await self.store.tickets()])
        return (
            [
                views.queue_item(c, position=i + 1, profile=profile, now=now)
                for i, c in enumerate(queued)
            ],
            [views.queue_item(c, position=0, profile=profile, now=now) for c in tickets],
        )

    async def state_for_customer(self, conversation: Mapping[str, str]) -> StateChange:
        """What a (re)connecting customer is told about where their conversation stands."""
        state = conversation.get("state", "bot")
        change: StateChange = {
            "conversation_id": conversation["id"],
            "state": cast(StateName, state),
        }
        if state == State.QUEUED:
            rank = await self.store.redis.zrank(self.store.keys.queue, conversation["id"])
            position = int(rank) + 1 if rank is not None else 1
            change["queue_position"] = position
            change["estimated_wait_s"] = estimate_wait(
                position=position,
                agents_available=len(await self.available_agents()),
                recent_waits=await self.stats.recent_waits(),
            )
        elif state == State.AGENT:
            change["agent_name"] = conversation.get("owner_name", "")
        elif state == State.OFFLINE and conversation.get("offline_reason"):
            change["offline_reason"] = cast(OfflineReason, conversation["offline_reason"])
        elif state == State.CLOSED:
            change["csat_requested"] = not conversation.get("csat")
        return change

    async def broadcast_positions(self) -> None:
        """Everyone still queued learns their new place in line."""
        queue = [c for c, _ in await self.store.queue()]
        if not queue:
            return
        conversations = await self.store.get_many(queue)
        agents = len(await self.available_agents())
        recent = await self.stats.recent_waits()
        for position, conversation in enumerate(conversations, start=1):
            await self.notify.customer_state(
                conversation.get("customer", ""),
                {
                    "conversation_id": conversation["id"],
                    "state": "queued",
                    "queue_position": position,
                    "estimated_wait_s": estimate_wait(
                        position=position, agents_available=agents, recent_waits=recent
                    ),
                },
            )

    async def _get(self, conversation_id: str) -> dict[str, str]:
        conversation = await self.store.get(conversation_id)
        if conversation is None:
            raise ProtocolError(ErrorCode.NOT_FOUND, "no such conversation")
        return conversation
