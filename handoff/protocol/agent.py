"""The agent namespace ``/agent``: authenticated at connect, one request/ack per operation.

Every client event is sent with an acknowledgement callback; the ack is ``{"ok": true, ...}`` or
``{"ok": false, "error": {"code", "message", "details"?}}``. Unknown keys in a request are an
error here (unlike ``/``, no third-party client must be tolerated).
"""

from dataclasses import dataclass
from typing import Any, Literal, NotRequired, TypedDict

from handoff.protocol.customer import (
    parse_client_msg_id,
    parse_email,
    parse_seq,
    parse_text,
    require_text,
)
from handoff.protocol.errors import ErrorCode, ProtocolError
from handoff.protocol.types import (
    AgentEntry,
    AgentRef,
    Contact,
    Note,
    OfflineReason,
    StateName,
)
from handoff.protocol.validate import check
from handoff.security.ids import is_agent_id, is_conversation_id

MAX_RESOLUTION_CHARS = 2000
MAX_TAGS = 10
MAX_TAG_CHARS = 32
MAX_NOTE_CHARS = 4000


# -- shared views -------------------------------------------------------------------------------
FollowUpStatus = Literal["scheduled", "due", "yes", "no", "cancelled"]


class ConversationInfo(TypedDict):
    conversation_id: str
    customer_id: str
    state: StateName
    version: int
    reason: str
    language: str
    skill: str
    summary: dict[str, Any]
    created_at: float
    queued_at: float | None
    claimed_at: float | None
    closed_at: float | None
    owner: AgentRef | None
    contact: Contact | None
    last_seq: int
    resolution: str
    tags: list[str]
    csat: int | None
    offline_reason: str
    csat_comment: NotRequired[str]  # what the customer wrote with their rating, if anything
    # The follow-up question after the close: asked later, asked, answered (or moot).
    followup: NotRequired[FollowUpStatus]
    followup_due: NotRequired[float]  # when it is (or was) asked: with scheduled and due


class QueueItem(TypedDict):
    conversation_id: str
    customer_id: str
    state: Literal["queued", "offline"]
    reason: str
    language: str
    skill: str
    summary: dict[str, Any]
    queued_at: float
    exclusive_until: float
    position: int
    preview: str
    contact: Contact | None
    offline_reason: NotRequired[OfflineReason]
    eligible: NotRequired[bool]  # only in lists built for one agent (hello, get_queue)
    # It was over and the customer came back: a reply by email, or "no" to the follow-up.
    reopened: NotRequired[Literal["email", "followup"]]


class QueueAlert(TypedDict):
    """``queue_alert``: a conversation waited past the wait limit and this agent could take it;
    the customer is offered the offline form in ``offline_in_s`` unless someone claims it."""

    item: QueueItem
    waited_s: float
    offline_in_s: float


class AgentInfo(TypedDict):
    id: str
    username: str
    name: str
    languages: list[str]
    skills: list[str]
    capacity: int
    status: Literal["online", "away"]
    roles: list[str]  # "writer", "admin": who may open the workbench


class AgentSummary(TypedDict):
    id: str
    name: str
    languages: list[str]
    skills: list[str]
    capacity: int
    load: int
    online: bool
    status: Literal["online", "away"]


class CsatFigure(TypedDict):
    average: float
    count: int


class CsatComment(TypedDict):
    conversation_id: str
    rating: int
    comment: str
    tags: list[str]
    at: float


class AssistFigures(TypedDict):
    """Today's suggestion outcomes, by source: what the agents did with what was offered."""

    used: int
    edited: int
    ignored: int


class DeskStats(TypedDict):
    """Today at the desk (the day in TANDEM_TIMEZONE), for the console's stats panel."""

    day: str
    conversations_today: int
    handoffs_by_reason: dict[str, int]
    median_wait_s: float | None
    median_first_response_s: float | None
    csat_average: float | None
    csat_count: int
    queue_length: int
    tickets: int
    agents_online: int
    # Today's ratings by the tags the agent closed with, and the latest comments (newest first).
    csat_by_tag: NotRequired[dict[str, CsatFigure]]
    csat_comments: NotRequired[list[CsatComment]]
    # Today's answers to "Was your problem solved?" and the share of "yes" (None: no answer).
    followup_yes: NotRequired[int]
    followup_no: NotRequired[int]
    resolution_confirmed_rate: NotRequired[float | None]
    # Suggested replies today, by source (docs/agent-assist.md).
    assist: NotRequired[dict[str, AssistFigures]]


class Canned(TypedDict):
    id: str
    title: str
    text: str
    language: str
    tags: list[str]
    # Typed as "/<shortcut>" in the reply box; one shortcut may have a variant per language.
    shortcut: NotRequired[str]


SuggestionSource = Literal["faq", "past", "canned"]
SuggestionOutcome = Literal["used", "edited", "ignored"]


class Suggestion(TypedDict):
    """A reply the console offers the agent (inserted for editing, never sent by itself)."""

    id: str
    source: SuggestionSource
    text: str
    why: str  # where it came from and why, shown as it is
    topic: NotRequired[str]  # faq: the topic Rasa recognised ("faq/shipping_time")
    confidence: NotRequired[float]  # faq: Rasa's confidence
    times: NotRequired[int]  # past: how many good conversations answered like this
    csat: NotRequired[int]  # past: the best rating among them
    matched: NotRequired[list[str]]  # past, canned: the question's words it shares
    canned_id: NotRequired[str]  # canned: which response


class Suggestions(TypedDict):
    """``suggestions``: for the customer message ``for_seq`` of a conversation the agent owns."""

    conversation_id: str
    for_seq: int
    language: str
    suggestions: list[Suggestion]


# -- client -> server ---------------------------------------------------------------------------
class Auth(TypedDict):
    token: str


class Empty(TypedDict):
    pass


class ConversationRef(TypedDict):
    conversation_id: str


class GetConversation(TypedDict):
    conversation_id: str
    after_seq: NotRequired[int]


class SendMessage(TypedDict):
    conversation_id: str
    text: str
    client_msg_id: str


class Typing(TypedDict):
    conversation_id: str
    typing: bool


class AddNote(TypedDict):
    conversation_id: str
    text: str
    client_msg_id: NotRequired[str]


class Transfer(TypedDict):
    conversation_id: str
    to_agent_id: str
    note: NotRequired[str]


class Close(TypedDict):
    conversation_id: str
    resolution: str
    tags: NotRequired[list[str]]
    # Ask the customer "Was your problem solved?" later (absent: yes for a conversation
    # answered by email, a ticket or a reply by email; no otherwise).
    follow_up: NotRequired[bool]


class SetPresence(TypedDict):
    status: Literal["online", "away"]


class SuggestionOutcomeReport(TypedDict):
    suggestion_id: str
    source: SuggestionSource
    outcome: SuggestionOutcome


class SuggestionFeedback(TypedDict):
    """What the agent did with the suggestions shown, reported once when the reply is sent."""

    conversation_id: str
    outcomes: list[SuggestionOutcomeReport]


# -- server -> client ---------------------------------------------------------------------------
class QueueAdded(TypedDict):
    item: QueueItem


class QueueRemoved(TypedDict):
    conversation_id: str
    state: StateName
    by: NotRequired[AgentRef]


class ConversationMessage(TypedDict):
    conversation_id: str
    entry: AgentEntry


class ConversationNote(TypedDict):
    conversation_id: str
    note: Note


EmailStatusName = Literal["queued", "sending", "sent", "retrying", "failed", "skipped"]


class EmailInfo(TypedDict):
    """One email to the customer and where it stands (``docs/email.md``, "Status")."""

    id: str
    kind: Literal["reply", "transcript", "followup"]
    status: EmailStatusName
    to: str
    tries: int
    reason: str  # why it is retrying, failed or skipped ("" otherwise)
    created_at: float
    updated_at: float
    seqs: list[int]  # the first and last transcript entry it carries


class EmailStatus(TypedDict):
    conversation_id: str
    email: EmailInfo


class ConversationDetail(TypedDict):
    conversation: ConversationInfo
    messages: list[AgentEntry]
    notes: list[Note]
    has_more: bool
    emails: NotRequired[list[EmailInfo]]  # newest first; only when email is on


class ConversationAssigned(ConversationDetail):
    from_agent: NotRequired[AgentRef]
    note: NotRequired[str]


class SendTranscript(TypedDict):
    conversation_id: str
    email: NotRequired[str]  # only when the conversation has no contact address yet


class EmailAck(TypedDict):
    ok: Literal[True]
    email: EmailInfo


class ConversationUnassigned(TypedDict):
    conversation_id: str
    reason: Literal["transferred", "handed_back", "closed", "requeued", "erased"]


class ConversationUpdated(TypedDict):
    conversation: ConversationInfo


class CustomerTyping(TypedDict):
    conversation_id: str
    typing: bool


class SessionEnded(TypedDict):
    reason: Literal["disabled", "revoked", "token_expired"]


# -- acknowledgements ---------------------------------------------------------------------------
class SummaryLabel(TypedDict):
    label: str
    text: NotRequired[str]  # how to say a value, "{value}" filled in
    values: NotRequired[dict[str, str]]  # words for known values


class SummaryLabels(TypedDict):
    """How to show a triage summary (``contract/triage_labels.yml``)."""

    fields: dict[str, SummaryLabel]


class HelloAck(TypedDict):
    """Everything a console needs after (re)connecting."""

    ok: Literal[True]
    agent: AgentInfo
    active: list[ConversationInfo]
    queue: list[QueueItem]
    tickets: list[QueueItem]
    summary_labels: NotRequired[SummaryLabels]


class QueueAck(TypedDict):
    ok: Literal[True]
    queue: list[QueueItem]
    tickets: list[QueueItem]


class ConversationAck(ConversationDetail):
    ok: Literal[True]


class HistoryAck(TypedDict):
    ok: Literal[True]
    customer_id: str
    conversations: list[ConversationInfo]


class SendAck(TypedDict):
    ok: Literal[True]
    seq: int
    duplicate: bool


class NoteAck(TypedDict):
    ok: Literal[True]
    note: Note


class PresenceAck(TypedDict):
    ok: Literal[True]
    status: Literal["online", "away"]


class CannedAck(TypedDict):
    ok: Literal[True]
    canned: list[Canned]


class AgentsAck(TypedDict):
    ok: Literal[True]
    agents: list[AgentSummary]


class StatsAck(TypedDict):
    ok: Literal[True]
    stats: DeskStats


class SuggestionsAck(Suggestions):
    ok: Literal[True]


# -- parsing ------------------------------------------------------------------------------------
def _require(payload: object, tp: object) -> dict[str, Any]:
    if payload is None:
        payload = {}
    require_text(payload)
    problems = check(payload, tp, strict=True)
    if problems:
        raise ProtocolError(ErrorCode.BAD_REQUEST, "; ".join(problems[:3]))
    assert isinstance(payload, dict)
    return payload


def _conversation_id(data: dict[str, Any]) -> str:
    value = data["conversation_id"]
    if not is_conversation_id(value):
        raise ProtocolError(ErrorCode.NOT_FOUND, "no such conversation")
    return str(value)


def parse_empty(payload: object) -> None:
    _require(payload, Empty)


def parse_conversation_ref(payload: object) -> str:
    return _conversation_id(_require(payload, ConversationRef))


def parse_send_transcript(payload: object) -> tuple[str, str]:
    """(conversation id, address or "" for the conversation's own)."""
    data = _require(payload, SendTranscript)
    email = data.get("email", "").strip()
    return _conversation_id(data), parse_email(email) if email else ""


def parse_get_conversation(payload: object) -> tuple[str, int]:
    data = _require(payload, GetConversation)
    return _conversation_id(data), parse_seq(data.get("after_seq", 0), "after_seq")


@dataclass(frozen=True)
class Outgoing:
    conversation_id: str
    text: str
    client_msg_id: str


def parse_send_message(payload: object, max_chars: int) -> Outgoing:
    data = _require(payload, SendMessage)
    cmid = parse_client_msg_id(data["client_msg_id"])
    return Outgoing(_conversation_id(data), parse_text(data["text"], max_chars, "text"), cmid)


def parse_typing(payload: object) -> tuple[str, bool]:
    data = _require(payload, Typing)
    return _conversation_id(data), data["typing"]


def parse_add_note(payload: object) -> Outgoing:
    data = _require(payload, AddNote)
    cmid = parse_client_msg_id(data.get("client_msg_id"))
    return Outgoing(_conversation_id(data), parse_text(data["text"], MAX_NOTE_CHARS, "text"), cmid)


def parse_transfer(payload: object) -> tuple[str, str, str]:
    data = _require(payload, Transfer)
    target = data["to_agent_id"]
    if not is_agent_id(target):
        raise ProtocolError(ErrorCode.NOT_FOUND, "no such agent")
    note = data.get("note", "")
    if len(note) > MAX_NOTE_CHARS:
        raise ProtocolError(ErrorCode.TOO_LONG, f"note is longer than {MAX_NOTE_CHARS} characters")
    return _conversation_id(data), target, note


def parse_close(payload: object) -> tuple[str, str, list[str]]:
    data = _require(payload, Close)
    resolution = data["resolution"]
    if len(resolution) > MAX_RESOLUTION_CHARS:
        raise ProtocolError(
            ErrorCode.TOO_LONG, f"resolution is longer than {MAX_RESOLUTION_CHARS} characters"
        )
    tags = [t.strip().lower() for t in data.get("tags", []) if t.strip()]
    if len(tags) > MAX_TAGS or any(len(t) > MAX_TAG_CHARS for t in tags):
        raise ProtocolError(
            ErrorCode.BAD_REQUEST, f"at most {MAX_TAGS} tags of {MAX_TAG_CHARS} characters"
        )
    return _conversation_id(data), resolution, sorted(set(tags))


def parse_close_follow_up(payload: object) -> bool | None:
    """The close's ``follow_up`` choice (``None``: the default); after :func:`parse_close`."""
    value = _require(payload, Close).get("follow_up")
    return None if value is None else bool(value)


def parse_presence(payload: object) -> str:
    return str(_require(payload, SetPresence)["status"])


MAX_SUGGESTIONS = 3  # suggestions one question is shown (domain.suggestions.LIMIT)


def parse_suggestion_feedback(payload: object) -> tuple[str, list[tuple[str, str]]]:
    """``(conversation_id, [(source, outcome), …])``: at most one report per suggestion shown,
    each id looking like one (the sources and outcomes are checked against the types)."""
    data = _require(payload, SuggestionFeedback)
    reports = data["outcomes"]
    if not 1 <= len(reports) <= MAX_SUGGESTIONS:
        raise ProtocolError(
            ErrorCode.BAD_REQUEST, f"between 1 and {MAX_SUGGESTIONS} outcomes, one per suggestion"
        )
    ids = [r["suggestion_id"] for r in reports]
    if len(set(ids)) != len(ids) or not all(i.startswith("s_") and len(i) <= 32 for i in ids):
        raise ProtocolError(ErrorCode.BAD_REQUEST, "no such suggestion")
    return _conversation_id(data), [(str(r["source"]), str(r["outcome"])) for r in reports]
