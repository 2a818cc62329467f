"""The customer namespace ``/``: wire-compatible with Rasa's socket.io channel, plus extras.

Stock events (what rasa-webchat sends and expects): ``session_request`` -> ``session_confirm``
(the session id as a bare string), ``user_uttered``, ``bot_uttered``. Everything Tandem adds is
an extra ``tandem_*`` event or lives in ``bot_uttered.metadata.tandem``, so old clients ignore it.

The ``parse_*`` functions turn an incoming payload into a typed value or raise
:class:`~handoff.protocol.errors.ProtocolError`; nothing else reads client input.
"""

import re
from dataclasses import dataclass
from typing import Any, Literal, NotRequired, TypedDict

from handoff.protocol import bounded_json
from handoff.protocol.errors import ErrorCode, ProtocolError
from handoff.protocol.types import CustomerEntry, OfflineReason, StateName
from handoff.protocol.validate import check, text_problems
from handoff.security.ids import is_conversation_id

CLIENT_MSG_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
EMAIL = re.compile(r"^[^@\s<>]{1,64}@[^@\s<>]{1,185}\.[^@\s<>.]{2,63}$")
MAX_METADATA_BYTES = 4096
# rasa-webchat sends {"customData": {...}}; nothing a widget sends is nested deeper than this.
MAX_METADATA_DEPTH = 8
# The largest seq a client can name: a JavaScript number holds integers exactly up to here, and
# no conversation gets near it. A larger one (2**64, 10**40) used to reach Redis and fail there.
MAX_SEQ = 2**53 - 1
MAX_COMMENT_CHARS = 1000
MAX_NAME_CHARS = 100


# -- client -> server ---------------------------------------------------------------------------
class SessionRequest(TypedDict, total=False):
    session_id: str | None
    last_seq: int


class UserUttered(TypedDict):
    message: str
    session_id: NotRequired[str | None]
    metadata: NotRequired[dict[str, Any] | str | None]
    customData: NotRequired[dict[str, Any] | str | None]
    client_msg_id: NotRequired[str]


class TypingIn(TypedDict):
    typing: bool


class RequestAgent(TypedDict):
    pass


class CsatIn(TypedDict):
    rating: int
    comment: NotRequired[str]


class OfflineMessageIn(TypedDict):
    email: str
    message: str
    name: NotRequired[str]


class FollowUpAnswerIn(TypedDict):
    conversation_id: str
    solved: bool


class EmailTranscriptIn(TypedDict):
    """Ask for the transcript by email; ``email`` only when none is known yet."""

    email: NotRequired[str]


class EmailTranscriptAck(TypedDict):
    ok: Literal[True]
    sent_to: str  # masked (``s***@example.org``): the address is not echoed to the page


class SyncIn(TypedDict):
    after_seq: int


# -- server -> client ---------------------------------------------------------------------------
class QuickReply(TypedDict):
    content_type: Literal["text"]
    title: str
    payload: str


class TandemMeta(TypedDict):
    conversation_id: str
    seq: int
    author: Literal["bot", "agent", "system"]
    ts: float
    agent_name: NotRequired[str]
    event: NotRequired[str]


class BotUtteredMeta(TypedDict):
    tandem: TandemMeta


class BotUttered(TypedDict):
    """Exactly the shape Rasa's socket.io channel emits, plus ``metadata.tandem``."""

    text: str
    metadata: BotUtteredMeta
    quick_replies: NotRequired[list[QuickReply]]
    attachment: NotRequired[dict[str, Any]]
    custom: NotRequired[dict[str, Any]]


class SessionInfo(TypedDict):
    session_id: str
    conversation_id: str | None
    state: StateName
    last_seq: int
    language: NotRequired[str]  # the conversation's, once identified (ISO 639-1)
    email: NotRequired[bool]  # true when the service emails customers (docs/email.md)


class TandemMessage(TypedDict):
    """The customer's own messages, echoed to the customer's other tabs."""

    conversation_id: str
    entry: CustomerEntry


class Transcript(TypedDict):
    conversation_id: str | None
    after_seq: int
    last_seq: int
    messages: list[CustomerEntry]
    has_more: bool


class StateChange(TypedDict):
    conversation_id: str
    state: StateName
    reason: NotRequired[str]
    queue_position: NotRequired[int]
    estimated_wait_s: NotRequired[float]
    # The line has not moved for longer than the whole estimate: say "longer than usual".
    longer_than_usual: NotRequired[bool]
    agent_name: NotRequired[str]
    offline_reason: NotRequired[OfflineReason]
    business_hours: NotRequired[str]
    csat_requested: NotRequired[bool]
    # The email the triage collected, to start the message form with (state "offline").
    contact_email: NotRequired[str]
    # The conversation's language (ISO 639-1) once identified: the widget speaks it.
    language: NotRequired[str]


class TypingOut(TypedDict):
    typing: bool
    agent_name: str


# -- acknowledgements ---------------------------------------------------------------------------
class UtteranceAck(TypedDict):
    ok: Literal[True]
    conversation_id: str
    seq: int
    duplicate: bool


class RequestAgentAck(TypedDict):
    ok: Literal[True]
    conversation_id: str
    state: StateName


class OfflineMessageAck(TypedDict):
    ok: Literal[True]
    conversation_id: str
    seq: int


class SyncAck(Transcript):
    ok: Literal[True]


class FollowUpQuestion(TypedDict):
    """``tandem_followup``: "Was your problem solved?" about a closed conversation, with the two
    buttons' labels, all in the conversation's language."""

    conversation_id: str
    question: str
    yes: str
    no: str


class FollowUpAnswerAck(TypedDict):
    ok: Literal[True]
    conversation_id: str
    state: StateName  # "queued" or "offline" after a "no" (it reopened), else "closed"
    text: str  # what to show after the answer (a thank-you for "yes")


# -- parsing ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Utterance:
    text: str
    client_msg_id: str
    metadata: dict[str, Any]
    session_id: str | None


def require_text(payload: object) -> None:
    """Refuse a payload with any string that is not text (``validate.text_problems``)."""
    problems = text_problems(payload)
    if problems:
        raise ProtocolError(ErrorCode.INVALID_TEXT, "; ".join(problems[:3]))


def _require(payload: object, tp: object) -> dict[str, Any]:
    require_text(payload)
    problems = check(payload, tp)
    if problems:
        raise ProtocolError(ErrorCode.BAD_REQUEST, "; ".join(problems[:3]))
    assert isinstance(payload, dict)
    return payload


def parse_seq(value: int, field: str) -> int:
    """A seq a client names (``last_seq``, ``after_seq``): 0 to :data:`MAX_SEQ`."""
    if not 0 <= value <= MAX_SEQ:
        raise ProtocolError(ErrorCode.BAD_REQUEST, f"{field} must be from 0 to {MAX_SEQ}")
    return value


def parse_text(value: str, max_chars: int, field: str = "message") -> str:
    """Text is stored exactly as given; it only has to be non-blank and within the limit."""
    if not value.strip():
        raise ProtocolError(ErrorCode.EMPTY_MESSAGE, f"{field} is empty")
    if len(value) > max_chars:
        raise ProtocolError(ErrorCode.TOO_LONG, f"{field} is longer than {max_chars} characters")
    return value


def parse_client_msg_id(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or not CLIENT_MSG_ID.match(value):
        raise ProtocolError(
            ErrorCode.BAD_REQUEST, "client_msg_id must be 1-64 of A-Z a-z 0-9 _ . : -"
        )
    return value


def parse_session_request(payload: object) -> tuple[str | None, int | None]:
    """(claimed session id or None, last seq seen or None). ``None`` payloads are allowed."""
    if payload is None or payload == "":
        return None, None
    data = _require(payload, SessionRequest)
    last_seq = data.get("last_seq")
    if last_seq is not None:
        parse_seq(last_seq, "last_seq")
    return data.get("session_id"), last_seq


def parse_user_uttered(payload: object, max_chars: int) -> Utterance:
    data = _require(payload, UserUttered)
    text = parse_text(data["message"], max_chars)
    raw_meta = data.get("metadata") if data.get("metadata") is not None else data.get("customData")
    metadata: Any = raw_meta or {}
    if isinstance(metadata, str):
        # Rasa's channel accepts metadata as a JSON string too; what it holds is checked
        # like the rest of the payload.
        raw = metadata if len(metadata) <= MAX_METADATA_BYTES else "null"
        try:
            metadata = bounded_json.parse(raw, MAX_METADATA_DEPTH)
        except bounded_json.TooDeep:
            raise _metadata_too_deep() from None
        except ValueError:
            metadata = None
        if not isinstance(metadata, dict):
            raise ProtocolError(
                ErrorCode.BAD_REQUEST, "metadata must be an object (or its JSON text)"
            )
        require_text(metadata)
    encoded = bounded_json.dumps(metadata)  # the packet's decoder bounded its depth already
    if bounded_json.deeper_than(MAX_METADATA_DEPTH, metadata, encoded):
        raise _metadata_too_deep()
    if len(encoded) > MAX_METADATA_BYTES:
        raise ProtocolError(
            ErrorCode.TOO_LONG, f"metadata is larger than {MAX_METADATA_BYTES} bytes"
        )
    return Utterance(
        text=text,
        client_msg_id=parse_client_msg_id(data.get("client_msg_id")),
        metadata=metadata,
        session_id=data.get("session_id"),
    )


def _metadata_too_deep() -> ProtocolError:
    return ProtocolError(
        ErrorCode.BAD_REQUEST, f"metadata is nested deeper than {MAX_METADATA_DEPTH} levels"
    )


def parse_typing(payload: object) -> bool:
    return bool(_require(payload, TypingIn)["typing"])


def parse_request_agent(payload: object) -> None:
    if payload is not None:
        _require(payload, RequestAgent)


def parse_csat(payload: object) -> tuple[int, str]:
    data = _require(payload, CsatIn)
    rating, comment = data["rating"], data.get("comment", "")
    if not 1 <= rating <= 5:
        raise ProtocolError(ErrorCode.BAD_REQUEST, "rating must be 1 to 5")
    if len(comment) > MAX_COMMENT_CHARS:
        raise ProtocolError(
            ErrorCode.TOO_LONG, f"comment is longer than {MAX_COMMENT_CHARS} characters"
        )
    return rating, comment


def parse_offline_message(payload: object, max_chars: int) -> tuple[str, str, str]:
    """(email, message, name) of the offline form."""
    data = _require(payload, OfflineMessageIn)
    email = parse_email(data["email"])
    name = data.get("name", "").strip()
    if len(name) > MAX_NAME_CHARS:
        raise ProtocolError(ErrorCode.TOO_LONG, f"name is longer than {MAX_NAME_CHARS} characters")
    return email, parse_text(data["message"], max_chars), name


def parse_followup_answer(payload: object) -> tuple[str, bool]:
    """(conversation id, solved) of an answer to the follow-up question."""
    data = _require(payload, FollowUpAnswerIn)
    conversation_id = data["conversation_id"]
    if not is_conversation_id(conversation_id):
        raise ProtocolError(ErrorCode.NOT_FOUND, "no such conversation")
    return str(conversation_id), bool(data["solved"])


def parse_email(value: str) -> str:
    """A customer's email address, as the offline form takes it."""
    email = value.strip()
    if len(email) > 254 or not EMAIL.match(email):
        raise ProtocolError(ErrorCode.BAD_REQUEST, "email is not a valid address")
    return email


def parse_email_transcript(payload: object) -> str:
    """The address given with the request ("" when the conversation's own is to be used)."""
    data = _require({} if payload is None else payload, EmailTranscriptIn)
    return parse_email(data["email"]) if data.get("email", "").strip() else ""


def parse_sync(payload: object) -> int:
    return parse_seq(int(_require(payload, SyncIn)["after_seq"]), "after_seq")
