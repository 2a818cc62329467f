"""The triage summary's labels load from the contract the bot's tests check too."""

from pathlib import Path

import pytest

from handoff.config.triage_labels import load_triage_labels


def test_the_contract_loads_with_words_for_values() -> None:
    fields = load_triage_labels()["fields"]
    category = fields["problem_category"]
    assert category["label"] == "Problem"
    assert category.get("values", {})["order_not_arrived"] == "Order not arrived"
    assert fields["days_since_order"].get("text") == "Ordered {value} days ago"
    assert fields["charges_pending"].get("values", {})["true"].startswith("One of the charges")
    assert fields["days_since_order"].get("values", {})["1"] == "Ordered yesterday"


def test_a_broken_file_says_what_is_wrong(tmp_path: Path) -> None:
    path = tmp_path / "labels.yml"
    path.write_text("fields:\n  order_number: {}\n")
    with pytest.raises(ValueError, match="order_number needs a label"):
        load_triage_labels(path)
    path.write_text("- a list\n")
    with pytest.raises(ValueError, match="needs a 'fields' mapping"):
        load_triage_labels(path)
