"""The bot's FAQ answers per language, from the writers' response files, picked as Rasa does."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from handoff.config.faq_answers import FaqAnswersError, choose, load_faq_answers

REPO = Path(__file__).resolve().parents[4]


def test_the_shipped_answers_have_every_served_language() -> None:
    answers = load_faq_answers(REPO / "data" / "responses")
    shipped = yaml.safe_load((REPO / "data/responses/faq.yml").read_text(encoding="utf-8"))
    assert len(answers) == len(shipped["responses"])
    english = answers.text("faq/shipping_time", "en")
    croatian = answers.text("faq/shipping_time", "hr")
    assert english is not None and english.startswith("Standard delivery takes")
    assert croatian is not None and croatian.startswith("Standardna dostava traje")
    assert answers.text("faq/shipping_time", "de") is None  # the bot has no German answer
    assert answers.text("faq/no_such_topic", "en") is None


def test_a_variation_conditioned_on_anything_but_the_language_is_never_picked(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.yml").write_text(
        """
responses:
  utter_greet: [{text: "Hi"}]
  utter_faq/gift:
    - condition: [{type: slot, name: vip, value: true}]
      text: "VIP only"
    - text: "  Gift cards are sold online.  "
    - condition: [{type: slot, name: language, value: ms}]
      text: "Kad hadiah dijual dalam talian."
""",
        encoding="utf-8",
    )
    answers = load_faq_answers(tmp_path)
    assert answers.by_topic == {
        "faq/gift": {"": "Gift cards are sold online.", "ms": "Kad hadiah dijual dalam talian."}
    }
    (tmp_path / "b.yml").write_text("responses:\n  utter_faq/bad: {text: nope}\n")
    with pytest.raises(FaqAnswersError, match="utter_faq/bad"):
        load_faq_answers(tmp_path)


def test_variations_as_rasas_parse_gives_them_are_chosen_the_same_way() -> None:
    variations = [
        {"text": "Gift cards are sold online."},
        {"condition": [{"type": "slot", "name": "language", "value": "ms"}], "text": "Kad hadiah."},
        {"condition": [{"type": "slot", "name": "vip", "value": True}], "text": "VIP only"},
        "not a variation",
    ]
    assert choose(variations, "ms") == "Kad hadiah."
    assert choose(variations, "en") == "Gift cards are sold online."
    assert choose(variations, "de") is None
    assert choose([], "en") is None
