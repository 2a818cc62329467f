"""The writers' inbox: which customer messages deserve a writer's look, and how they are kept.

Pure rules, no I/O. A *sighting* is one customer message seen for one reason (the bot fell
back on it, it came just before a handoff, a person answered it, …); sightings of the same
normalised text are one *item*, counted, so that writers see first what customers ask most.
Personal data is masked before anything is stored: the inbox, and everything the workbench
writes to git, only ever hold the masked text.

Example::

    mask("mail me at ana@example.com about TD-123456")  # "mail me at <email> about <order>"
    item_id(normalise("Where is my parcel?!"))           # the same id as "where is my parcel"
    turn_reasons("nlu_fallback", 0.21, clarified=True, low=0.5)  # ["fallback", "clarified"]
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from handoff.protocol.types import AgentEntry

# Masks, in this order: an email holds digits a phone pattern would take, an order number
# digits a card pattern would, a card number more digits than a phone.
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ORDER = re.compile(r"\b[A-Za-z]{2,3}-?\d{5,10}\b")
_CARD = re.compile(r"\b\d(?:[ -]?\d){12,18}\b")
_PHONE = re.compile(r"(?<![\w<])\+?\d[\d ().-]{5,}\d\b")
MASKS = ((_EMAIL, "<email>"), (_ORDER, "<order>"), (_CARD, "<card>"), (_PHONE, "<phone>"))

FALLBACK_INTENTS = frozenset({"nlu_fallback", "out_of_scope"})
# Handoffs whose last customer messages show what the bot should have understood. ``triage``
# and ``language`` are the bot doing its job; ``bot_unavailable`` is not about the words.
HANDOFF_REASONS = frozenset({"low_confidence", "loop", "frustration", "requested"})
REASONS = (
    "fallback",
    "clarified",
    "low_confidence",
    "handoff_low_confidence",
    "handoff_loop",
    "handoff_frustration",
    "handoff_requested",
    "csat_low",
    "agent_answered",
)
STATUSES = ("pending", "labelled", "saved", "ignored")
# Asking for a person teaches the bot nothing new (it understood); what came before does.
PERSON_REQUEST = "request_human"
LOW_CSAT = 2  # ratings at or below this put the conversation's messages in the inbox


# What looks like a phone number to _PHONE but is none in a log line: an IPv4 address, a decimal.
_NOT_A_PHONE = re.compile(r"(?:\d{1,3}\.){3}\d{1,3}|\d+\.\d+")


def mask_contacts(text: str) -> str:
    """``text`` with emails and phone numbers replaced by tags (the service's log lines,
    ``domain/log_masking.py``); addresses and decimals are left as they are."""
    text = _EMAIL.sub("<email>", text)
    return _PHONE.sub(
        lambda m: m.group(0) if _NOT_A_PHONE.fullmatch(m.group(0)) else "<phone>", text
    )


def mask(text: str) -> str:
    """``text`` with emails, order numbers, card-like and phone numbers replaced by tags."""
    for pattern, tag in MASKS:
        text = pattern.sub(tag, text)
    return text


def normalise(text: str) -> str:
    """What makes two messages "the same": masked, case-folded, punctuation and spacing gone."""
    masked = mask(text).casefold()
    return " ".join(re.sub(r"[^\w<>]+", " ", masked).split())


def item_id(normalised: str) -> str:
    return "i_" + hashlib.sha256(normalised.encode()).hexdigest()[:16]


def turn_reasons(
    intent: str, confidence: float | None, *, clarified: bool, low: float
) -> list[str]:
    """Why a bot turn's customer message belongs in the inbox (empty: it does not).

    ``clarified``: the bot answered with choices ("Did you mean…?"); ``low``: confidences below
    it count as low even when the bot answered (its fallback threshold is lower).
    """
    reasons = []
    if intent in FALLBACK_INTENTS:
        reasons.append("fallback")
        if clarified:
            reasons.append("clarified")
    elif confidence is not None and confidence < low:
        reasons.append("low_confidence")
    return reasons


def clarified_by(pick: str, entries: list[AgentEntry]) -> AgentEntry | None:
    """The customer message a clarification pick answers, or None when ``pick`` (the text of
    the customer's next message) is no payload of the buttons the bot answered it with.

    ``entries``: the conversation up to the pick, oldest first (the pick itself excluded).
    """
    offered: set[str] = set()
    for entry in reversed(entries):
        if entry["author"] == "customer":
            return entry if pick in offered else None
        offered.update(b["payload"] for b in entry.get("buttons", []))
    return None


def is_question(text: str) -> bool:
    """A message a writer can learn from: typed words, not a button payload such as /affirm."""
    return bool(text.strip()) and not text.startswith("/")


@dataclass(frozen=True)
class Sighting:
    """One customer message seen for one reason."""

    text: str  # masked
    reason: str
    conversation_id: str
    seq: int
    ts: float
    intent: str = ""
    confidence: float | None = None
    ranking: list[dict[str, Any]] = field(default_factory=list)
    language: str = ""
    reply: str = ""  # masked; what a person answered (``agent_answered``)


@dataclass(frozen=True)
class InboxItem:
    """Sightings of one normalised text, as the store keeps them."""

    id: str
    text: str
    count: int
    reasons: dict[str, int]
    intent: str
    confidence: float | None
    ranking: list[dict[str, Any]]
    language: str
    first_ts: float
    last_ts: float
    status: str
    reply: str
    annotation: dict[str, Any]
    conversations: list[str]
    # What customers picked from the "Did you mean…?" buttons the bot answered this with:
    # intent -> how many times (a label a writer can take in one click).
    picked: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_hash(cls, data: Mapping[str, str], conversations: list[str]) -> InboxItem:
        confidence = data.get("confidence", "")
        return cls(
            id=data["id"],
            text=data.get("text", ""),
            count=int(data.get("count", "0")),
            reasons={
                k.removeprefix("reason:"): int(v)
                for k, v in data.items()
                if k.startswith("reason:")
            },
            intent=data.get("intent", ""),
            confidence=float(confidence) if confidence else None,
            ranking=json.loads(data.get("ranking") or "[]"),
            language=data.get("language", ""),
            first_ts=float(data.get("first_ts", "0")),
            last_ts=float(data.get("last_ts", "0")),
            status=data.get("status") or "pending",
            reply=data.get("reply", ""),
            annotation=json.loads(data.get("annotation") or "{}"),
            conversations=conversations,
            picked={
                k.removeprefix("picked:"): int(v)
                for k, v in data.items()
                if k.startswith("picked:")
            },
        )

    def wire(self) -> dict[str, Any]:
        """The item as the workbench API sends it (``docs/workbench.md``)."""
        return {
            "id": self.id,
            "text": self.text,
            "count": self.count,
            "reasons": self.reasons,
            "intent": self.intent,
            "confidence": self.confidence,
            "ranking": self.ranking,
            "language": self.language,
            "first_ts": self.first_ts,
            "last_ts": self.last_ts,
            "status": self.status,
            "reply": self.reply,
            "annotation": self.annotation,
            "conversations": self.conversations,
            "picked": self.picked,
        }


@dataclass(frozen=True)
class InboxFilter:
    """What the writer narrowed the inbox to; empty fields match everything."""

    reason: str = ""
    intent: str = ""
    language: str = ""
    since: float = 0.0
    until: float = 0.0
    status: str = "pending"  # "" for every status

    def matches(self, item: InboxItem) -> bool:
        return (
            (not self.reason or self.reason in item.reasons)
            and (not self.intent or item.intent == self.intent)
            and (not self.language or item.language == self.language)
            and (not self.since or item.last_ts >= self.since)
            and (not self.until or item.first_ts < self.until)
            and (not self.status or item.status == self.status)
        )


def ordered(items: list[InboxItem]) -> list[InboxItem]:
    """Most frequent first; among equals, the most recent."""
    return sorted(items, key=lambda i: (-i.count, -i.last_ts))
