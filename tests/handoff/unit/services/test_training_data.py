"""The training data as the workbench edits it: unchanged files come back byte for byte, an
example is added once, in its intent's file, keeping order and comments; new FAQ topics get a
stub answer; near-duplicates and test-split copies are pointed out."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from handoff.services.training_data import (
    NLU_YAML,
    RESPONSES_YAML,
    STUB_ANSWER,
    ContentError,
    Label,
    TrainingData,
    WorkingTree,
    clean_example,
)

REPO = Path(__file__).resolve().parents[4]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of the repository's data, domain and NLU test splits."""
    for part in ("data", "tests/nlu"):
        shutil.copytree(REPO / part, tmp_path / part)
    shutil.copy(REPO / "domain.yml", tmp_path / "domain.yml")
    return tmp_path


def test_every_file_the_workbench_edits_round_trips_unchanged() -> None:
    edited = [*(REPO / "data/nlu").rglob("*.yml"), *(REPO / "data/responses").glob("*.yml")]
    for path in sorted(edited):
        layout = RESPONSES_YAML if "responses" in path.parts else NLU_YAML
        text = path.read_text(encoding="utf-8")
        out = io.StringIO()
        layout.dump(layout.load(text), out)
        assert out.getvalue() == text, path


def test_an_example_is_added_once_in_its_intents_file(repo: Path) -> None:
    data = TrainingData(WorkingTree(repo))
    before = (repo / "data/nlu/en/faq.yml").read_text()
    change = data.change(
        [
            Label("wheres my parsel at", "faq/order_tracking", "en"),
            Label("Wheres my PARSEL at!", "faq/order_tracking", "en"),  # the same, again
            Label("how long does delivery take?", "faq/shipping_time", "en"),  # there already
        ]
    )
    assert change.files() == ["data/nlu/en/faq.yml"]
    after = change.after["data/nlu/en/faq.yml"]
    assert after.count("- wheres my parsel at\n") == 1 and "PARSEL" not in after
    # Only the new line differs: order, comments and every other line kept.
    added = [line for line in change.diff().splitlines() if line.startswith("+ ")]
    assert added == ["+    - wheres my parsel at"]
    assert [line for line in before.splitlines() if line.startswith("#")] == [
        line for line in after.splitlines() if line.startswith("#")
    ]
    assert after.replace("    - wheres my parsel at\n", "", 1) == before
    block = after.split("- intent: faq/order_tracking", 1)[1].split("- intent:", 1)[0]
    assert block.rstrip().endswith("- wheres my parsel at")  # last of its intent's examples
    assert (repo / "data/nlu/en/faq.yml").read_text() == before  # nothing written


def test_a_new_faq_topic_gets_examples_and_a_stub_answer(repo: Path) -> None:
    data = TrainingData(WorkingTree(repo))
    intent = data.new_topic_intent("Gift cards")
    assert intent == "faq/gift_cards"
    change = data.change([Label("do you sell gift cards", intent, "hr", new_topic=True)])
    assert change.files() == ["data/nlu/hr/faq.yml", "data/responses/faq.yml"]
    nlu = NLU_YAML.load(change.after["data/nlu/hr/faq.yml"])
    assert nlu["nlu"][-1]["intent"] == "faq/gift_cards"
    assert nlu["nlu"][-1]["examples"] == "- do you sell gift cards\n"
    responses = RESPONSES_YAML.load(change.after["data/responses/faq.yml"])["responses"]
    assert responses["utter_faq/gift_cards"] == [{"text": STUB_ANSWER}]
    assert list(responses)[:-1] == list(
        RESPONSES_YAML.load((repo / "data/responses/faq.yml").read_text())["responses"]
    )
    with pytest.raises(ContentError):
        data.new_topic_intent("no!")


def test_an_intent_the_language_lacks_goes_where_english_has_it(repo: Path) -> None:
    (repo / "data/nlu/hr/basics.yml").unlink()
    change = TrainingData(WorkingTree(repo)).change([Label("bok", "greet", "hr")])
    assert change.files() == ["data/nlu/hr/basics.yml"]
    with pytest.raises(ContentError, match="not an intent"):
        TrainingData(WorkingTree(repo)).change([Label("x", "no_such_intent", "en")])


def test_warnings_about_duplicates_and_test_splits(repo: Path) -> None:
    data = TrainingData(WorkingTree(repo))
    same = data.warnings("How long does delivery take", "en")[0]
    assert same.startswith("already an example of faq/shipping_time (data/nlu/en/faq.yml)")
    (near,) = data.warnings("how long does the delivery take", "en")
    assert near.startswith("near-duplicate of 'how long does delivery take?'")
    held_out = (repo / "tests/nlu/heldout/en.yml").read_text().split("    - ", 2)[1].split("\n")[0]
    assert any("test split tests/nlu/heldout/en.yml" in w for w in data.warnings(held_out, "en"))
    assert data.warnings("a question nobody has asked before about llamas", "en") == []


def test_intents_and_what_rules_do_after_them(repo: Path) -> None:
    data = TrainingData(WorkingTree(repo))
    intents = data.intents()
    assert "faq/order_tracking" in intents and "greet" in intents
    assert "faq" not in intents and not any(i.startswith("EXTERNAL_") for i in intents)
    after = data.actions_after()
    assert after["faq"] == ["utter_faq"] and after["nlu_fallback"] == ["action_clarify"]


def test_examples_lose_what_rasa_would_read_as_markup() -> None:
    assert clean_example("my [order](order_number)\n is {late}") == "my order order_number is late"
