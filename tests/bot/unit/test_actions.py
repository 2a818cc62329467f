"""Custom actions, run against trackers recorded from real conversations (tests/bot/fixtures)."""

from __future__ import annotations

from typing import Any

from actions.conversation import ActionAcknowledgeFrustration, ActionClarify
from actions.handoff import ActionHandoff, ActionResumeAfterHandback
from actions.triage import ActionFinishTriage, ActionStopTriage, ValidateTriageForm
from tests.bot.conftest import (
    run_action,
    slot_events,
    tracker_at,
    tracker_before,
    tracker_from_events,
)

ORDER = "triage_order_not_arrived"


def responses(messages: list[dict[str, Any]]) -> list[str | None]:
    return [m.get("response") for m in messages]


def handoff(messages: list[dict[str, Any]]) -> dict[str, Any]:
    payloads = [m["custom"]["handoff"] for m in messages if m.get("custom")]
    assert len(payloads) == 1, messages
    return payloads[0]


def test_a_malformed_order_number_is_refused_with_the_format(domain: dict[str, Any]) -> None:
    messages, events = run_action(
        ValidateTriageForm(), tracker_at(ORDER, "my order is 12345"), domain
    )
    assert responses(messages) == ["utter_invalid_order_number"]
    slots = slot_events(events)
    assert slots["order_number"] is None
    assert slots["triage_attempts"] == 1
    assert slots["requested_slot"] == "order_number"  # asked again


def test_a_valid_order_number_is_normalised_and_the_next_question_follows(
    domain: dict[str, Any],
) -> None:
    messages, events = run_action(ValidateTriageForm(), tracker_at(ORDER, "TD-482913"), domain)
    assert messages == []
    slots = slot_events(events)
    assert slots["order_number"] == "TD-482913"
    assert slots["triage_attempts"] == 0
    assert slots["requested_slot"] == "days_since_order"


def test_a_date_is_read_and_an_email_is_asked_past_the_delivery_window(
    domain: dict[str, Any],
) -> None:
    _, events = run_action(ValidateTriageForm(), tracker_at(ORDER, "10 days ago"), domain)
    slots = slot_events(events)
    assert slots["days_since_order"] == 10.0
    assert slots["requested_slot"] == "contact_email"


def test_a_completed_triage_hands_off_with_every_answer(domain: dict[str, Any]) -> None:
    messages, events = run_action(
        ActionFinishTriage(), tracker_before(ORDER, "action_finish_triage"), domain
    )
    assert handoff(messages) == {
        "reason": "triage",
        "summary": {
            "problem_category": "order_not_arrived",
            "order_number": "TD-482913",
            "days_since_order": 10.0,
            "contact_email": "jane.doe@example.com",
            "skill": "orders",
        },
        "language": "en",
    }
    assert responses(messages) == ["utter_handoff_triage"]
    assert {"event": "active_loop", "name": None} in [
        {k: e.get(k) for k in ("event", "name")} for e in events
    ]


def test_a_recent_order_is_resolved_by_explanation(domain: dict[str, Any]) -> None:
    tracker = tracker_before(ORDER, "action_finish_triage")
    tracker.slots.update(days_since_order=3.0, contact_email=None)
    messages, events = run_action(ActionFinishTriage(), tracker, domain)
    assert responses(messages) == ["utter_resolved_delivery_window"]
    assert messages[0]["when"] == "3 days ago"
    assert not any(m.get("custom") for m in messages)
    assert slot_events(events)["problem_category"] is None  # the next problem starts fresh


def test_three_failed_answers_hand_off_as_a_loop(domain: dict[str, Any]) -> None:
    tracker = tracker_before(ORDER, "action_finish_triage")
    tracker.slots.update(triage_attempts=3.0)
    messages, _ = run_action(ActionFinishTriage(), tracker, domain)
    assert handoff(messages)["reason"] == "loop"


def test_asking_for_a_person_mid_form_hands_off_with_what_was_collected(
    domain: dict[str, Any],
) -> None:
    tracker = tracker_before("request_human_in_form", "action_handoff")
    assert tracker.get_slot("handoff_reason") == "requested"  # set by the guard policy
    messages, events = run_action(ActionHandoff(), tracker, domain)
    assert handoff(messages) == {
        "reason": "requested",
        "summary": {
            "problem_category": "order_damaged",
            "order_number": "TD-550812",
            "problem_description": "the handle snapped off the mug",
            "skill": "orders",
        },
        "language": "en",
    }
    slots = slot_events(events)
    assert slots["handoff_reason"] is None and slots["requested_slot"] is None


def test_a_language_handoff_carries_the_language(domain: dict[str, Any]) -> None:
    tracker = tracker_before("request_human_in_form", "action_handoff")
    tracker.slots.update(handoff_reason="language", language="de")
    messages, _ = run_action(ActionHandoff(), tracker, domain)
    assert handoff(messages)["reason"] == "language"
    assert handoff(messages)["language"] == "de"
    assert responses(messages) == ["utter_handoff_language"]


def test_frustration_names_the_problem(domain: dict[str, Any]) -> None:
    tracker = tracker_before("frustration_in_form", "action_acknowledge_frustration")
    messages, _ = run_action(ActionAcknowledgeFrustration(), tracker, domain)
    assert responses(messages) == ["utter_acknowledge_frustration"]
    assert messages[0]["problem_summary"] == "you can't log in"


def test_frustration_without_a_known_problem_still_acknowledges(domain: dict[str, Any]) -> None:
    tracker = tracker_before("frustration_first", "action_acknowledge_frustration")
    messages, _ = run_action(ActionAcknowledgeFrustration(), tracker, domain)
    assert messages[0]["problem_summary"] == "you haven't got what you came for"


def test_clarification_offers_the_likeliest_intents_and_a_person(domain: dict[str, Any]) -> None:
    tracker = tracker_before("low_confidence", "action_clarify")
    messages, _ = run_action(ActionClarify(), tracker, domain)
    buttons = messages[0]["buttons"]
    assert 2 <= len(buttons) <= 4
    assert buttons[-1] == {"title": "Talk to a person", "payload": "/request_human"}
    ranked = [r["name"] for r in tracker.latest_message["intent_ranking"]]
    offered = [b["payload"].lstrip("/") for b in buttons[:-1]]
    # Offers come from the ranking, best first, skipping intents that make no sense as a button.
    assert offered == [name for name in ranked if name in offered]
    assert "inform" not in offered and "nlu_fallback" not in offered


def test_stopping_the_form_clears_its_answers(domain: dict[str, Any]) -> None:
    tracker = tracker_at(ORDER, "TD-482913")
    messages, events = run_action(ActionStopTriage(), tracker, domain)
    assert responses(messages) == ["utter_triage_stopped"]
    assert {"event": "active_loop", "name": None} in [
        {k: e.get(k) for k in ("event", "name")} for e in events
    ]
    assert all(value in (None, 0) for value in slot_events(events).values())


def test_hand_back_says_so_and_resets_but_keeps_the_language(domain: dict[str, Any]) -> None:
    tracker = tracker_from_events(
        "c1",
        [
            {"event": "slot", "name": "problem_category", "value": "wrong_item"},
            {"event": "slot", "name": "language", "value": "hr"},
        ],
    )
    messages, events = run_action(ActionResumeAfterHandback(), tracker, domain)
    assert responses(messages) == ["utter_handback"]
    slots = slot_events(events)
    assert slots["problem_category"] is None
    assert "language" not in slots  # the customer still writes Croatian after the hand-back
