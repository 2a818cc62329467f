"""The triage form: ask only what a person needs, check answers, then resolve or hand off."""

from __future__ import annotations

from datetime import date
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import triage_rules
from actions.dates import days_since
from actions.handoff import handoff_events
from actions.locale import locale_for

REQUESTED_SLOT = "requested_slot"
CONFIRMED_SLOT = "triage_confirmed"
# The answers of a triage the bot resolved by explaining, kept so that a late correction
# ("actually I ordered 12 days ago") can reopen it.
RESOLVED_SLOT = "resolved_triage"


def conversation_language(tracker: Tracker) -> str:
    """The conversation's language (the ``language`` slot); English until one is identified."""
    return str(tracker.get_slot("language") or "en")


def _slots(tracker: Tracker) -> dict[str, Any]:
    return dict(tracker.slots)


def _previous_value(tracker: Tracker, slot: str) -> Any:
    """The slot's value before the latest message (the tracker already holds the new one)."""
    before_latest_message = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            before_latest_message = True
        elif before_latest_message and event.get("event") == "slot" and event.get("name") == slot:
            return event.get("value")
    return None


def _corrected_in_latest_message(tracker: Tracker) -> bool:
    """Did the latest message change an answer given before (a corrected order number, say)?"""
    for slot in triage_rules.TRIAGE_SLOTS:
        previous = _previous_value(tracker, slot)
        if previous is not None and tracker.get_slot(slot) != previous:
            return True
    return False


def _entities_in_latest_message(tracker: Tracker) -> set[str]:
    return {e.get("entity") for e in tracker.latest_message.get("entities", [])}


class ValidateTriageForm(FormValidationAction):
    """Checks each triage answer; re-prompts clearly and counts failures to spot loops."""

    def name(self) -> str:
        return "validate_triage_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        return triage_rules.required_slots(_slots(tracker))

    # --- extraction of slots Rasa cannot map by itself ---

    async def extract_days_since_order(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("problem_category") != "order_not_arrived":
            return {}
        text = tracker.latest_message.get("text") or ""
        asked = tracker.get_slot(REQUESTED_SLOT) == "days_since_order"
        days = days_since(text, date.today(), conversation_language(tracker), asked=asked)
        if days is not None:
            previous = tracker.get_slot("days_since_order")
            if previous is not None and previous != days and not asked:
                dispatcher.utter_message(response="utter_corrected")
            return {"days_since_order": float(days), "triage_attempts": 0}
        # A message that carried another answer (a corrected order number, say) is no failed
        # attempt at the date: the form asks for the date again without an error.
        if asked and not self._interrupted(tracker) and not _entities_in_latest_message(tracker):
            dispatcher.utter_message(response="utter_invalid_days_since_order")
            return self._failed_attempt(tracker)
        return {}

    # --- validation of mapped slots ---

    def validate_problem_category(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        category = value if value in triage_rules.QUESTIONS else None
        category = category or triage_rules.category_from_text(
            str(value), conversation_language(tracker)
        )
        if category is None:
            return self._reject(
                "problem_category", "utter_invalid_problem_category", dispatcher, tracker
            )
        if _previous_value(tracker, "problem_category") not in (None, category):
            dispatcher.utter_message(response="utter_corrected")
        # A new problem: an earlier resolved one can no longer be reopened by a correction.
        return {"problem_category": category, "triage_attempts": 0, RESOLVED_SLOT: None}

    def validate_password_reset_tried(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._yes_or_no("password_reset_tried", value, dispatcher, tracker)

    def validate_charges_pending(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._yes_or_no("charges_pending", value, dispatcher, tracker)

    def validate_triage_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if _corrected_in_latest_message(tracker):
            # "No, it's TD-…": the message carried the fix; the recap comes again with it.
            return {CONFIRMED_SLOT: None, "triage_attempts": 0}
        answer = value if isinstance(value, bool) else None
        if answer is None:
            answer = triage_rules.yes_or_no(str(value), conversation_language(tracker))
        if answer is True:
            return {CONFIRMED_SLOT: True, "triage_attempts": 0}
        if answer is False:
            # The ask action stays silent after this, until the customer sends the fix.
            dispatcher.utter_message(response="utter_triage_correct")
            return {CONFIRMED_SLOT: None, "triage_attempts": 0}
        return self._reject(CONFIRMED_SLOT, "utter_invalid_yes_no", dispatcher, tracker)

    def validate_order_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value == triage_rules.ORDER_NOT_GIVEN:
            return {"order_number": value, "triage_attempts": 0}
        number = triage_rules.normalise_order_number(str(value))
        if number:
            previous = _previous_value(tracker, "order_number")
            if previous not in (None, triage_rules.ORDER_NOT_GIVEN, number):
                dispatcher.utter_message(response="utter_corrected")
            return {"order_number": number, "triage_attempts": 0}
        return self._reject("order_number", "utter_invalid_order_number", dispatcher, tracker)

    def validate_contact_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        email = triage_rules.find_email(str(value))
        if email:
            previous = _previous_value(tracker, "contact_email")
            if previous not in (None, email):
                dispatcher.utter_message(response="utter_corrected")
            return {"contact_email": email, "triage_attempts": 0}
        return self._reject("contact_email", "utter_invalid_email", dispatcher, tracker)

    def validate_problem_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value).strip()
        # "Actually the order number is TD-…" corrects another answer; it describes nothing.
        if len(text) < 3 or text.startswith("/") or _entities_in_latest_message(tracker):
            return {"problem_description": _previous_value(tracker, "problem_description")}
        return {"problem_description": text[:1000], "triage_attempts": 0}

    def validate_device(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value).strip()
        return {"device": text[:200] if len(text) >= 2 and not text.startswith("/") else None}

    # --- helpers ---

    def _yes_or_no(
        self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        answer = value if isinstance(value, bool) else None
        if answer is None:
            answer = triage_rules.yes_or_no(str(value), conversation_language(tracker))
        if answer is None:
            return self._reject(slot, "utter_invalid_yes_no", dispatcher, tracker)
        return {slot: answer, "triage_attempts": 0}

    @staticmethod
    def _interrupted(tracker: Tracker) -> bool:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        return intent in {"faq", "request_human", "express_frustration", "stop", "bot_challenge"}

    def _reject(
        self, slot: str, response: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        # A message that carried another answer (a correction, say) is not a failed attempt.
        if tracker.get_slot(REQUESTED_SLOT) != slot or _entities_in_latest_message(tracker) - {
            slot
        }:
            return {slot: _previous_value(tracker, slot)}
        dispatcher.utter_message(response=response)
        return {slot: None, **self._failed_attempt(tracker)}

    @staticmethod
    def _failed_attempt(tracker: Tracker) -> dict[str, Any]:
        return {"triage_attempts": (tracker.get_slot("triage_attempts") or 0) + 1}


class ActionFinishTriage(Action):
    """Runs when the form is complete: resolve by explanation, or hand off with every answer."""

    def name(self) -> str:
        return "action_finish_triage"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        slots = _slots(tracker)
        if (slots.get("triage_attempts") or 0) >= triage_rules.MAX_ATTEMPTS:
            return handoff_events(dispatcher, tracker, "loop")
        response = triage_rules.resolution(slots)
        if response is None:
            return handoff_events(dispatcher, tracker, "triage")
        days = slots.get("days_since_order")
        when = "" if days is None else locale_for(conversation_language(tracker)).when(int(days))
        dispatcher.utter_message(response=response, when=when)
        answers = {name: slots[name] for name in triage_rules.TRIAGE_SLOTS if slots.get(name)}
        return [*reset_triage(), SlotSet(RESOLVED_SLOT, answers)]


class ActionStopTriage(Action):
    """The customer stopped the form: forget its answers and say so."""

    def name(self) -> str:
        return "action_stop_triage"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_triage_stopped")
        return [ActiveLoop(None), *reset_triage()]


def reset_triage() -> list[EventType]:
    """Events that clear every triage answer, so the next problem starts fresh."""
    events: list[EventType] = [SlotSet(name, None) for name in triage_rules.TRIAGE_SLOTS]
    return [
        *events,
        SlotSet(CONFIRMED_SLOT, None),
        SlotSet("triage_attempts", 0),
        SlotSet(REQUESTED_SLOT, None),
    ]


class ActionAnswerOutsideForm(Action):
    """An answer when no question is open: a correction to a triage the bot resolved by
    explaining reopens it with the new answer ("actually it was 12 days ago" is outside the
    delivery window: a person takes it); anything else gets "anything else I can help with?"."""

    def name(self) -> str:
        return "action_answer_outside_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        resolved = tracker.get_slot(RESOLVED_SLOT) or {}
        corrected = _corrections(resolved, tracker) if isinstance(resolved, dict) else {}
        if not corrected:
            dispatcher.utter_message(response="utter_anything_else")
            return []
        dispatcher.utter_message(response="utter_corrected")
        answers = {**resolved, **corrected}
        return [
            *(SlotSet(name, value) for name, value in answers.items()),
            SlotSet(RESOLVED_SLOT, None),
            FollowupAction("triage_form"),
        ]


def _corrections(resolved: dict[str, Any], tracker: Tracker) -> dict[str, Any]:
    """The answers of ``resolved`` that the latest message gives differently."""
    text = tracker.latest_message.get("text") or ""
    found: dict[str, Any] = {}
    if "days_since_order" in resolved:
        days = days_since(text, date.today(), conversation_language(tracker), asked=True)
        if days is not None:
            found["days_since_order"] = float(days)
    if "order_number" in resolved:
        found["order_number"] = triage_rules.normalise_order_number(text)
    found = {k: v for k, v in found.items() if v is not None and v != resolved.get(k)}
    return found


class ActionAskOrderNumber(Action):
    """Asks for the order number; for a complaint, whether it is about an order at all."""

    def name(self) -> str:
        return "action_ask_order_number"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response=_for_category("utter_ask_order_number", tracker, domain))
        return []


class ActionAskProblemDescription(Action):
    """Asks for the problem in the customer's words, with the question its category needs."""

    def name(self) -> str:
        return "action_ask_problem_description"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(
            response=_for_category("utter_ask_problem_description", tracker, domain)
        )
        return []


class ActionAskTriageConfirmed(Action):
    """Recaps what a person will get ("order TD-582201; ordered 10 days ago; …") and asks
    whether to pass it on; silent right after a "no", while the customer sends the fix."""

    def name(self) -> str:
        return "action_ask_triage_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = conversation_language(tracker)
        latest = tracker.latest_message or {}
        answered_no = (latest.get("intent") or {}).get("name") == "deny" or (
            triage_rules.yes_or_no(latest.get("text") or "", language) is False
        )
        waiting_for_fix = answered_no and not _corrected_in_latest_message(tracker)
        if tracker.get_slot(REQUESTED_SLOT) == CONFIRMED_SLOT and waiting_for_fix:
            return []
        recap = triage_rules.recap(_slots(tracker), locale_for(language))
        dispatcher.utter_message(response="utter_ask_triage_confirmed", recap=recap)
        return []


def _for_category(response: str, tracker: Tracker, domain: DomainDict) -> str:
    """``<response>_<category>`` when the domain has one for the problem's category."""
    specific = f"{response}_{tracker.get_slot('problem_category')}"
    return specific if specific in (domain.get("responses") or {}) else response
