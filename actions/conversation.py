"""Empathy and clarification: what the bot says when the customer is frustrated or unclear."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.labels import button_for, problem_for
from actions.locale import locale_for

REQUEST_HUMAN = "/request_human"
MAX_CANDIDATES = 3
# Intents whose names say nothing about the customer's problem.
NOT_A_PROBLEM = {
    "express_frustration",
    "nlu_fallback",
    "out_of_scope",
    "request_human",
    "greet",
    "affirm",
    "deny",
}
CATEGORY_INTENTS = {
    "order_not_arrived": "report_order_not_arrived",
    "order_damaged": "report_order_damaged",
    "wrong_item": "report_wrong_item",
    "double_charge": "report_double_charge",
    "unknown_charge": "report_unknown_charge",
    "login_problem": "report_login_problem",
    "app_crash": "report_app_crash",
    "complaint": "make_complaint",
}


def _language(tracker: Tracker) -> str:
    return str(tracker.get_slot("language") or "en")


def phrase(language: str, key: str) -> str:
    """A fixed phrase of the conversation's language (``phrases`` in its locale file)."""
    phrases = locale_for(language).data.get("phrases") or {}
    return str(phrases.get(key) or locale_for("en").data["phrases"][key])


def candidate_intents(parse_data: dict[str, Any]) -> list[str]:
    """The likeliest intents of a low-confidence message, FAQ topics spelled out, best first."""
    faq_ranking = (parse_data.get("response_selector") or {}).get("faq", {}).get("ranking") or []
    candidates: list[str] = []
    for item in parse_data.get("intent_ranking") or []:
        name = item.get("name")
        if name == "faq":
            candidates += [r.get("intent_response_key") for r in faq_ranking[:2]]
        elif name:
            candidates.append(name)
    offered = []
    for name in candidates:
        if name and name not in offered and button_for(name):
            offered.append(name)
    return offered[:MAX_CANDIDATES]


def problem_summary(tracker: Tracker) -> str:
    """The customer's problem in a few words: the triage category, else their last request."""
    language = _language(tracker)
    category = tracker.get_slot("problem_category")
    if category in CATEGORY_INTENTS:
        return problem_for(CATEGORY_INTENTS[category], language) or phrase(language, "a_problem")
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        data = event.get("parse_data") or {}
        intent = (data.get("intent") or {}).get("name")
        if intent == "faq":
            selector = (data.get("response_selector") or {}).get("faq", {}).get("response", {})
            intent = selector.get("intent_response_key")
        if intent and intent not in NOT_A_PROBLEM and problem_for(intent, language):
            return problem_for(intent, language) or ""
    return phrase(language, "not_what_you_came_for")


class ActionAcknowledgeFrustration(Action):
    """First frustration: name the problem, offer a person, invite another try."""

    def name(self) -> str:
        return "action_acknowledge_frustration"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(
            response="utter_acknowledge_frustration", problem_summary=problem_summary(tracker)
        )
        return []


class ActionClarify(Action):
    """First low-confidence turn: "Did you mean…?" with the top candidates and a person."""

    def name(self) -> str:
        return "action_clarify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = _language(tracker)
        candidates = candidate_intents(tracker.latest_message)
        buttons = [button_for(name, language) for name in candidates]
        person = {"title": phrase(language, "talk_to_a_person"), "payload": REQUEST_HUMAN}
        dispatcher.utter_message(response="utter_clarify", buttons=[*filter(None, buttons), person])
        return []
