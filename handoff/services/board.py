"""What people are shown of the desk: a conversation's whole story, the queue and ticket lists
agents see, and each waiting customer's place in line with the estimated wait.

Example::

    board = Board(conversations=conversations, facts=facts, places=QueuePlaces(redis, keys),
                  notify=notifier, clock=time.time)
    detail = await board.detail("c_…")
    queue, tickets = await board.queue_for(agent_record)
    await board.broadcast_positions()      # after the queue moved: only who moved hears it
    await board.retell_due()               # as time passes: only whose worded wait changed
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import cast

from handoff.domain import views
from handoff.domain.agents import AgentRecord
from handoff.domain.clock import Clock
from handoff.domain.ownership import State
from handoff.domain.waiting import Place, next_retell, place_mark, place_now, places_to_tell
from handoff.fanout.notify import Notifier
from handoff.protocol.agent import ConversationDetail, QueueItem
from handoff.protocol.customer import StateChange
from handoff.protocol.errors import ErrorCode, ProtocolError
from handoff.protocol.types import OfflineReason, StateName
from handoff.store.conversations import ConversationStore
from handoff.store.facts import DeskFactsReader
from handoff.store.outbox import Outbox
from handoff.store.queue_places import QueuePlaces


class Board:
    """Reads the desk for agents and customers; tells waiting customers where they stand."""

    def __init__(
        self,
        *,
        conversations: ConversationStore,
        facts: DeskFactsReader,
        places: QueuePlaces,
        notify: Notifier,
        clock: Clock,
        outbox: Outbox | None = None,
    ) -> None:
        self.outbox = outbox  # with email on: a conversation's detail lists its emails
        self.store = conversations
        self.facts = facts
        self.places = places
        self.notify = notify
        self.now = clock

    async def detail(self, conversation_id: str, after_seq: int = 0) -> ConversationDetail:
        """The conversation, its transcript after ``after_seq`` and its internal notes."""
        conversation = await self.store.get(conversation_id)
        if conversation is None:
            raise ProtocolError(ErrorCode.NOT_FOUND, "no such conversation")
        messages, has_more = await self.store.read_log(conversation_id, after_seq)
        notes = await self.store.read_notes(conversation_id)
        detail: ConversationDetail = {
            "conversation": views.conversation_info(conversation),
            "messages": messages,
            "notes": notes,
            "has_more": has_more,
        }
        if self.outbox is not None:
            emails = await self.outbox.of_conversation(conversation_id)
            detail["emails"] = [e.info() for e in emails]
        return detail

    async def queue_for(self, agent: AgentRecord) -> tuple[list[QueueItem], list[QueueItem]]:
        """The queue (in order) and the tickets, marked with what ``agent`` may claim now."""
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
        if conversation.get("language"):
            change["language"] = conversation["language"]
        if state == State.QUEUED:
            position = await self.store.queue_position(conversation["id"]) or 1
            facts = await self.facts.read(now=self.now())
            marks = await self.places.marks([conversation["id"]])
            place, _ = place_now(
                position,
                marks.get(conversation["id"]),
                now=self.now(),
                agents_available=len(facts.available),
                recent_waits=facts.recent_waits,
            )
            change.update(_place_fields(place))
        elif state == State.AGENT:
            change["agent_name"] = conversation.get("owner_name", "")
        elif state == State.OFFLINE and conversation.get("offline_reason"):
            change["offline_reason"] = cast(OfflineReason, conversation["offline_reason"])
        elif state == State.CLOSED:
            change["csat_requested"] = not conversation.get("csat")
        return change

    async def remember_place(self, conversation_id: str, position: int, wait: float) -> None:
        """A customer was just told their place (on joining the queue): no need to repeat it
        until it moves or its wait, counting down, reads differently."""
        place = Place(position, wait, self.now())
        await self.places.remember(
            {conversation_id: place_mark(place)}, due=self._due({conversation_id: place})
        )

    async def broadcast_positions(self) -> int:
        """The queued customers whose place (or worded wait) changed learn it; returns how many.

        The rest were told already and hear nothing: one change costs what it changed, not the
        length of the queue (``domain.waiting.places_to_tell``).
        """
        queue, told = await self.places.read()
        facts = await self.facts.read(now=self.now())
        changed, gone = places_to_tell(
            ((c, i) for i, c in enumerate(queue, start=1)),
            told,
            now=self.now(),
            agents_available=len(facts.available),
            recent_waits=facts.recent_waits,
        )
        return await self._tell(changed, changed, gone)

    async def retell_due(self) -> int:
        """As time passes: the customers whose worded wait is due to change ("about 2 minutes"
        to "about 1 minute", then "under a minute", then "longer than usual") learn it; returns
        how many. Looks only at those due (``queue:retell``), never the whole queue."""
        due = await self.places.due(now=self.now())
        if not due:
            return 0
        facts, now = await self.facts.read(now=self.now()), self.now()
        changed: dict[str, Place] = {}
        seen: dict[str, Place] = {}
        gone: list[str] = []
        for conversation_id, position, mark in due:
            if position is None:
                gone.append(conversation_id)
                continue
            place, differs = place_now(
                position,
                mark,
                now=now,
                agents_available=len(facts.available),
                recent_waits=facts.recent_waits,
            )
            seen[conversation_id] = place
            if differs:
                changed[conversation_id] = place
        return await self._tell(changed, seen, gone)

    async def _tell(
        self, changed: Mapping[str, Place], scheduled: Mapping[str, Place], gone: Iterable[str]
    ) -> int:
        """Tell ``changed`` their place, remember it, look at ``scheduled`` again when due."""
        conversations = await self.store.get_many(list(changed))
        for conversation in conversations:
            await self.notify.customer_state(
                conversation.get("customer", ""),
                {
                    "conversation_id": conversation["id"],
                    "state": "queued",
                    **_place_fields(changed[conversation["id"]]),
                },
            )
        await self.places.remember(
            {c: place_mark(place) for c, place in changed.items()},
            forget=gone,
            due=self._due(scheduled),
        )
        return len(conversations)

    def _due(self, places: Mapping[str, Place]) -> dict[str, float | None]:
        now = self.now()
        due: dict[str, float | None] = {}
        for conversation_id, place in places.items():
            delay = next_retell(place.wait)
            due[conversation_id] = None if delay is None else now + delay
        return due


def _place_fields(place: Place) -> StateChange:
    """The ``tandem_state`` fields of a place in line (``longer_than_usual`` only when true)."""
    fields = cast(
        StateChange, {"queue_position": place.position, "estimated_wait_s": max(0.0, place.wait)}
    )
    if place.longer_than_usual:
        fields["longer_than_usual"] = True
    return fields
