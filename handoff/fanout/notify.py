"""Fan-out: every event the service sends to rooms goes through here.

python-socketio's Redis manager delivers to this replica's sockets first and publishes to the
others; callers never wait for anyone to read (``handoff.fanout.pubsub`` queues the publishes).

Example::

    await notifier.entry(conversation_id, customer_id, owner, entry)
"""

from __future__ import annotations

from typing import Any

import socketio  # type: ignore[import-untyped]  # no type information shipped

from handoff.domain.entries import bot_uttered, for_customer
from handoff.fanout import rooms
from handoff.protocol.agent import ConversationInfo, EmailInfo, QueueItem, QueueRemoved
from handoff.protocol.customer import FollowUpQuestion, StateChange
from handoff.protocol.types import AgentEntry, AgentRef, Note, Resync, StateName


class Notifier:
    """Sends the service's events to Socket.IO rooms (see the module's doc for an example)."""

    def __init__(self, sio: socketio.AsyncServer) -> None:
        self.sio = sio

    async def _emit(
        self,
        event: str,
        data: Any,
        *,
        to: str | list[str],
        namespace: str,
        skip_sid: str | None = None,
    ) -> None:
        await self.sio.emit(event, data, to=to, namespace=namespace, skip_sid=skip_sid)

    async def entry(
        self,
        conversation_id: str,
        customer_id: str,
        owner: str,
        entry: AgentEntry,
        *,
        skip_sid: str | None = None,
    ) -> None:
        """A new transcript entry: to the customer's tabs and to the conversation's agents.

        ``skip_sid`` is the socket that wrote the entry (a customer's or an agent's tab): its ack
        carries the seq, so it gets no copy; the writer's other tabs do. One after the other,
        customer first: an emit only queues (this replica's sockets, and one publish for the
        others, see ``handoff.fanout.pubsub``), so running them concurrently would only add
        tasks and a trip round the event loop before the customer's copy goes out.
        """
        if entry["author"] == "customer":
            await self._emit(
                "tandem_message",
                {"conversation_id": conversation_id, "entry": for_customer(entry)},
                to=rooms.customer(customer_id),
                namespace=rooms.CUSTOMERS_NS,
                skip_sid=skip_sid,
            )
        else:
            await self._emit(
                "bot_uttered",
                bot_uttered(conversation_id, entry),
                to=rooms.customer(customer_id),
                namespace=rooms.CUSTOMERS_NS,
                skip_sid=skip_sid,
            )
        await self._emit(
            "conversation_message",
            {"conversation_id": conversation_id, "entry": entry},
            to=rooms.conversation_agents(conversation_id, owner),
            namespace=rooms.AGENTS_NS,
            skip_sid=skip_sid,
        )

    async def customer_state(self, customer_id: str, change: StateChange) -> None:
        await self._emit(
            "tandem_state", change, to=rooms.customer(customer_id), namespace=rooms.CUSTOMERS_NS
        )

    async def followup(self, customer_id: str, question: FollowUpQuestion) -> None:
        """ "Was your problem solved?" to the customer's open tabs (``services/followup.py``)."""
        await self._emit(
            "tandem_followup",
            question,
            to=rooms.customer(customer_id),
            namespace=rooms.CUSTOMERS_NS,
        )

    async def customer_typing(self, customer_id: str, typing: bool, agent_name: str) -> None:
        await self._emit(
            "tandem_typing",
            {"typing": typing, "agent_name": agent_name},
            to=rooms.customer(customer_id),
            namespace=rooms.CUSTOMERS_NS,
        )

    async def agent_typing(self, conversation_id: str, owner: str, typing: bool) -> None:
        await self._emit(
            "customer_typing",
            {"conversation_id": conversation_id, "typing": typing},
            to=rooms.conversation_agents(conversation_id, owner),
            namespace=rooms.AGENTS_NS,
        )

    async def note(self, conversation_id: str, owner: str, note: Note) -> None:
        await self._emit(
            "conversation_note",
            {"conversation_id": conversation_id, "note": note},
            to=rooms.conversation_agents(conversation_id, owner),
            namespace=rooms.AGENTS_NS,
        )

    async def queue_added(self, item: QueueItem) -> None:
        await self._emit("queue_added", {"item": item}, to=rooms.AGENTS, namespace=rooms.AGENTS_NS)

    async def queue_removed(
        self, conversation_id: str, state: StateName, by: AgentRef | None = None
    ) -> None:
        payload: QueueRemoved = {"conversation_id": conversation_id, "state": state}
        if by is not None:
            payload["by"] = by
        await self._emit("queue_removed", payload, to=rooms.AGENTS, namespace=rooms.AGENTS_NS)

    async def to_agent(
        self, agent_id: str, event: str, payload: Any, *, skip_sid: str | None = None
    ) -> None:
        """To every console tab of one agent (but ``skip_sid``, which has it from its ack)."""
        await self._emit(
            event, payload, to=rooms.agent(agent_id), namespace=rooms.AGENTS_NS, skip_sid=skip_sid
        )

    async def conversation_updated(self, info: ConversationInfo) -> None:
        owner = info["owner"]["id"] if info["owner"] else ""
        await self._emit(
            "conversation_updated",
            {"conversation": info},
            to=rooms.conversation_agents(info["conversation_id"], owner),
            namespace=rooms.AGENTS_NS,
        )

    async def email_status(self, conversation_id: str, owner: str, email: EmailInfo) -> None:
        """An email to the customer was queued, sent, is being retried, failed or skipped."""
        await self._emit(
            "email_status",
            {"conversation_id": conversation_id, "email": email},
            to=rooms.conversation_agents(conversation_id, owner),
            namespace=rooms.AGENTS_NS,
        )

    async def end_customer_sockets(self, sids: list[str]) -> None:
        """Disconnect these customer sockets wherever they are (their customer was erased: a
        socket left open would mark them present again). The widget's session still names the
        erased id; a reconnect starts from nothing."""
        for sid in sids:
            if isinstance(self.sio, socketio.AsyncServer):
                await self.sio.disconnect(sid, namespace=rooms.CUSTOMERS_NS)
            else:  # the CLI's write-only manager
                await self.sio.disconnect_elsewhere(sid, rooms.CUSTOMERS_NS)

    async def resync(self) -> None:
        """Tell every socket on *this* replica to sync (``tandem_resync``): it was deaf to the
        others for a while (``handoff.fanout.pubsub``), and what they sent is in the streams.

        Local only (``ignore_queue``): the other replicas heard everything, or say so
        themselves.
        """
        payload: Resync = {"reason": "delivery_gap"}
        for namespace in (rooms.CUSTOMERS_NS, rooms.AGENTS_NS):
            await self.sio.emit("tandem_resync", payload, namespace=namespace, ignore_queue=True)
