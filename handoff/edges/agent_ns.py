"""Socket.IO handlers for agent consoles (namespace ``/agent``).

A console connects with ``auth={"token": …}`` (from ``POST /api/login``); the token is checked
at connect (``AgentAuth``: signature, expiry, agent enabled, not revoked) and the agent's
identity comes only from it, never from a payload. Every operation answers through its
acknowledgement.

Example::

    sio.register_namespace(AgentNamespace(settings=settings, auth=auth, ...))
    await namespace.on_get_queue(sid, {})    # what a test can call directly
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import socketio  # type: ignore[import-untyped]  # no type information shipped

from handoff.config.settings import Settings
from handoff.config.triage_labels import load_triage_labels
from handoff.domain import views
from handoff.domain.clock import Clock
from handoff.domain.entries import encode, stored
from handoff.edges.guard import GuardedNamespace, rate_limited
from handoff.edges.sockets import AgentSocket, Connections, socket_address
from handoff.fanout import rooms
from handoff.fanout.notify import Notifier
from handoff.fanout.writers_first import after_local_writes
from handoff.protocol import agent as proto
from handoff.protocol.errors import ErrorCode, ProtocolError
from handoff.security.addresses import Network
from handoff.security.ratelimit import Rule
from handoff.services.agent_auth import AgentAuth
from handoff.services.assist import Assist
from handoff.services.board import Board
from handoff.services.bridge import BotBridge
from handoff.services.desk import Desk
from handoff.services.followup import FollowUps
from handoff.services.inbox import InboxFeed
from handoff.services.mail_out import MailOut
from handoff.store.agents import AgentStore
from handoff.store.conversations import ConversationStore
from handoff.store.limits import Limits
from handoff.store.presence import Presence
from handoff.store.sockets import AddressSockets, agent_place
from handoff.store.stats import Stats

SLOW_DOWN = "too many requests; slow down a little"
log = logging.getLogger("handoff")


@dataclass(frozen=True)
class AgentSocketCap:
    """How many console sockets one client address may hold (``docs/security.md``, "Floods")."""

    trusted_proxies: tuple[Network, ...]
    sockets: AddressSockets
    per_address: int


class AgentNamespace(GuardedNamespace):
    """The agent side of the protocol (``docs/protocol.md``), one method per event."""

    def __init__(
        self,
        *,
        settings: Settings,
        auth: AgentAuth,
        connections: Connections,
        conversations: ConversationStore,
        agents: AgentStore,
        presence: Presence,
        stats: Stats,
        desk: Desk,
        board: Board,
        bridge: BotBridge,
        notify: Notifier,
        canned: list[proto.Canned],
        limits: Limits,
        rule: Rule,
        clock: Clock,
        summary_labels: proto.SummaryLabels | None = None,
        inbox: InboxFeed | None = None,
        socket_cap: AgentSocketCap | None = None,
        followups: FollowUps | None = None,
        mail: MailOut | None = None,
        assist: Assist | None = None,
    ) -> None:
        super().__init__(rooms.AGENTS_NS, limits=limits, rule=rule)
        self.socket_cap = socket_cap
        self.mail = mail  # email out (docs/email.md); None: no email
        self.settings = settings
        # How the console shows a triage summary (contract/triage_labels.yml), sent in hello.
        self.summary_labels = summary_labels or load_triage_labels()
        self.auth = auth
        self.connections = connections
        self.store = conversations
        self.agents = agents
        self.presence = presence
        self.stats = stats
        self.desk = desk
        self.board = board
        self.bridge = bridge
        self.notify = notify
        self.canned = canned
        self.now = clock
        self.inbox = inbox  # the writers' inbox, fed after the answer (services/inbox.py)
        self.followups = followups  # closing may schedule one (services/followup.py)
        self.assist = assist  # suggested replies, computed after the answer (services/assist.py)

    # -- lifecycle ----------------------------------------------------------------------------
    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
        token = auth.get("token") if isinstance(auth, dict) else None
        session = await self.auth.authenticate(token)
        if session is None:
            raise socketio.exceptions.ConnectionRefusedError(
                "unauthorized",
                {"code": "unauthorized", "message": "invalid or expired token; log in again"},
            )
        record = session.agent
        await self._take_place(sid, environ)
        self.connections.agents[sid] = AgentSocket(sid, record, session.expires_at)
        try:
            await self.enter_room(sid, rooms.AGENTS)
            await self.enter_room(sid, rooms.agent(record.id))
            await self.presence.beat([record.id], self.now())
        except BaseException:
            # A refused connect gets no disconnect: give its place back here (and stop renewing).
            await self.on_disconnect(sid)
            raise
        return True

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        sock = self.connections.agents.pop(sid, None)
        place = self.connections.agent_places.pop(sid, None)
        if place is not None and self.socket_cap is not None:
            try:
                await self.socket_cap.sockets.close(place, sid)
            except Exception:  # noqa: BLE001 - the place comes free when its lease runs out
                log.warning("could not free the socket place of %s", place)
        if sock is not None and not self.connections.agent_sockets(sock.agent.id):
            await self.presence.leave(sock.agent.id)

    async def _take_place(self, sid: str, environ: dict[str, Any]) -> None:
        """Count the console against its address's cap (agents apart from customers)."""
        cap = self.socket_cap
        if cap is None:
            return
        place = agent_place(socket_address(environ, cap.trusted_proxies))
        try:
            has_place = await cap.sockets.open(place, sid, now=self.now(), cap=cap.per_address)
        except Exception:  # noqa: BLE001 - Redis away: as for customers, let the console retry
            log.warning("could not count the sockets of %s; letting it in", place)
            has_place = True
        if not has_place:
            raise socketio.exceptions.ConnectionRefusedError(
                "rate_limited",
                {
                    "code": "rate_limited",
                    "message": f"your network has {cap.per_address} consoles open already",
                },
            )
        self.connections.agent_places[sid] = place

    # -- reading ------------------------------------------------------------------------------
    async def on_hello(self, sid: str, data: Any) -> proto.HelloAck:
        sock = await self._agent(sid)
        proto.parse_empty(data)
        active = await self.store.get_many(await self.agents.active(sock.agent.id))
        queue, tickets = await self.board.queue_for(sock.agent)
        return {
            "ok": True,
            "agent": views.agent_info(sock.agent),
            "active": [views.conversation_info(c) for c in active],
            "queue": queue,
            "tickets": tickets,
            "summary_labels": self.summary_labels,
        }

    async def on_get_queue(self, sid: str, data: Any) -> proto.QueueAck:
        sock = await self._agent(sid)
        proto.parse_empty(data)
        queue, tickets = await self.board.queue_for(sock.agent)
        return {"ok": True, "queue": queue, "tickets": tickets}

    async def on_get_conversation(self, sid: str, data: Any) -> proto.ConversationAck:
        await self._agent(sid)
        conversation_id, after = proto.parse_get_conversation(data)
        return {"ok": True, **await self.board.detail(conversation_id, after)}

    async def on_get_history(self, sid: str, data: Any) -> proto.HistoryAck:
        await self._agent(sid)
        conversation = await self.store.get(proto.parse_conversation_ref(data))
        if conversation is None:
            raise ProtocolError(ErrorCode.NOT_FOUND, "no such conversation")
        customer_id = conversation.get("customer", "")
        earlier = await self.store.get_many(await self.store.customer_conversations(customer_id))
        return {
            "ok": True,
            "customer_id": customer_id,
            "conversations": [views.conversation_info(c) for c in reversed(earlier)],
        }

    async def on_watch(self, sid: str, data: Any) -> proto.ConversationAck:
        sock = await self._agent(sid)
        conversation_id = proto.parse_conversation_ref(data)
        # Join first, read after: an entry appended meanwhile is in the detail, or comes live
        # (the ordering handoff.fanout.membership relies on).
        await self.enter_room(sid, rooms.watch(conversation_id))
        try:
            detail = await self.board.detail(conversation_id)
        except BaseException:
            if conversation_id not in sock.watching:
                await self.leave_room(sid, rooms.watch(conversation_id))
            raise
        sock.watching.add(conversation_id)
        return {"ok": True, **detail}

    async def on_unwatch(self, sid: str, data: Any) -> dict[str, bool]:
        sock = await self._agent(sid)
        conversation_id = proto.parse_conversation_ref(data)
        await self.leave_room(sid, rooms.watch(conversation_id))
        sock.watching.discard(conversation_id)
        return {"ok": True}

    async def on_get_canned(self, sid: str, data: Any) -> proto.CannedAck:
        await self._agent(sid)
        proto.parse_empty(data)
        return {"ok": True, "canned": self.canned}

    async def on_get_agents(self, sid: str, data: Any) -> proto.AgentsAck:
        await self._agent(sid)
        proto.parse_empty(data)
        records = [r for r in await self.agents.all() if not r.disabled]
        online = await self.presence.online(self.now())
        loads = await self.agents.loads([r.id for r in records])
        return {
            "ok": True,
            "agents": [
                views.agent_summary(r, load=loads[r.id], online=r.id in online) for r in records
            ],
        }

    async def on_get_stats(self, sid: str, data: Any) -> proto.StatsAck:
        await self._agent(sid)
        proto.parse_empty(data)
        online = await self.presence.online(self.now())
        return {"ok": True, "stats": await self.stats.desk_stats(agents_online=len(online))}

    async def on_get_suggestions(self, sid: str, data: Any) -> proto.SuggestionsAck:
        sock = await self._agent(sid)
        conversation_id = proto.parse_conversation_ref(data)
        if self.assist is None:  # a namespace built without assist (some tests)
            raise ProtocolError(ErrorCode.INTERNAL, "suggestions are not enabled")
        found = await self.assist.suggestions_for(conversation_id, sock.agent.id)
        if found is None:
            raise ProtocolError(ErrorCode.NOT_OWNER, "suggestions are for your own conversations")
        return {"ok": True, **found}

    async def on_suggestion_feedback(self, sid: str, data: Any) -> dict[str, bool]:
        sock = await self._agent(sid)
        conversation_id, outcomes = proto.parse_suggestion_feedback(data)
        (owner,) = await self.store.fields(conversation_id, "owner")
        if owner != sock.agent.id:
            raise ProtocolError(ErrorCode.NOT_OWNER, "feedback is for your own conversations")
        if self.assist is not None:
            await self.assist.feedback(outcomes)
        return {"ok": True}

    # -- writing ------------------------------------------------------------------------------
    async def on_claim(self, sid: str, data: Any) -> proto.ConversationAck:
        sock = await self._agent(sid)
        conversation_id = proto.parse_conversation_ref(data)
        detail = await self.desk.claim(sock.agent, conversation_id, requester_sid=sid)
        if self.assist is not None:
            # For the question that brought the customer here, after the ack.
            self.assist.suggest_later(conversation_id)
        return {"ok": True, **detail}

    async def on_send_message(self, sid: str, data: Any) -> proto.SendAck:
        # The message spends its token in the append, only if it is stored.
        sock = await self._agent(sid, limited=False)
        out = proto.parse_send_message(data, self.settings.max_message_chars)
        agent = sock.agent
        fields = encode(
            author="agent",
            text=out.text,
            agent_id=agent.id,
            agent_name=agent.name,
            client_msg_id=out.client_msg_id,
        )
        result = await self.store.append(
            out.conversation_id,
            fields,
            cmid=out.client_msg_id,
            allowed=("agent",),
            required_owner=agent.id,
            first_response=True,
            answers=self.inbox is not None,
            bucket=self.limits.bucket(self.rule, agent.id),
        )
        if result.status == "limited":
            raise rate_limited(SLOW_DOWN, result.retry_after)
        if result.status == "dup":
            # Its first attempt may be stored but not relayed (NotReplicated: the WAIT timed
            # out): relay it again; receivers keep one entry per seq.
            entry = await self.store.read_entry(out.conversation_id, result.seq)
            if entry is not None:
                await self.notify.entry(
                    out.conversation_id, result.customer, result.owner, entry, skip_sid=sid
                )
            if self.mail is not None:
                # The first try may have failed between storing and queueing its email.
                await self.mail.queue_after_reply(out.conversation_id, result.seq)
            return {"ok": True, "seq": result.seq, "duplicate": True}
        if result.status == "missing":
            raise ProtocolError(ErrorCode.NOT_FOUND, "no such conversation")
        if result.status == "state":
            raise ProtocolError(
                ErrorCode.INVALID_STATE,
                f"the conversation is {result.state}; claim it first",
                {"state": result.state},
            )
        if result.status == "owner":
            raise ProtocolError(ErrorCode.NOT_OWNER, "another agent owns this conversation")
        await self.notify.entry(
            out.conversation_id,
            result.customer,
            agent.id,
            stored(fields, result.seq, result.ts),
            skip_sid=sid,  # this tab has the entry from its ack
        )
        if self.mail is not None and self.mail.enabled:
            # In the outbox before the ack: a replica dying now loses no email. Its reads wait
            # until the customer's copy is written (``fanout.writers_first``).
            await after_local_writes()
            await self.mail.queue_after_reply(out.conversation_id, result.seq)
        if result.first_response_queued_at is not None:
            await self.stats.record_first_response(
                max(0.0, result.ts - result.first_response_queued_at)
            )
        if self.inbox is not None and result.answered is not None:
            self.inbox.agent_replied_later(out.conversation_id, result.answered, out.text)
        return {"ok": True, "seq": result.seq, "duplicate": False}

    async def on_send_transcript(self, sid: str, data: Any) -> proto.EmailAck:
        await self._agent(sid)
        conversation_id, address = proto.parse_send_transcript(data)
        if self.mail is None or not self.mail.enabled:
            raise ProtocolError(ErrorCode.MAIL_OFF, "email is not set up on this service")
        entry = await self.mail.queue_transcript(conversation_id, address)
        return {"ok": True, "email": entry.info()}

    async def on_typing(self, sid: str, data: Any) -> dict[str, bool]:
        # Typing is frequent and cheap; never worth a refusal.
        sock = await self._agent(sid, limited=False)
        conversation_id, is_typing = proto.parse_typing(data)
        owner, customer_id = await self.store.fields(conversation_id, "owner", "customer")
        if owner != sock.agent.id:
            raise ProtocolError(
                ErrorCode.NOT_OWNER, "only the owner's typing is shown to the customer"
            )
        await self.notify.customer_typing(customer_id or "", is_typing, sock.agent.name)
        return {"ok": True}

    async def on_add_note(self, sid: str, data: Any) -> proto.NoteAck:
        sock = await self._agent(sid)
        out = proto.parse_add_note(data)
        state, owner = await self.store.fields(out.conversation_id, "state", "owner")
        if state is None:
            raise ProtocolError(ErrorCode.NOT_FOUND, "no such conversation")
        note = await self.store.add_note(
            out.conversation_id,
            {"id": sock.agent.id, "name": sock.agent.name},
            out.text,
            out.client_msg_id,
        )
        await self.notify.note(out.conversation_id, owner or "", note)
        return {"ok": True, "note": note}

    async def on_transfer(self, sid: str, data: Any) -> dict[str, bool]:
        sock = await self._agent(sid)
        conversation_id, target, note = proto.parse_transfer(data)
        await self.desk.transfer(sock.agent, conversation_id, target, note)
        return {"ok": True}

    async def on_hand_back(self, sid: str, data: Any) -> dict[str, bool]:
        sock = await self._agent(sid)
        conversation_id = proto.parse_conversation_ref(data)
        await self.desk.hand_back(sock.agent, conversation_id)
        # The bridge tells the bot and relays its "I'm back", in order with new messages.
        self.bridge.kick(conversation_id)
        return {"ok": True}

    async def on_close(self, sid: str, data: Any) -> dict[str, bool]:
        sock = await self._agent(sid)
        conversation_id, resolution, tags = proto.parse_close(data)
        follow_up = proto.parse_close_follow_up(data)
        await self.desk.close(sock.agent, conversation_id, resolution, tags)
        if self.followups is not None:
            await self.followups.after_close(conversation_id, asked=follow_up)
        if self.assist is not None:
            self.assist.closed_later(conversation_id, tags)
        return {"ok": True}

    async def on_set_presence(self, sid: str, data: Any) -> proto.PresenceAck:
        sock = await self._agent(sid)
        status = proto.parse_presence(data)
        await self.agents.update(sock.agent.id, {"status": status})
        for other in self.connections.agent_sockets(sock.agent.id):
            other.agent = await self.agents.get(sock.agent.id) or other.agent
        return {"ok": True, "status": "away" if status == "away" else "online"}

    # -- helpers ------------------------------------------------------------------------------
    async def _agent(self, sid: str, *, limited: bool = True) -> AgentSocket:
        """The caller's console; its token must still be valid. Spends a request token."""
        sock = self.connections.agents.get(sid)
        if sock is None or sock.expires_at <= self.now():
            raise ProtocolError(ErrorCode.UNAUTHORIZED, "log in again")
        if limited:
            await self.limit(sock.agent.id, SLOW_DOWN)
        return sock
