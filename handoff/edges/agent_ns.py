"""Socket.IO handlers for agent consoles (namespace ``/agent``).

A console connects with ``auth={"token": …}`` (from ``POST /api/login``); the token is checked
at connect (signature, expiry, agent enabled, not revoked) and the agent's identity comes only
from it, never from a payload. Every operation answers through its acknowledgement.

Example::

    register_agent_handlers(sio, hub)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import socketio  # type: ignore[import-untyped]  # no type information shipped

from handoff.domain import views
from handoff.domain.entries import encode, stored
from handoff.edges.customer_ns import Handler, guarded
from handoff.edges.sockets import AgentSocket, Hub
from handoff.fanout import rooms
from handoff.protocol import agent as proto
from handoff.protocol.errors import ErrorCode, ProtocolError

log = logging.getLogger("handoff.agents")
NS = rooms.AGENTS_NS


def register_agent_handlers(sio: socketio.AsyncServer, hub: Hub) -> None:
    settings, store = hub.settings, hub.conversations

    def on(event: str) -> Callable[[Handler], Any]:
        def register(handler: Handler) -> Any:
            return sio.on(event, namespace=NS)(guarded(sio, event, NS)(handler))

        return register

    def agent_of(sid: str, *, limited: bool = True) -> AgentSocket:
        sock = hub.connections.agents.get(sid)
        if sock is None or sock.expires_at <= hub.clock():
            raise ProtocolError(ErrorCode.UNAUTHORIZED, "log in again")
        if limited and not hub.agent_limiter.allow(sock.agent.id, time.monotonic()):
            raise ProtocolError(ErrorCode.RATE_LIMITED, "too many requests; slow down a little")
        return sock

    async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
        token = auth.get("token") if isinstance(auth, dict) else None
        claims = hub.tokens.verify(token, hub.clock())
        record = await hub.agents.get(claims.agent_id) if claims else None
        if (
            claims is None
            or record is None
            or record.disabled
            or record.token_gen != claims.generation
        ):
            raise socketio.exceptions.ConnectionRefusedError(
                "unauthorized",
                {"code": "unauthorized", "message": "invalid or expired token; log in again"},
            )
        hub.connections.agents[sid] = AgentSocket(sid, record, claims.expires_at)
        await sio.enter_room(sid, rooms.AGENTS, namespace=NS)
        await sio.enter_room(sid, rooms.agent(record.id), namespace=NS)
        await hub.presence.beat([record.id], hub.clock())
        return True

    async def disconnect(sid: str, reason: Any = None) -> None:
        sock = hub.connections.agents.pop(sid, None)
        if sock is not None and not hub.connections.agent_sockets(sock.agent.id):
            await hub.presence.leave(sock.agent.id)

    @on("hello")
    async def hello(sid: str, data: Any) -> proto.HelloAck:
        sock = agent_of(sid)
        proto.parse_empty(data)
        active = await store.get_many(await hub.agents.active(sock.agent.id))
        queue, tickets = await hub.desk.queue_for(sock.agent)
        return {
            "ok": True,
            "agent": views.agent_info(sock.agent),
            "active": [views.conversation_info(c) for c in active],
            "queue": queue,
            "tickets": tickets,
        }

    @on("get_queue")
    async def get_queue(sid: str, data: Any) -> proto.QueueAck:
        sock = agent_of(sid)
        proto.parse_empty(data)
        queue, tickets = await hub.desk.queue_for(sock.agent)
        return {"ok": True, "queue": queue, "tickets": tickets}

    @on("get_conversation")
    async def get_conversation(sid: str, data: Any) -> proto.ConversationAck:
        agent_of(sid)
        conversation_id, after = proto.parse_get_conversation(data)
        return {"ok": True, **await hub.desk.detail(conversation_id, after)}

    @on("get_history")
    async def get_history(sid: str, data: Any) -> proto.HistoryAck:
        agent_of(sid)
        conversation = await store.get(proto.parse_conversation_ref(data))
        if conversation is None:
            raise ProtocolError(ErrorCode.NOT_FOUND, "no such conversation")
        customer_id = conversation.get("customer", "")
        earlier = await store.get_many(await store.customer_conversations(customer_id))
        return {
            "ok": True,
            "customer_id": customer_id,
            "conversations": [views.conversation_info(c) for c in reversed(earlier)],
        }

    @on("watch")
    async def watch(sid: str, data: Any) -> proto.ConversationAck:
        sock = agent_of(sid)
        conversation_id = proto.parse_conversation_ref(data)
        detail = await hub.desk.detail(conversation_id)
        await sio.enter_room(sid, rooms.watch(conversation_id), namespace=NS)
        sock.watching.add(conversation_id)
        return {"ok": True, **detail}

    @on("unwatch")
    async def unwatch(sid: str, data: Any) -> dict[str, bool]:
        sock = agent_of(sid)
        conversation_id = proto.parse_conversation_ref(data)
        await sio.leave_room(sid, rooms.watch(conversation_id), namespace=NS)
        sock.watching.discard(conversation_id)
        return {"ok": True}

    @on("claim")
    async def claim(sid: str, data: Any) -> proto.ConversationAck:
        sock = agent_of(sid)
        conversation_id = proto.parse_conversation_ref(data)
        detail = await hub.desk.claim(sock.agent, conversation_id, requester_sid=sid)
        return {"ok": True, **detail}

    @on("send_message")
    async def send_message(sid: str, data: Any) -> proto.SendAck:
        sock = agent_of(sid)
        out = proto.parse_send_message(data, settings.max_message_chars)
        agent = sock.agent
        fields = encode(
            author="agent",
            text=out.text,
            agent_id=agent.id,
            agent_name=agent.name,
            client_msg_id=out.client_msg_id,
        )
        result = await store.append(
            out.conversation_id,
            fields,
            cmid=out.client_msg_id,
            allowed=("agent",),
            required_owner=agent.id,
            first_response=True,
        )
        if result.status == "dup":
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
        await hub.notify.entry(
            out.conversation_id,
            result.customer,
            agent.id,
            stored(fields, result.seq, result.ts),
            skip_sid=sid,  # this tab has the entry from its ack
        )
        if result.first_response_queued_at is not None:
            await hub.stats.record_first_response(
                max(0.0, result.ts - result.first_response_queued_at)
            )
        return {"ok": True, "seq": result.seq, "duplicate": False}

    @on("typing")
    async def typing(sid: str, data: Any) -> dict[str, bool]:
        sock = agent_of(sid, limited=False)  # typing is frequent and cheap; never worth a refusal
        conversation_id, is_typing = proto.parse_typing(data)
        owner, customer_id = await hub.redis.hmget(
            hub.keys.conversation(conversation_id), ["owner", "customer"]
        )
        if owner != sock.agent.id:
            raise ProtocolError(
                ErrorCode.NOT_OWNER, "only the owner's typing is shown to the customer"
            )
        await hub.notify.customer_typing(str(customer_id), is_typing, sock.agent.name)
        return {"ok": True}

    @on("add_note")
    async def add_note(sid: str, data: Any) -> proto.NoteAck:
        sock = agent_of(sid)
        out = proto.parse_add_note(data)
        state, owner = await hub.redis.hmget(
            hub.keys.conversation(out.conversation_id), ["state", "owner"]
        )
        if state is None:
            raise ProtocolError(ErrorCode.NOT_FOUND, "no such conversation")
        note = await store.add_note(
            out.conversation_id,
            {"id": sock.agent.id, "name": sock.agent.name},
            out.text,
            out.client_msg_id,
        )
        await hub.notify.note(out.conversation_id, str(owner or ""), note)
        return {"ok": True, "note": note}

    @on("transfer")
    async def transfer(sid: str, data: Any) -> dict[str, bool]:
        sock = agent_of(sid)
        conversation_id, target, note = proto.parse_transfer(data)
        await hub.desk.transfer(sock.agent, conversation_id, target, note)
        return {"ok": True}

    @on("hand_back")
    async def hand_back(sid: str, data: Any) -> dict[str, bool]:
        sock = agent_of(sid)
        conversation_id = proto.parse_conversation_ref(data)
        await hub.desk.hand_back(sock.agent, conversation_id)
        hub.bridge.kick(conversation_id)  # the bot says it is back, in order with new messages
        return {"ok": True}

    @on("close")
    async def close(sid: str, data: Any) -> dict[str, bool]:
        sock = agent_of(sid)
        conversation_id, resolution, tags = proto.parse_close(data)
        await hub.desk.close(sock.agent, conversation_id, resolution, tags)
        return {"ok": True}

    @on("set_presence")
    async def set_presence(sid: str, data: Any) -> proto.PresenceAck:
        sock = agent_of(sid)
        status = proto.parse_presence(data)
        await hub.agents.update(sock.agent.id, {"status": status})
        for other in hub.connections.agent_sockets(sock.agent.id):
            other.agent = await hub.agents.get(sock.agent.id) or other.agent
        return {"ok": True, "status": "away" if status == "away" else "online"}

    @on("get_canned")
    async def get_canned(sid: str, data: Any) -> proto.CannedAck:
        agent_of(sid)
        proto.parse_empty(data)
        return {"ok": True, "canned": hub.canned}

    @on("get_agents")
    async def get_agents(sid: str, data: Any) -> proto.AgentsAck:
        agent_of(sid)
        proto.parse_empty(data)
        records = [r for r in await hub.agents.all() if not r.disabled]
        online = await hub.presence.online(hub.clock())
        loads = await hub.agents.loads([r.id for r in records])
        return {
            "ok": True,
            "agents": [
                {
                    "id": r.id,
                    "name": r.name,
                    "languages": list(r.languages),
                    "skills": list(r.skills),
                    "capacity": r.capacity,
                    "load": loads[r.id],
                    "online": r.id in online,
                    "status": "away" if r.status == "away" else "online",
                }
                for r in records
            ],
        }

    @on("get_stats")
    async def get_stats(sid: str, data: Any) -> proto.StatsAck:
        agent_of(sid)
        proto.parse_empty(data)
        online = await hub.presence.online(hub.clock())
        return {"ok": True, "stats": await hub.stats.desk_stats(agents_online=len(online))}

    async def unknown(event: str, sid: str, *args: Any) -> Any:
        error = ProtocolError(ErrorCode.UNKNOWN_EVENT, f"unknown event {event[:64]!r}")
        await sio.emit(
            "tandem_error",
            {"code": error.code.value, "message": error.message, "event": event[:64]},
            to=sid,
            namespace=NS,
        )
        return error.ack()

    sio.on("connect", handler=connect, namespace=NS)
    sio.on("disconnect", handler=disconnect, namespace=NS)
    sio.on("*", handler=unknown, namespace=NS)
