"""Every answer the triage hands over has words for agents in contract/triage_labels.yml (the
console showed raw slot names and values: `order_not_arrived`, `Days since order 10`)."""

from __future__ import annotations

from pathlib import Path

import yaml

from actions.triage_rules import ORDER_NOT_GIVEN, QUESTIONS, TRIAGE_SLOTS

REPO = Path(__file__).resolve().parents[3]
FIELDS = yaml.safe_load((REPO / "contract" / "triage_labels.yml").read_text(encoding="utf-8"))[
    "fields"
]


def test_every_summary_key_has_a_label() -> None:
    assert set(TRIAGE_SLOTS) | {"skill"} <= set(FIELDS)


def test_every_category_and_fixed_value_has_words() -> None:
    assert set(QUESTIONS) == set(FIELDS["problem_category"]["values"])
    assert ORDER_NOT_GIVEN in FIELDS["order_number"]["values"]
    for yes_no in ("charges_pending", "password_reset_tried"):
        assert set(FIELDS[yes_no]["values"]) == {"true", "false"}, yes_no  # as JSON says them
