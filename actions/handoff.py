"""Handing the conversation to a person, and taking it back.

A handoff is a bot message whose custom payload is
``{"handoff": {"reason": R, "summary": {...}, "language": "xx"}}`` (docs/bot-channel.md); the
handoff service queues the conversation when it sees one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import triage_rules

CONTRACT = Path(__file__).resolve().parent.parent / "contract" / "handoff_reasons.yml"


def _bot_reasons() -> tuple[str, ...]:
    """The reasons the bot's side may hand off with: those of the shared contract it decides."""
    reasons = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))["reasons"]
    return tuple(name for name, spec in reasons.items() if "bot" in spec["decided_by"])


REASONS = _bot_reasons()


def handoff_payload(reason: str, slots: dict[str, Any], language: str | None) -> dict[str, Any]:
    """The contract's custom payload for a handoff."""
    if reason not in REASONS:
        raise ValueError(f"unknown handoff reason {reason!r}")
    handoff: dict[str, Any] = {"reason": reason, "summary": triage_rules.summary(slots)}
    if language:
        handoff["language"] = language
    return {"handoff": handoff}


def customer_language(tracker: Tracker) -> str:
    """The conversation's language: the ``language`` slot, else what NLU made of the latest
    message (events posted without NLU), else English."""
    identified = (tracker.latest_message.get("language") or {}).get("code")
    return str(tracker.get_slot("language") or identified or "en")


def handoff_events(
    dispatcher: CollectingDispatcher, tracker: Tracker, reason: str
) -> list[EventType]:
    """Says the reason's handoff message with the payload attached; stops any form."""
    language = customer_language(tracker)
    dispatcher.utter_message(
        response=f"utter_handoff_{reason}",
        json_message=handoff_payload(reason, dict(tracker.slots), language),
    )
    return [
        ActiveLoop(None),
        SlotSet("requested_slot", None),
        SlotSet("handoff_reason", None),
        SlotSet("triage_attempts", 0),
    ]


class ActionHandoff(Action):
    """Hands off for the reason the guard policy put in ``handoff_reason``."""

    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reason = tracker.get_slot("handoff_reason") or "requested"
        return handoff_events(dispatcher, tracker, reason)


class ActionResumeAfterHandback(Action):
    """A person handed the conversation back: say so and start from a clean slate."""

    def name(self) -> str:
        return "action_resume_after_handback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_handback")
        cleared = [SlotSet(name, None) for name in triage_rules.TRIAGE_SLOTS]
        return [
            ActiveLoop(None),
            *cleared,
            SlotSet("requested_slot", None),
            SlotSet("handoff_reason", None),
            SlotSet("language_name", None),
            SlotSet("triage_attempts", 0),
        ]
