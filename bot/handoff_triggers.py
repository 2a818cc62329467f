"""When the bot must hand the conversation to a person, decided from the turns so far.

Pure logic, no Rasa imports: the guard policy (bot/policy.py) turns a tracker into ``Turn``s and
asks ``handoff_reason``. Reasons are the contract's (docs/bot-channel.md): ``requested``,
``language``, ``frustration``, ``low_confidence`` and ``loop``; ``triage`` is decided by the
triage form's last step instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class Turn:
    """One customer message and what the bot did in reply."""

    intent: str  # the full retrieval intent for FAQs, e.g. "faq/shipping_time"
    language: str = ENGLISH
    in_form: bool = False  # a form was active when the message arrived
    bot_actions: tuple[str, ...] = field(default=())


def handoff_reason(turns: Sequence[Turn]) -> str | None:
    """The reason to hand off now, given the turns since the last handoff, or None.

    The last turn is the message just received; its ``bot_actions`` are still empty.
    """
    if not turns:
        return None
    latest = turns[-1]
    if latest.intent == REQUEST_HUMAN:
        return "requested"
    if latest.language != ENGLISH:
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


def _is_loop(turns: Sequence[Turn]) -> bool:
    recent = turns[-LOOP_LENGTH:]
    if len(recent) < LOOP_LENGTH:
        return False
    intents = {t.intent for t in recent}
    if len(intents) != 1 or next(iter(intents)) in REPEATABLE_INTENTS:
        return False
    # Inside a form the form itself counts unanswered questions (actions/triage.py).
    return not any(t.in_form for t in recent)
