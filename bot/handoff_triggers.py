"""When the bot must hand the conversation to a person, decided from the turns so far.

Pure logic, no Rasa imports: the guard policy (bot/policy.py) turns a tracker into ``Turn``s and
asks ``handoff_reason``. Reasons are the contract's (docs/bot-channel.md): ``requested``,
``language``, ``frustration``, ``low_confidence`` and ``loop``; ``triage`` is decided by the
triage form's last step instead.
"""

from __future__ import annotations

import re
from collections.abc import Container, Sequence
from dataclasses import dataclass, field

from bot.text import fold

REQUEST_HUMAN = "request_human"
FRUSTRATION = "express_frustration"
# Messages the bot cannot answer: unclear ones, and clear ones about something it doesn't do.
LOW_CONFIDENCE = frozenset({"nlu_fallback", "out_of_scope"})
# What the bot says to those; the same kind of message right after one of these hands off.
CLARIFY_ACTIONS = frozenset({"action_clarify", "utter_out_of_scope"})
ENGLISH = "en"

# Intents that legitimately repeat: answers to the bot's questions and conversational glue.
# The same one three times in a row is not a sign of going in circles.
REPEATABLE_INTENTS = frozenset(
    {"inform", "affirm", "deny", "thank", FRUSTRATION, REQUEST_HUMAN, *LOW_CONFIDENCE}
)
LOOP_LENGTH = 3
# A request for a person ranked below another intent still hands off when it has at least this
# confidence: a needless handoff costs a person a glance, a missed one traps the customer
# ("I was charged for something I didn't buy, get me an agent"). Chosen on the tuning split,
# where nothing else reaches it (docs/nlu-evaluation.md).
ASKS_FOR_PERSON = 0.2
# Two messages ask "the same question" when at least this share of their words match (words
# compared by their first letters, so "costs" matches "cost" and "narudzbu" "narudžba").
SAME_QUESTION_OVERLAP = 0.5
_STEM_LETTERS = 5
_WORD = re.compile(r"[^\W\d_][\w\u0900-\u0dff]*")


@dataclass(frozen=True)
class Turn:
    """One customer message and what the bot did in reply."""

    intent: str  # the full retrieval intent for FAQs, e.g. "faq/shipping_time"
    # The language to answer in (ISO 639-1), None when the message was too short to tell.
    language: str | None = ENGLISH
    in_form: bool = False  # a form was active when the message arrived
    bot_actions: tuple[str, ...] = field(default=())
    text: str = ""
    # The confidence NLU gave request_human for this message (0 when it was not ranked).
    asks_for_person: float = 0.0


def handoff_reason(
    turns: Sequence[Turn], served: Container[str] = frozenset({ENGLISH})
) -> str | None:
    """The reason to hand off now, given the turns since the last handoff, or None.

    The last turn is the message just received; its ``bot_actions`` are still empty.
    ``served``: the languages the bot answers in (any other hands off, reason ``language``).
    """
    if not turns:
        return None
    latest = turns[-1]
    if latest.intent == REQUEST_HUMAN or latest.asks_for_person >= ASKS_FOR_PERSON:
        return "requested"
    if _writes_another_language(turns, served):
        return "language"
    if latest.intent == FRUSTRATION and sum(t.intent == FRUSTRATION for t in turns) >= 2:
        return "frustration"
    if (
        latest.intent in LOW_CONFIDENCE
        and len(turns) >= 2
        and CLARIFY_ACTIONS.intersection(turns[-2].bot_actions)
    ):
        return "low_confidence"
    if _is_loop(turns):
        return "loop"
    return None


def _writes_another_language(turns: Sequence[Turn], served: Container[str]) -> bool:
    """The customer writes a language the bot does not serve: at once when it is the first
    language the conversation shows, else only on a second message in it (a single message
    that reads as another language in a Croatian conversation is more likely misread)."""
    latest = turns[-1].language
    if latest is None or latest in served:
        return False
    before = next((t.language for t in reversed(turns[:-1]) if t.language is not None), None)
    return before is None or before == latest


def _is_loop(turns: Sequence[Turn]) -> bool:
    """The same question asked a third time in a row, after the same answer twice.

    Several different questions that share an intent ("how do I return it?", then "is the
    return label free?") were answered and are no circle; only asking the same thing again is.
    """
    recent = turns[-LOOP_LENGTH:]
    if len(recent) < LOOP_LENGTH:
        return False
    intents = {t.intent for t in recent}
    if len(intents) != 1 or next(iter(intents)) in REPEATABLE_INTENTS:
        return False
    # Inside a form the form itself counts unanswered questions (actions/triage.py).
    if any(t.in_form for t in recent):
        return False
    return all(same_question(a.text, b.text) for a, b in zip(recent, recent[1:], strict=False))


def same_question(first: str, second: str) -> bool:
    """Do two messages ask the same thing in (nearly) the same words?"""
    a, b = _stems(first), _stems(second)
    if not a or not b:
        return first.strip().lower() == second.strip().lower()
    return len(a & b) / len(a | b) >= SAME_QUESTION_OVERLAP


def _stems(text: str) -> set[str]:
    return {w[:_STEM_LETTERS] for w in _WORD.findall(fold(text)) if len(w) >= 3}
