"""Every event of the protocol, both ways, with its payload type and acknowledgement type.

``docs/protocol.md`` documents exactly these events, and ``docs/protocol-examples.json`` holds
one golden example of each; a test holds all three together.

Example::

    spec = EVENTS[("/agent", "claim", "in")]
    spec.payload, spec.ack      # ConversationRef, ConversationAck | ErrorAck
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from handoff.protocol import agent as a
from handoff.protocol import customer as c
from handoff.protocol.types import ErrorAck, ErrorEvent, OkAck, Resync

Direction = Literal["in", "out"]  # in: client -> server, out: server -> client


@dataclass(frozen=True)
class EventSpec:
    namespace: str
    name: str
    direction: Direction
    payload: object
    ack: object = None  # the acknowledgement type, for "in" events that answer


def _spec(
    namespace: str, name: str, direction: Direction, payload: object, ack: object = None
) -> EventSpec:
    return EventSpec(namespace, name, direction, payload, ack)


_ALL = [
    # customer, client -> server
    _spec("/", "session_request", "in", c.SessionRequest | None),
    _spec("/", "user_uttered", "in", c.UserUttered, c.UtteranceAck | ErrorAck),
    _spec("/", "tandem_typing", "in", c.TypingIn),
    _spec("/", "tandem_request_agent", "in", c.RequestAgent | None, c.RequestAgentAck | ErrorAck),
    _spec("/", "tandem_csat", "in", c.CsatIn, OkAck | ErrorAck),
    _spec("/", "tandem_offline_message", "in", c.OfflineMessageIn, c.OfflineMessageAck | ErrorAck),
    _spec("/", "tandem_sync", "in", c.SyncIn, c.SyncAck | ErrorAck),
    _spec("/", "tandem_followup_answer", "in", c.FollowUpAnswerIn, c.FollowUpAnswerAck | ErrorAck),
    _spec(
        "/",
        "tandem_email_transcript",
        "in",
        c.EmailTranscriptIn | None,
        c.EmailTranscriptAck | ErrorAck,
    ),
    # customer, server -> client
    _spec("/", "session_confirm", "out", str),
    _spec("/", "tandem_session", "out", c.SessionInfo),
    _spec("/", "bot_uttered", "out", c.BotUttered),
    _spec("/", "tandem_message", "out", c.TandemMessage),
    _spec("/", "tandem_transcript", "out", c.Transcript),
    _spec("/", "tandem_state", "out", c.StateChange),
    _spec("/", "tandem_typing", "out", c.TypingOut),
    _spec("/", "tandem_error", "out", ErrorEvent),
    _spec("/", "tandem_resync", "out", Resync),
    _spec("/", "tandem_followup", "out", c.FollowUpQuestion),
    # agent, client -> server (connect carries a.Auth)
    _spec("/agent", "hello", "in", a.Empty | None, a.HelloAck | ErrorAck),
    _spec("/agent", "get_queue", "in", a.Empty | None, a.QueueAck | ErrorAck),
    _spec("/agent", "get_conversation", "in", a.GetConversation, a.ConversationAck | ErrorAck),
    _spec("/agent", "get_history", "in", a.ConversationRef, a.HistoryAck | ErrorAck),
    _spec("/agent", "watch", "in", a.ConversationRef, a.ConversationAck | ErrorAck),
    _spec("/agent", "unwatch", "in", a.ConversationRef, OkAck | ErrorAck),
    _spec("/agent", "claim", "in", a.ConversationRef, a.ConversationAck | ErrorAck),
    _spec("/agent", "send_message", "in", a.SendMessage, a.SendAck | ErrorAck),
    _spec("/agent", "typing", "in", a.Typing, OkAck | ErrorAck),
    _spec("/agent", "add_note", "in", a.AddNote, a.NoteAck | ErrorAck),
    _spec("/agent", "transfer", "in", a.Transfer, OkAck | ErrorAck),
    _spec("/agent", "hand_back", "in", a.ConversationRef, OkAck | ErrorAck),
    _spec("/agent", "close", "in", a.Close, OkAck | ErrorAck),
    _spec("/agent", "set_presence", "in", a.SetPresence, a.PresenceAck | ErrorAck),
    _spec("/agent", "get_canned", "in", a.Empty | None, a.CannedAck | ErrorAck),
    _spec("/agent", "get_agents", "in", a.Empty | None, a.AgentsAck | ErrorAck),
    _spec("/agent", "get_stats", "in", a.Empty | None, a.StatsAck | ErrorAck),
    _spec("/agent", "send_transcript", "in", a.SendTranscript, a.EmailAck | ErrorAck),
    _spec("/agent", "get_suggestions", "in", a.ConversationRef, a.SuggestionsAck | ErrorAck),
    _spec("/agent", "suggestion_feedback", "in", a.SuggestionFeedback, OkAck | ErrorAck),
    # agent, server -> client
    _spec("/agent", "queue_added", "out", a.QueueAdded),
    _spec("/agent", "queue_removed", "out", a.QueueRemoved),
    _spec("/agent", "queue_alert", "out", a.QueueAlert),
    _spec("/agent", "conversation_message", "out", a.ConversationMessage),
    _spec("/agent", "conversation_note", "out", a.ConversationNote),
    _spec("/agent", "conversation_assigned", "out", a.ConversationAssigned),
    _spec("/agent", "conversation_unassigned", "out", a.ConversationUnassigned),
    _spec("/agent", "conversation_updated", "out", a.ConversationUpdated),
    _spec("/agent", "customer_typing", "out", a.CustomerTyping),
    _spec("/agent", "email_status", "out", a.EmailStatus),
    _spec("/agent", "suggestions", "out", a.Suggestions),
    _spec("/agent", "session_ended", "out", a.SessionEnded),
    _spec("/agent", "tandem_error", "out", ErrorEvent),
    _spec("/agent", "tandem_resync", "out", Resync),
]

EVENTS: dict[tuple[str, str, Direction], EventSpec] = {
    (s.namespace, s.name, s.direction): s for s in _ALL
}
CONNECT_AUTH = a.Auth
