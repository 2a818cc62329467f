"""What the triage form asks for each kind of problem, and when an explanation resolves it.

Pure functions over slot values; the form (actions/triage.py) and the tests call them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from actions.locale import ENGLISH, Locale, locale_for

# The questions for each category, in the order they are asked. The first ones decide whether
# an explanation can resolve the problem; the contact email is asked only when a person must act.
QUESTIONS: dict[str, tuple[str, ...]] = {
    "order_not_arrived": ("order_number", "days_since_order", "contact_email"),
    "order_damaged": ("order_number", "problem_description", "contact_email"),
    "wrong_item": ("order_number", "problem_description", "contact_email"),
    "double_charge": ("order_number", "charges_pending", "contact_email"),
    "unknown_charge": ("problem_description", "contact_email"),
    "login_problem": ("password_reset_tried", "problem_description", "contact_email"),
    "app_crash": ("device", "problem_description", "contact_email"),
    "complaint": ("problem_description", "order_number", "contact_email"),
}
# The skill a person needs for each category; the handoff service routes on it first.
# Names must match the skills given to agents (`python -m handoff agents add --skills ...`).
SKILLS: dict[str, str] = {
    "order_not_arrived": "orders",
    "order_damaged": "orders",
    "wrong_item": "orders",
    "double_charge": "billing",
    "unknown_charge": "billing",
    "login_problem": "account",
    "app_crash": "technical",
}
TRIAGE_SLOTS = (
    "problem_category",
    "order_number",
    "days_since_order",
    "charges_pending",
    "password_reset_tried",
    "device",
    "problem_description",
    "contact_email",
)
# Standard delivery is 3-5 business days; 7 calendar days covers a weekend in between.
DELIVERY_WINDOW_DAYS = 7
# The third failed answer to the same question hands off (reason "loop").
MAX_ATTEMPTS = 3
ORDER_NOT_GIVEN = "not given"
# The last question before a handoff: "Is that right? Shall I pass it on?"
CONFIRMED = "triage_confirmed"

_ORDER_NUMBER = re.compile(r"(?<![\w-])(?:td[\s-]?)?(\d{6})(?!\d)", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.IGNORECASE)


def normalise_order_number(text: str) -> str | None:
    """'td 482913', 'TD482913' or '482913' -> 'TD-482913'; None when there is no order number."""
    match = _ORDER_NUMBER.search(text)
    return f"TD-{match.group(1)}" if match else None


def find_email(text: str) -> str | None:
    """The first email address in ``text``, lower-cased; None when there is none."""
    match = _EMAIL.search(text)
    return match.group(0).lower() if match else None


def resolution(slots: Mapping[str, Any]) -> str | None:
    """The response that resolves the problem by explanation, or None if a person must act."""
    category = slots.get("problem_category")
    days = slots.get("days_since_order")
    if category == "order_not_arrived" and days is not None and days <= DELIVERY_WINDOW_DAYS:
        return "utter_resolved_delivery_window"
    if category == "double_charge" and slots.get("charges_pending") is True:
        return "utter_resolved_pending_charge"
    if category == "login_problem" and slots.get("password_reset_tried") is False:
        return "utter_resolved_password_reset"
    return None


def required_slots(slots: Mapping[str, Any]) -> list[str]:
    """The slots still worth asking for, in order; an empty list ends the form."""
    if (slots.get("triage_attempts") or 0) >= MAX_ATTEMPTS:
        return []
    category = slots.get("problem_category")
    if category not in QUESTIONS:
        return ["problem_category"]
    needed = ["problem_category"]
    for slot in QUESTIONS[category]:
        answered = {name: slots.get(name) for name in needed}
        if resolution(answered) is not None:
            return needed  # the answers so far call for an explanation: no more questions
        needed.append(slot)
    if resolution(slots) is None:
        needed.append(CONFIRMED)  # a person must act: recap first, so the customer can fix it
    return needed


def recap(slots: Mapping[str, Any], words: Locale) -> str:
    """Every answer a person will get, in one line of the conversation's language."""
    parts = []
    category = str(slots.get("problem_category") or "")
    names = words.data["recap"].get("problem_names") or {}
    if category in names:
        parts.append(words.recap_text("problem", value=names[category]))
    for slot in QUESTIONS.get(category, ()):
        value = slots.get(slot)
        if value is None:
            continue
        if slot == "order_number" and value == ORDER_NOT_GIVEN:
            parts.append(words.recap_text("order_not_given"))
        elif slot == "days_since_order":
            parts.append(words.recap_text(slot, when=words.when(int(value))))
        elif isinstance(value, bool):
            parts.append(words.recap_text(f"{slot}_{str(value).lower()}"))
        else:
            parts.append(words.recap_text(slot, value=value))
    return str(words.data["recap"].get("separator", "; ")).join(parts)


def summary(slots: Mapping[str, Any]) -> dict[str, Any]:
    """Every triage answer collected so far for the person who takes over, and the skill needed."""
    answers = {name: slots[name] for name in TRIAGE_SLOTS if slots.get(name) is not None}
    skill = SKILLS.get(answers.get("problem_category", ""))
    return {**answers, "skill": skill} if skill else answers


def category_from_text(text: str, language: str | None = None) -> str | None:
    """The problem category a free-text answer points to (the conversation's words, then
    English's), or None. The words are in ``actions/locales/<language>.yml``."""
    for code in dict.fromkeys((language or ENGLISH, ENGLISH)):
        category = locale_for(code).category(text)
        if category:
            return category
    return None


def yes_or_no(text: str, language: str | None = None) -> bool | None:
    """True for a yes, False for a no, None when the answer is neither or both."""
    for code in dict.fromkeys((language or ENGLISH, ENGLISH)):
        answer = locale_for(code).says_yes(text)
        if answer is not None:
            return answer
    return None
