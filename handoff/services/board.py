"""What people are shown of the desk: a conversation's whole story, the queue and ticket lists
agents see, and each waiting customer's place in line with the estimated wait.

Example::

    board = Board(conversations=conversations, facts=facts, places=QueuePlaces(redis, keys),
                  notify=notifier, clock=time.time)
    detail = await board.detail("c_…")
    queue, tickets = await board.queue_for(agent_record)
    await board.broadcast_positions()      # after the queue moved: only who moved hears it
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from handoff.domain import views
from handoff.domain.agents import AgentRecord
from handoff.domain.clock import Clock
from handoff.domain.ownership import State
from handoff.domain.waiting import estimate_wait, place_mark, places_to_tell
from handoff.fanout.notify import Notifier
from handoff.protocol.agent import ConversationDetail, QueueItem
from handoff.protocol.customer import StateChange
from handoff.protocol.errors import ErrorCode, ProtocolError
from handoff.protocol.types import OfflineReason, StateName
from handoff.store.conversations import ConversationStore
from handoff.store.facts import DeskFactsReader
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
    ) -> None:
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
        return {
            "conversation": views.conversation_info(conversation),
            "messages": messages,
            "notes": notes,
            "has_more": has_more,
        }

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
            change["queue_position"] = position
            change["estimated_wait_s"] = estimate_wait(
                position=position,
                agents_available=len(facts.available),
                recent_waits=facts.recent_waits,
            )
        elif state == State.AGENT:
            change["agent_name"] = conversation.get("owner_name", "")
        elif state == State.OFFLINE and conversation.get("offline_reason"):
            change["offline_reason"] = cast(OfflineReason, conversation["offline_reason"])
        elif state == State.CLOSED:
            change["csat_requested"] = not conversation.get("csat")
        return change

    async def remember_place(self, conversation_id: str, position: int, wait: float) -> None:
        """A customer was just told their place (on joining the queue): no need to repeat it."""
        await self.places.remember({conversation_id: place_mark(position, wait)})

    async def broadcast_positions(self) -> int:
        """The queued customers whose place (or worded wait) changed learn it; returns how many.

        The rest were told already and hear nothing: one change costs what it changed, not the
        length of the queue (``domain.waiting.places_to_tell``).
        """
        queue, told = await self.places.read()
        facts = await self.facts.read(now=self.now())
        changed, gone = places_to_tell(
            queue,
            told,
            agents_available=len(facts.available),
            recent_waits=facts.recent_waits,
        )
        conversations = await self.store.get_many(list(changed))
        for conversation in conversations:
            position, wait = changed[conversation["id"]]
            await self.notify.customer_state(
                conversation.get("customer", ""),
                {
                    "conversation_id": conversation["id"],
                    "state": "queued",
                    "queue_position": position,
                    "estimated_wait_s": wait,
                },
            )
        await self.places.remember(
            {c: place_mark(*place) for c, place in changed.items()}, forget=gone
        )
        return len(conversations)
