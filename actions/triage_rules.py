"""What the triage form asks for each kind of problem, and when an explanation resolves it.

Pure functions over slot values; the form (actions/triage.py) and the tests call them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

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
            break  # the answers so far call for an explanation: no more questions
        needed.append(slot)
    return needed


def summary(slots: Mapping[str, Any]) -> dict[str, Any]:
    """Every triage answer collected so far for the person who takes over, and the skill needed."""
    answers = {name: slots[name] for name in TRIAGE_SLOTS if slots.get(name) is not None}
    skill = SKILLS.get(answers.get("problem_category", ""))
    return {**answers, "skill": skill} if skill else answers


# Words that point to a category when the customer answers "what kind of problem?" in their
# own words instead of pressing a button. First match wins, so specific phrases come first.
_CATEGORY_WORDS: tuple[tuple[str, str], ...] = (
    (r"\btwice\b|\bdouble\b|\btwo (charges|payments)\b|\bduplicate", "double_charge"),
    (r"\bcharge|\bpayment|\bbilled\b|\bbank\b|\bcard\b|\bstatement\b", "unknown_charge"),
    (r"\blog ?in\b|\bsign ?in\b|\bpassword|\baccount\b|\blocked\b", "login_problem"),
    (r"\bapp\b|\bcrash|\bfreez", "app_crash"),
    (r"\bwrong\b|\bdifferent (item|size|colou?r|product)|\binstead\b|\bmixed up\b", "wrong_item"),
    (r"\bdamag|\bbroke|\bcrack|\bsmash|\bscratch|\bruin", "order_damaged"),
    (
        r"\barriv|\bdeliver|\blate\b|\blost\b|\bmissing\b|\bnever came\b|\bparcel|\bpackage",
        "order_not_arrived",
    ),
    (r"\bcomplain|\brude\b|\bunhappy\b|\bterrible\b|\bservice\b", "complaint"),
)
_YES = re.compile(r"\b(yes|yeah|yep|yup|sure|i did|i have|already|tried|correct|pending)\b")
_NO = re.compile(r"\b(no|nope|nah|not yet|haven't|have not|didn't|did not|never|both)\b")


def category_from_text(text: str) -> str | None:
    """The problem category a free-text answer points to, or None."""
    lowered = text.lower()
    for pattern, category in _CATEGORY_WORDS:
        if re.search(pattern, lowered):
            return category
    return None


def yes_or_no(text: str) -> bool | None:
    """True for a yes, False for a no, None when the answer is neither or both."""
    lowered = text.lower()
    yes, no = bool(_YES.search(lowered)), bool(_NO.search(lowered))
    return yes if yes != no else None
