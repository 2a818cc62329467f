"""What the triage form asks per category, and when an explanation resolves the problem."""

from __future__ import annotations

import pytest

from actions import triage_rules as rules


def test_without_a_category_only_the_category_is_asked() -> None:
    assert rules.required_slots({}) == ["problem_category"]


@pytest.mark.parametrize("category", sorted(rules.QUESTIONS))
def test_every_category_asks_its_questions_ends_with_an_email_then_recaps(category: str) -> None:
    slots = {"problem_category": category}
    assert rules.required_slots(slots) == [
        "problem_category",
        *rules.QUESTIONS[category],
        "triage_confirmed",
    ]
    assert rules.QUESTIONS[category][-1] == "contact_email"


def test_order_inside_the_delivery_window_is_resolved_without_asking_for_an_email() -> None:
    slots = {"problem_category": "order_not_arrived", "order_number": "TD-1", "days_since_order": 3}
    assert rules.required_slots(slots) == ["problem_category", "order_number", "days_since_order"]
    assert rules.resolution(slots) == "utter_resolved_delivery_window"


def test_order_past_the_delivery_window_goes_to_a_person() -> None:
    slots = {"problem_category": "order_not_arrived", "days_since_order": 8}
    assert "contact_email" in rules.required_slots(slots)
    assert rules.resolution(slots) is None


def test_pending_double_charge_and_untried_password_reset_are_explained() -> None:
    assert rules.resolution({"problem_category": "double_charge", "charges_pending": True})
    assert rules.resolution({"problem_category": "double_charge", "charges_pending": False}) is None
    assert rules.resolution({"problem_category": "login_problem", "password_reset_tried": False})
    assert (
        rules.resolution({"problem_category": "login_problem", "password_reset_tried": True})
        is None
    )
    assert rules.required_slots(
        {"problem_category": "login_problem", "password_reset_tried": False}
    ) == ["problem_category", "password_reset_tried"]


def test_three_failed_answers_end_the_form() -> None:
    assert rules.required_slots({"problem_category": "app_crash", "triage_attempts": 3}) == []
    assert rules.required_slots({"problem_category": "app_crash", "triage_attempts": 2}) != []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("TD-482913", "TD-482913"),
        ("td482913", "TD-482913"),
        ("it's td 482913 thanks", "TD-482913"),
        ("482913", "TD-482913"),
        ("12345", None),
        ("TD-1234567", None),
        ("my phone is 0301234567", None),
    ],
)
def test_order_numbers_are_normalised(text: str, expected: str | None) -> None:
    assert rules.normalise_order_number(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jane.Doe@Example.com", "jane.doe@example.com"),
        ("mail me at l.tanaka+shop@example.net please", "l.tanaka+shop@example.net"),
        ("john at gmail", None),
        ("me@localhost", None),
    ],
)
def test_emails_are_found(text: str, expected: str | None) -> None:
    assert rules.find_email(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("it's about a charge on my card", "unknown_charge"),
        ("they took the money twice", "double_charge"),
        ("I can't get into my account", "login_problem"),
        ("the parcel never came", "order_not_arrived"),
        ("something completely different", None),
    ],
)
def test_free_text_categories(text: str, expected: str | None) -> None:
    assert rules.category_from_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("yes I did", True), ("already tried", True), ("not yet", False), ("nope", False),
     ("maybe", None), ("yes and no", None)],
)  # fmt: skip
def test_yes_or_no(text: str, expected: bool | None) -> None:
    assert rules.yes_or_no(text) is expected


def test_summary_keeps_only_answered_triage_slots_and_names_the_skill() -> None:
    slots = {"problem_category": "wrong_item", "order_number": None, "handoff_reason": "x"}
    assert rules.summary(slots) == {"problem_category": "wrong_item", "skill": "orders"}
    assert rules.summary({"problem_category": "complaint"}) == {"problem_category": "complaint"}
    assert rules.summary({}) == {}


def test_every_skill_is_one_the_demo_agent_has() -> None:
    assert set(rules.SKILLS.values()) <= {"billing", "orders", "technical", "account"}
