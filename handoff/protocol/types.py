"""Message types shared by both namespaces: transcript entries, references, errors.

These TypedDicts are the protocol (``docs/protocol.md``): the code builds its payloads with
them, and ``handoff.protocol.validate`` checks real JSON against them.
"""

from typing import Any, Literal, NotRequired, TypedDict

Author = Literal["customer", "bot", "agent", "system"]
StateName = Literal["bot", "queued", "agent", "offline", "closed"]
OfflineReason = Literal["closed_hours", "no_agents", "no_speaker", "wait_limit", "customer"]
# What a system entry records; its text says the same for people (and for stock widgets).
SystemEvent = Literal[
    "queued",
    "offline",
    "bot_unavailable",
    "agent_joined",
    "transferred",
    "handed_back",
    "closed",
    "requeued",
    "offline_message",
    "handoff_limited",
    "reopened",
]
# How a customer entry came in: absent for the chat widget, ``email`` for a reply by email.
Channel = Literal["email"]


class ErrorBody(TypedDict):
    code: str
    message: str
    details: NotRequired[dict[str, Any]]


class ErrorAck(TypedDict):
    ok: Literal[False]
    error: ErrorBody


class OkAck(TypedDict):
    ok: Literal[True]


class ErrorEvent(TypedDict):
    """``tandem_error``: sent for every refused event, ack or not."""

    code: str
    message: str
    event: str


class Resync(TypedDict):
    """``tandem_resync``: this replica may have missed events from the others (Redis was away);
    the client syncs as after a reconnect, on the socket it has."""

    reason: Literal["delivery_gap"]


class Button(TypedDict):
    title: str
    payload: str


class AgentRef(TypedDict):
    id: str
    name: str


class Contact(TypedDict):
    email: str
    name: str


class CustomerEntry(TypedDict):
    """One transcript entry as the customer sees it (``seq`` is dense: 1, 2, 3, …)."""

    seq: int
    author: Author
    text: str
    ts: float
    agent_name: NotRequired[str]
    buttons: NotRequired[list[Button]]
    image: NotRequired[str]
    attachment: NotRequired[dict[str, Any]]
    custom: NotRequired[dict[str, Any]]
    event: NotRequired[SystemEvent]
    client_msg_id: NotRequired[str]
    channel: NotRequired[Channel]


class RankedIntent(TypedDict):
    name: str
    confidence: float


class Nlu(TypedDict):
    """What the bot understood of the customer message ``seq`` (agents only): the intent, and
    for the writers' inbox the runners-up (best three) and the message's language."""

    seq: int
    intent: str
    confidence: float | None
    ranking: NotRequired[list[RankedIntent]]
    language: NotRequired[str]


class AgentEntry(CustomerEntry):
    """The same entry for agents, who also see which agent wrote it.

    The first bot entry of each bot turn carries ``nlu``: the intent and confidence the bot
    gave the customer message it answers (``nlu.seq``).
    """

    agent_id: NotRequired[str]
    nlu: NotRequired[Nlu]


class Note(TypedDict):
    """An internal note: agents only, never the customer."""

    id: str
    agent: AgentRef
    text: str
    ts: float
    client_msg_id: NotRequired[str]
