"""Socket.IO handlers for customers (namespace ``/``), wire-compatible with Rasa's channel.

Identity never comes from a message body: ``session_request`` binds the socket to a session the
server issued (an unknown or unsigned id gets a fresh one), and every later event acts on that
session's own conversation only.

Example::

    register_customer_handlers(sio, hub)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import socketio  # type: ignore[import-untyped]  # no type information shipped

from handoff.domain import views
from handoff.domain.entries import encode, for_customer, stored
from handoff.domain.ownership import BOT_ANSWERS, State
from handoff.edges.sockets import CustomerSocket, Hub
from handoff.fanout import rooms
from handoff.protocol import customer as proto
from handoff.protocol.errors import ErrorCode, ProtocolError

log = logging.getLogger("handoff.customers")
NS = rooms.CUSTOMERS_NS
Handler = Callable[[str, Any], Awaitable[Any]]


def guarded(
    sio: socketio.AsyncServer, event: str, namespace: str
) -> Callable[[Handler], Callable[..., Awaitable[Any]]]:
    """Wrap a handler: one payload argument, errors become an ack *and* a ``tandem_error`` event."""

    def wrap(handler: Handler) -> Callable[..., Awaitable[Any]]:
        async def run(sid: str, *args: Any) -> Any:
            try:
                if len(args) > 1:
                    raise ProtocolError(ErrorCode.BAD_REQUEST, "send one payload object")
                return await handler(sid, args[0] if args else None)
            except ProtocolError as exc:
                error = exc
            except Exception:
                log.exception("%s%s failed", namespace, event)
                error = ProtocolError(
                    ErrorCode.INTERNAL, "the server failed to handle this; please retry"
                )
            await sio.emit(
                "tandem_error",
                {"code": error.code.value, "message": error.message, "event": event},
                to=sid,
                namespace=namespace,
            )
            return error.ack()

        return run

    return wrap


def register_customer_handlers(sio: socketio.AsyncServer, hub: Hub) -> None:
    settings, store = hub.settings, hub.conversations

    def on(event: str) -> Callable[[Handler], Any]:
        def register(handler: Handler) -> Any:
            return sio.on(event, namespace=NS)(guarded(sio, event, NS)(handler))

        return register

    def session_of(sid: str) -> CustomerSocket:
        sock = hub.connections.customers.get(sid)
        if sock is None:
            raise ProtocolError(ErrorCode.NO_SESSION, "send session_request first")
        return sock

    def limit(sock: CustomerSocket, kind: str = "") -> None:
        if not hub.customer_limiter.allow(kind + sock.customer_id, time.monotonic()):
            raise ProtocolError(ErrorCode.RATE_LIMITED, "too many messages; slow down a little")

    async def ensure_conversation(sock: CustomerSocket) -> dict[str, str]:
        """The session's open conversation, starting a new one if there is none or it is closed."""
        if sock.conversation_id:
            conversation = await store.get(sock.conversation_id)
            if conversation is not None and conversation.get("state") != State.CLOSED:
                return conversation
        sock.conversation_id = await store.start(
            sock.customer_id,
            expected_current=sock.conversation_id or "",
            day_key=hub.stats.day_key(),
        )
        conversation = await store.get(sock.conversation_id)
        assert conversation is not None
        await announce_session(sock)
        return conversation

    async def announce_session(sock: CustomerSocket, last_seq: int = 0) -> None:
        info: proto.SessionInfo = {
            "session_id": sock.session_id,
            "conversation_id": sock.conversation_id,
            "state": "bot",
            "last_seq": last_seq,
        }
        # To every tab: a new conversation started (e.g. after the last one was closed).
        await sio.emit("tandem_session", info, to=rooms.customer(sock.customer_id), namespace=NS)

    async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
        return True

    async def disconnect(sid: str, reason: Any = None) -> None:
        hub.connections.customers.pop(sid, None)

    @on("session_request")
    async def session_request(sid: str, data: Any) -> None:
        claimed, last_seq = proto.parse_session_request(data)
        session_id = claimed if claimed and hub.sessions.verify(claimed) else hub.sessions.issue()
        customer_id = hub.sessions.customer_id(session_id)
        previous = hub.connections.customers.get(sid)
        if previous is not None and previous.customer_id != customer_id:
            await sio.leave_room(sid, rooms.customer(previous.customer_id), namespace=NS)
        conversation_id = await store.current(customer_id)
        conversation = await store.get(conversation_id) if conversation_id else None
        sock = CustomerSocket(
            sid, session_id, customer_id, conversation_id if conversation else None
        )
        hub.connections.customers[sid] = sock
        await sio.enter_room(sid, rooms.customer(customer_id), namespace=NS)
        await sio.emit("session_confirm", session_id, to=sid, namespace=NS)
        info: proto.SessionInfo = {
            "session_id": session_id,
            "conversation_id": sock.conversation_id,
            "state": conversation.get("state", "bot") if conversation else "bot",  # type: ignore[typeddict-item]
            "last_seq": int(conversation.get("seq", "0")) if conversation else 0,
        }
        await sio.emit("tandem_session", info, to=sid, namespace=NS)
        if conversation is None:
            return
        if last_seq is not None:
            await send_transcript(sid, conversation["id"], last_seq)
        if conversation.get("state") != State.BOT:
            await sio.emit(
                "tandem_state",
                await hub.desk.state_for_customer(conversation),
                to=sid,
                namespace=NS,
            )
        if conversation.get("state") in BOT_ANSWERS:
            hub.bridge.kick(conversation["id"])  # resume anything a dead replica left unanswered

    async def send_transcript(sid: str, conversation_id: str, after_seq: int) -> proto.Transcript:
        entries, has_more = await store.read_log(conversation_id, after_seq)
        transcript: proto.Transcript = {
            "conversation_id": conversation_id,
            "after_seq": after_seq,
            "last_seq": entries[-1]["seq"] if entries else after_seq,
            "messages": [for_customer(e) for e in entries],
            "has_more": has_more,
        }
        await sio.emit("tandem_transcript", transcript, to=sid, namespace=NS)
        return transcript

    @on("user_uttered")
    async def user_uttered(sid: str, data: Any) -> proto.UtteranceAck:
        sock = session_of(sid)
        utterance = proto.parse_user_uttered(data, settings.max_message_chars)
        if utterance.session_id and utterance.session_id != sock.session_id:
            raise ProtocolError(ErrorCode.FORBIDDEN, "session_id is not this socket's session")
        limit(sock)
        fields = encode(
            author="customer",
            text=utterance.text,
            client_msg_id=utterance.client_msg_id,
            meta=utterance.metadata or None,
        )
        result = None
        for _ in range(
            3
        ):  # a closed conversation is followed by a new one; another tab may race us
            if sock.conversation_id is None:
                await ensure_conversation(sock)
            assert sock.conversation_id is not None
            result = await store.append(
                sock.conversation_id,
                fields,
                cmid=utterance.client_msg_id,
                allowed=("bot", "queued", "agent", "offline"),
                for_bot=True,
            )
            if result.status in ("ok", "dup"):
                break
            await ensure_conversation(sock)
        assert result is not None and sock.conversation_id is not None
        conversation_id = sock.conversation_id
        if result.status == "dup":
            return {
                "ok": True,
                "conversation_id": conversation_id,
                "seq": result.seq,
                "duplicate": True,
            }
        if not result.ok:
            raise ProtocolError(ErrorCode.INTERNAL, "could not store the message; please retry")
        entry = stored(fields, result.seq, result.ts)
        await hub.notify.entry(conversation_id, sock.customer_id, result.owner, entry, skip_sid=sid)
        if result.state in BOT_ANSWERS:
            hub.bridge.kick(conversation_id)
        return {
            "ok": True,
            "conversation_id": conversation_id,
            "seq": result.seq,
            "duplicate": False,
        }

    @on("tandem_typing")
    async def typing(sid: str, data: Any) -> dict[str, bool]:
        sock = session_of(sid)
        is_typing = proto.parse_typing(data)
        limit(sock, "typing:")
        if sock.conversation_id:
            owner = await hub.redis.hget(hub.keys.conversation(sock.conversation_id), "owner")
            await hub.notify.agent_typing(sock.conversation_id, str(owner or ""), is_typing)
        return {"ok": True}

    @on("tandem_request_agent")
    async def request_agent(sid: str, data: Any) -> proto.RequestAgentAck:
        sock = session_of(sid)
        proto.parse_request_agent(data)
        limit(sock)
        conversation = await ensure_conversation(sock)
        state = conversation.get("state", "bot")
        if state == State.BOT:
            await hub.desk.hand_to_people(
                conversation,
                version=None,
                reason="requested",
                summary={},
                language=conversation.get("language", ""),
                preview="(asked for a person)",
            )
            updated = await store.get(conversation["id"])
            state = updated.get("state", state) if updated else state
        return {"ok": True, "conversation_id": conversation["id"], "state": state}  # type: ignore[typeddict-item]

    @on("tandem_csat")
    async def csat(sid: str, data: Any) -> dict[str, bool]:
        sock = session_of(sid)
        rating, comment = proto.parse_csat(data)
        limit(sock)
        conversation = await store.get(sock.conversation_id) if sock.conversation_id else None
        if conversation is None or conversation.get("state") != State.CLOSED:
            raise ProtocolError(ErrorCode.INVALID_STATE, "ratings are for closed conversations")
        key = hub.keys.conversation(conversation["id"])
        if not await hub.redis.hsetnx(key, "csat", str(rating)):
            raise ProtocolError(ErrorCode.INVALID_STATE, "this conversation was already rated")
        if comment:
            await hub.redis.hset(key, "csat_comment", comment)
        await hub.stats.record_csat(rating)
        return {"ok": True}

    @on("tandem_offline_message")
    async def offline_message(sid: str, data: Any) -> proto.OfflineMessageAck:
        sock = session_of(sid)
        email, text, name = proto.parse_offline_message(data, settings.max_message_chars)
        limit(sock)
        conversation = await ensure_conversation(sock)
        if conversation.get("state") == State.QUEUED:
            await hub.desk.go_offline(conversation, "customer")
        elif conversation.get("state") != State.OFFLINE:
            raise ProtocolError(
                ErrorCode.INVALID_STATE,
                "the offline form is for when nobody is available",
                {"state": conversation["state"]},
            )
        conversation_id = conversation["id"]
        fields = encode(author="customer", text=text)
        result = await store.append(conversation_id, fields, allowed=("offline",))
        if not result.ok:
            raise ProtocolError(
                ErrorCode.INVALID_STATE,
                "the conversation changed; please retry",
                {"state": result.state},
            )
        await store.set_fields(
            conversation_id, {"contact_email": email, "contact_name": name, "preview": text[:280]}
        )
        await hub.notify.entry(
            conversation_id, sock.customer_id, "", stored(fields, result.seq, result.ts)
        )
        thanks = encode(
            author="system",
            text=hub.texts.render("offline_message", conversation.get("language", ""), email=email),
            event="offline_message",
        )
        confirmed = await store.append(conversation_id, thanks)
        if confirmed.ok:
            await hub.notify.entry(
                conversation_id, sock.customer_id, "", stored(thanks, confirmed.seq, confirmed.ts)
            )
        updated = await store.get(conversation_id)
        if updated is not None:
            await hub.notify.queue_added(views.queue_item(updated, position=0))
        return {"ok": True, "conversation_id": conversation_id, "seq": result.seq}

    @on("tandem_sync")
    async def sync(sid: str, data: Any) -> proto.SyncAck:
        sock = session_of(sid)
        after = proto.parse_sync(data)
        limit(sock, "sync:")
        if not sock.conversation_id:
            return {
                "ok": True,
                "conversation_id": None,
                "after_seq": after,
                "last_seq": after,
                "messages": [],
                "has_more": False,
            }
        entries, has_more = await store.read_log(sock.conversation_id, after)
        return {
            "ok": True,
            "conversation_id": sock.conversation_id,
            "after_seq": after,
            "last_seq": entries[-1]["seq"] if entries else after,
            "messages": [for_customer(e) for e in entries],
            "has_more": has_more,
        }

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
