"""Socket.IO handlers for customers (namespace ``/``), wire-compatible with Rasa's channel.

Identity never comes from a message body: ``session_request`` binds the socket to a session the
server issued (an unknown or unsigned id gets a fresh one), and every later event acts on that
session's own conversation only. A message is stored (and acknowledged) first; the bot bridge
is then kicked to answer it.

Anonymous floods are bounded per client address (``security.addresses``), across replicas: the
sockets an address holds at once, the new sessions it mints and the people it asks for. Limits
per session cover the rest; a message spends its token in the same script that stores it.

Example::

    sio.register_namespace(CustomerNamespace(settings=settings, sessions=signer, ...))
    await namespace.on_tandem_sync(sid, {"after_seq": 0})    # what a test can call directly
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import socketio  # type: ignore[import-untyped]  # no type information shipped

from handoff.config.settings import Settings
from handoff.config.texts import SystemTexts
from handoff.domain import entries, views
from handoff.domain.clock import Clock
from handoff.domain.entries import encode, stored
from handoff.domain.outbox import contact_address, mask_address
from handoff.domain.ownership import BOT_ANSWERS, Action, State, is_allowed
from handoff.edges.guard import GuardedNamespace, rate_limited
from handoff.edges.sockets import Connections, CustomerSocket, socket_address
from handoff.fanout import rooms
from handoff.fanout.notify import Notifier
from handoff.protocol import customer as proto
from handoff.protocol.errors import ErrorCode, ProtocolError
from handoff.security.addresses import Network
from handoff.security.ids import SessionSigner
from handoff.security.ratelimit import Rule
from handoff.services.assist import Assist
from handoff.services.board import Board
from handoff.services.bridge import ADDRESS_FIELD, BotBridge
from handoff.services.desk import Desk
from handoff.services.followup import FollowUps
from handoff.services.inbox import InboxFeed
from handoff.services.mail_out import MailOut
from handoff.store.conversations import AppendResult, ConversationStore
from handoff.store.customer_seen import CustomerSeen
from handoff.store.limits import Limits, Spend
from handoff.store.sockets import AddressSockets
from handoff.store.stats import Stats

log = logging.getLogger("handoff")
SLOW_DOWN = "too many messages; slow down a little"
TOO_MANY_SESSIONS = "too many new chats from your network; please wait a little"
TOO_MANY_TRANSCRIPTS = "you asked for the transcript a moment ago; please wait a little"
TOO_MANY_HANDOFFS = "too many requests for a person from your network; please wait a little"


@dataclass(frozen=True)
class AddressLimits:
    """What one client address may do (``docs/security.md``, "Floods")."""

    trusted_proxies: tuple[Network, ...]
    sessions: Rule
    handoffs: Rule
    sockets: AddressSockets
    sockets_per_address: int
    messages: Rule | None = None  # every session's messages together (None: unlimited)


class CustomerNamespace(GuardedNamespace):
    """The customer side of the protocol (``docs/protocol.md``), one method per event."""

    def __init__(
        self,
        *,
        settings: Settings,
        sessions: SessionSigner,
        connections: Connections,
        conversations: ConversationStore,
        stats: Stats,
        desk: Desk,
        board: Board,
        bridge: BotBridge,
        notify: Notifier,
        texts: SystemTexts,
        limits: Limits,
        rule: Rule,
        per_address: AddressLimits,
        clock: Clock,
        inbox: InboxFeed | None = None,
        followups: FollowUps | None = None,
        seen: CustomerSeen | None = None,
        mail: MailOut | None = None,
        transcripts: Rule | None = None,
        assist: Assist | None = None,
    ) -> None:
        super().__init__(rooms.CUSTOMERS_NS, limits=limits, rule=rule)
        self.followups = followups  # "Was your problem solved?" (services/followup.py)
        # Email out (docs/email.md): when each customer was last connected, the outbox, and
        # how often one may ask for the transcript by email.
        self.seen = seen
        self.mail = mail
        self.transcripts = transcripts or Rule("transcripts", burst=2, per_minute=0.2)
        self.assist = assist  # suggested replies for the owning agent (services/assist.py)
        self.per_address = per_address
        self.now = clock
        self.inbox = inbox  # the writers' inbox, fed after the answer (services/inbox.py)
        self.settings = settings
        self.sessions = sessions
        self.connections = connections
        self.store = conversations
        self.stats = stats
        self.desk = desk
        self.board = board
        self.bridge = bridge
        self.notify = notify
        self.texts = texts

    # -- lifecycle ----------------------------------------------------------------------------
    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
        address = socket_address(environ, self.per_address.trusted_proxies)
        limit = self.per_address.sockets_per_address
        try:
            has_place = await self.per_address.sockets.open(address, sid, now=self.now(), cap=limit)
        except Exception:  # noqa: BLE001 - Redis away: let the widget in to retry its session
            log.warning("could not count the sockets of %s; letting it in", address)
            has_place = True
        if not has_place:
            raise socketio.exceptions.ConnectionRefusedError(
                "rate_limited",
                {
                    "code": "rate_limited",
                    "message": f"your network has {limit} chats open already; close some",
                },
            )
        self.connections.addresses[sid] = address
        return True

    async def on_disconnect(self, sid: str, reason: Any = None) -> None:
        sock = self.connections.customers.pop(sid, None)
        if sock is not None and self.seen is not None:
            try:
                await self.seen.disconnect(sock.customer_id, sid, now=self.now())
            except Exception:  # noqa: BLE001 - its lease runs out by itself
                log.warning("could not end a customer socket's lease")
        address = self.connections.addresses.pop(sid, None)
        if address is not None:
            try:
                await self.per_address.sockets.close(address, sid)
            except Exception:  # noqa: BLE001 - the place comes free when its lease runs out
                log.warning("could not free the socket place of %s", address)

    # -- events -------------------------------------------------------------------------------
    async def on_session_request(self, sid: str, data: Any) -> None:
        claimed, last_seq = proto.parse_session_request(data)
        previous = self.connections.customers.get(sid)
        if claimed and self.sessions.verify(claimed):
            session_id = claimed
        elif not claimed and previous is not None:
            # Asked again before the first answer arrived (a tandem_resync, or the retry timer,
            # while a request was in flight): the same session, not a second one. With a second,
            # the widget would write under the first while this socket held the second, and its
            # message would be refused as another session's.
            session_id = previous.session_id
        else:
            # A new session is what a flood mints: each one would get its own limits.
            await self.spend(
                TOO_MANY_SESSIONS, Spend(self.per_address.sessions, self._address(sid))
            )
            session_id = self.sessions.issue()
        customer_id = self.sessions.customer_id(session_id)
        if previous is not None and previous.customer_id != customer_id:
            await self.leave_room(sid, rooms.customer(previous.customer_id))
            if self.seen is not None:  # this socket no longer keeps that customer "here"
                await self.seen.disconnect(previous.customer_id, sid, now=self.now())
        conversation_id = await self.store.current(customer_id)
        conversation = await self.store.get(conversation_id) if conversation_id else None
        sock = CustomerSocket(
            sid, session_id, customer_id, conversation_id if conversation else None
        )
        self.connections.customers[sid] = sock
        await self._mark_seen(customer_id, sid)
        await self.enter_room(sid, rooms.customer(customer_id))
        await self.emit("session_confirm", session_id, to=sid)
        info: proto.SessionInfo = {
            "session_id": session_id,
            "conversation_id": sock.conversation_id,
            "state": conversation.get("state", "bot") if conversation else "bot",  # type: ignore[typeddict-item]
            "last_seq": int(conversation.get("seq", "0")) if conversation else 0,
        }
        if conversation and conversation.get("language"):
            info["language"] = conversation["language"]
        if self.mail is not None and self.mail.enabled:
            info["email"] = True  # the widget may promise email and offer the transcript
        await self.emit("tandem_session", info, to=sid)
        if conversation is None:
            return
        if last_seq is not None:
            await self.emit("tandem_transcript", await self._transcript(sock, last_seq), to=sid)
        if conversation.get("state") != State.BOT:
            await self.emit(
                "tandem_state", await self.board.state_for_customer(conversation), to=sid
            )
        if conversation.get("state") in BOT_ANSWERS:
            self.bridge.kick(conversation["id"])  # resume anything a dead replica left unanswered
        question = self.followups.pending(conversation) if self.followups else None
        if question is not None:  # the customer is back after a close that asked to follow up
            await self.emit("tandem_followup", question, to=sid)

    async def on_user_uttered(self, sid: str, data: Any) -> proto.UtteranceAck:
        sock = self._session(sid)
        utterance = proto.parse_user_uttered(data, self.settings.max_message_chars)
        if utterance.session_id and utterance.session_id != sock.session_id:
            raise ProtocolError(ErrorCode.FORBIDDEN, "session_id is not this socket's session")
        # The token is spent by the append itself, only if the message is stored.
        bucket = self.limits.bucket(self.rule, sock.customer_id)
        # ... and one of the address's, so many sessions from one address are bounded too.
        per_address = self.per_address.messages
        also = [self.limits.bucket(per_address, self._address(sid))] if per_address else []
        fields = encode(
            author="customer",
            text=utterance.text,
            client_msg_id=utterance.client_msg_id,
            meta=utterance.metadata or None,
        )
        result = None
        # The append takes the bridge's lease when it is free: the bot starts on the message
        # without a round trip of its own (handed over by the kick below).
        offer = self.bridge.offer()
        # A closed conversation is followed by a new one; another tab may race us.
        for _ in range(3):
            if sock.conversation_id is None:
                await self._ensure_conversation(sock)
            assert sock.conversation_id is not None
            # Noted with the message, before the bot sees it: a handoff it triggers is limited
            # by address.
            noted = None
            if sock.address_noted != sock.conversation_id:
                noted = {ADDRESS_FIELD: self._address(sid)}
            result = await self.store.append(
                sock.conversation_id,
                fields,
                cmid=utterance.client_msg_id,
                allowed=("bot", "queued", "agent", "offline"),
                for_bot=True,
                bucket=bucket,
                also=also,
                lease=offer,
                conversation_fields=noted,
            )
            if result.status == "limited":
                raise rate_limited(SLOW_DOWN, result.retry_after)
            if result.status in ("ok", "dup"):
                break
            await self._ensure_conversation(sock)
        assert result is not None and sock.conversation_id is not None
        conversation_id = sock.conversation_id
        if result.status == "dup":
            await self._relay_again(sid, sock, conversation_id, result)
            return {
                "ok": True,
                "conversation_id": conversation_id,
                "seq": result.seq,
                "duplicate": True,
            }
        if not result.ok:
            raise ProtocolError(ErrorCode.INTERNAL, "could not store the message; please retry")
        sock.address_noted = conversation_id
        entry = stored(fields, result.seq, result.ts)
        if result.state not in BOT_ANSWERS:
            await self.notify.entry(
                conversation_id, sock.customer_id, result.owner, entry, skip_sid=sid
            )
        else:
            # The bot's request goes out first, the copy to the other tabs and the agents
            # right after it, and the bot's answer only after the copy.
            async with self.bridge.answering(conversation_id, result.taken):
                await self.notify.entry(
                    conversation_id, sock.customer_id, result.owner, entry, skip_sid=sid
                )
        if result.state == State.AGENT and self.assist is not None:
            self.assist.suggest_later(conversation_id, seq=result.seq)  # a task: not awaited
        return {
            "ok": True,
            "conversation_id": conversation_id,
            "seq": result.seq,
            "duplicate": False,
        }

    async def on_tandem_typing(self, sid: str, data: Any) -> dict[str, bool]:
        sock = self._session(sid)
        is_typing = proto.parse_typing(data)
        await self.limit("typing:" + sock.customer_id, SLOW_DOWN)
        if sock.conversation_id:
            (owner,) = await self.store.fields(sock.conversation_id, "owner")
            await self.notify.agent_typing(sock.conversation_id, owner or "", is_typing)
        return {"ok": True}

    async def on_tandem_request_agent(self, sid: str, data: Any) -> proto.RequestAgentAck:
        sock = self._session(sid)
        proto.parse_request_agent(data)
        await self.limit(
            sock.customer_id,
            TOO_MANY_HANDOFFS,
            Spend(self.per_address.handoffs, self._address(sid)),
        )
        conversation = await self._ensure_conversation(sock)
        state = conversation.get("state", "bot")
        # From the bot, or again from an offline ticket (someone may have come online since);
        # otherwise a person is already there or being looked for.
        if is_allowed(Action.HANDOFF, state=state, owner=conversation.get("owner", ""), actor=""):
            await self.desk.hand_to_people(
                conversation,
                version=None,
                reason="requested",
                summary={},
                language=conversation.get("language", ""),
                preview="(asked for a person)",
            )
            updated = await self.store.get(conversation["id"])
            state = updated.get("state", state) if updated else state
        return {"ok": True, "conversation_id": conversation["id"], "state": state}  # type: ignore[typeddict-item]

    async def on_tandem_csat(self, sid: str, data: Any) -> dict[str, bool]:
        sock = self._session(sid)
        rating, comment = proto.parse_csat(data)
        await self.limit(sock.customer_id, SLOW_DOWN)
        conversation = await self.store.get(sock.conversation_id) if sock.conversation_id else None
        if conversation is None or conversation.get("state") != State.CLOSED:
            raise ProtocolError(ErrorCode.INVALID_STATE, "ratings are for closed conversations")
        if not await self.store.rate(conversation["id"], rating, comment):
            raise ProtocolError(ErrorCode.INVALID_STATE, "this conversation was already rated")
        await self.stats.record_csat(
            rating,
            tags=views.conversation_info(conversation)["tags"],
            comment=comment,
            conversation_id=conversation["id"],
        )
        if self.inbox is not None:
            await self.inbox.rated(conversation["id"], rating)
        if self.assist is not None:
            self.assist.rated_later(conversation["id"], rating)
        # Whoever still has the conversation open sees the rating (and comment) come in.
        rated = {**conversation, "csat": str(rating), "csat_comment": comment}
        await self.notify.conversation_updated(views.conversation_info(rated))
        return {"ok": True}

    async def on_tandem_offline_message(self, sid: str, data: Any) -> proto.OfflineMessageAck:
        sock = self._session(sid)
        email, text, name = proto.parse_offline_message(data, self.settings.max_message_chars)
        await self.limit(sock.customer_id, SLOW_DOWN)
        conversation = await self._ensure_conversation(sock)
        if conversation.get("state") == State.QUEUED:
            await self.desk.go_offline(conversation, "customer")
        elif conversation.get("state") != State.OFFLINE:
            raise ProtocolError(
                ErrorCode.INVALID_STATE,
                "the offline form is for when nobody is available",
                {"state": conversation["state"]},
            )
        conversation_id = conversation["id"]
        fields = encode(author="customer", text=text)
        contact = {"contact_email": email, "contact_name": name, "preview": entries.preview(text)}
        result = await self.store.append(
            conversation_id, fields, allowed=("offline",), conversation_fields=contact
        )
        if not result.ok:
            raise ProtocolError(
                ErrorCode.INVALID_STATE,
                "the conversation changed; please retry",
                {"state": result.state},
            )
        await self.notify.entry(
            conversation_id, sock.customer_id, "", stored(fields, result.seq, result.ts)
        )
        # Without email set up, nothing promises an email: the answer comes in the chat.
        mail_on = self.mail is not None and self.mail.enabled
        thanks = encode(
            author="system",
            text=self.texts.render(
                "offline_message" if mail_on else "offline_message_no_mail",
                conversation.get("language", ""),
                email=email,
            ),
            event="offline_message",
        )
        confirmed = await self.store.append(conversation_id, thanks)
        if confirmed.ok:
            await self.notify.entry(
                conversation_id,
                sock.customer_id,
                "",
                stored(thanks, confirmed.seq, confirmed.ts),
            )
        updated = await self.store.get(conversation_id)
        if updated is not None:
            await self.notify.queue_added(views.queue_item(updated, position=0))
            # The ticket now has contact details: consoles that have it open show them.
            await self.notify.conversation_updated(views.conversation_info(updated))
        return {"ok": True, "conversation_id": conversation_id, "seq": result.seq}

    async def on_tandem_followup_answer(self, sid: str, data: Any) -> proto.FollowUpAnswerAck:
        """ "Was your problem solved?": only about this session's own conversation (the store
        checks the customer), once."""
        sock = self._session(sid)
        conversation_id, solved = proto.parse_followup_answer(data)
        await self.limit(sock.customer_id, SLOW_DOWN)
        if self.followups is None:
            raise ProtocolError(ErrorCode.INVALID_STATE, "nothing to answer")
        ack = await self.followups.answer(sock.customer_id, conversation_id, solved=solved)
        if not solved:  # reopened: this session's conversation again, in every tab
            sock.conversation_id = conversation_id
        return ack

    async def on_tandem_email_transcript(self, sid: str, data: Any) -> proto.EmailTranscriptAck:
        sock = self._session(sid)
        address = proto.parse_email_transcript(data)
        if self.mail is None or not self.mail.enabled:
            raise ProtocolError(ErrorCode.MAIL_OFF, "email is not set up here")
        if not sock.conversation_id:
            raise ProtocolError(ErrorCode.INVALID_STATE, "there is no conversation to send yet")
        conversation = await self.store.get(sock.conversation_id)
        if conversation is None:
            raise ProtocolError(ErrorCode.NOT_FOUND, "no such conversation")
        if contact_address(conversation):
            # The address is the customer's own once given: another one could send their
            # conversation to anyone, so the known one wins.
            address = ""
        elif not address:
            raise ProtocolError(
                ErrorCode.BAD_REQUEST, "no email address is known for this conversation; give one"
            )
        # A few in a row, then one every five minutes: each is an email the page asked for.
        await self.spend(TOO_MANY_TRANSCRIPTS, Spend(self.transcripts, sock.customer_id))
        entry = await self.mail.queue_transcript(sock.conversation_id, address)
        return {"ok": True, "sent_to": mask_address(entry.to)}

    async def on_tandem_sync(self, sid: str, data: Any) -> proto.SyncAck:
        sock = self._session(sid)
        after = proto.parse_sync(data)
        await self.limit("sync:" + sock.customer_id, SLOW_DOWN)
        return {"ok": True, **await self._transcript(sock, after)}

    # -- helpers ------------------------------------------------------------------------------
    async def _relay_again(
        self, sid: str, sock: CustomerSocket, conversation_id: str, result: AppendResult
    ) -> None:
        """A resend of a stored message: its first attempt may have been stored but never
        relayed (``NotReplicated``: the WAIT timed out, the client got ``internal``), so the
        entry goes to the room again (receivers keep one per seq) and the bot is kicked as the
        first attempt would have. A resend flood from one session relays once per token."""
        if await self.limits.take(Spend(self.rule, "resend:" + sock.customer_id)) > 0:
            return
        entry = await self.store.read_entry(conversation_id, result.seq)
        if entry is not None:
            await self.notify.entry(
                conversation_id, sock.customer_id, result.owner, entry, skip_sid=sid
            )
        if result.state in BOT_ANSWERS:
            self.bridge.kick(conversation_id)

    async def _mark_seen(self, customer_id: str, sid: str) -> None:
        """The customer is connected here (their emails wait while they are)."""
        if self.seen is None:
            return
        try:
            await self.seen.connect(customer_id, sid, now=self.now())
        except Exception:  # noqa: BLE001 - the sweeper renews within seconds
            log.warning("could not mark a customer as connected")

    def _address(self, sid: str) -> str:
        return self.connections.addresses.get(sid, "-")

    def _session(self, sid: str) -> CustomerSocket:
        sock = self.connections.customers.get(sid)
        if sock is None:
            raise ProtocolError(ErrorCode.NO_SESSION, "send session_request first")
        return sock

    async def _transcript(self, sock: CustomerSocket, after_seq: int) -> proto.Transcript:
        """The session's transcript after ``after_seq`` (empty without a conversation)."""
        if not sock.conversation_id:
            return entries.transcript(None, after_seq, [], False)
        found, has_more = await self.store.read_log(sock.conversation_id, after_seq)
        return entries.transcript(sock.conversation_id, after_seq, found, has_more)

    async def _ensure_conversation(self, sock: CustomerSocket) -> dict[str, str]:
        """The session's open conversation, starting a new one if there is none or it is closed."""
        if sock.conversation_id:
            conversation = await self.store.get(sock.conversation_id)
            if conversation is not None and conversation.get("state") != State.CLOSED:
                return conversation
        sock.conversation_id = await self.store.start(
            sock.customer_id,
            expected_current=sock.conversation_id or "",
            day_key=self.stats.day_key(),
        )
        conversation = await self.store.get(sock.conversation_id)
        assert conversation is not None
        info: proto.SessionInfo = {
            "session_id": sock.session_id,
            "conversation_id": sock.conversation_id,
            "state": "bot",
            "last_seq": 0,
        }
        if self.mail is not None and self.mail.enabled:
            info["email"] = True
        # To every tab: a new conversation started (e.g. after the last one was closed).
        await self.emit("tandem_session", info, to=rooms.customer(sock.customer_id))
        return conversation
