"""scripts/check_content.py: a served language that lacks something is named, file and key."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "scripts"))

from check_content import check  # noqa: E402

PARTS = [
    "contract",
    "data",
    "actions/labels",
    "actions/locales",
    "handoff/config/system_messages.yml",
    "handoff/config/canned_responses.yml",
    "widget/src/widget/locales",
    "tests/nlu/heldout",
    "tests/conversations",
]


def copy_of_the_content(tmp_path: Path) -> Path:
    for part in PARTS:
        source, target = REPO / part, tmp_path / part
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copy(source, target)
    return tmp_path


def test_the_shipped_content_has_everything_for_every_served_language() -> None:
    assert check(REPO) == []


def test_a_missing_answer_example_and_label_are_named(tmp_path: Path) -> None:
    root = copy_of_the_content(tmp_path)
    faq = root / "data/responses/faq.yml"
    data = yaml.safe_load(faq.read_text(encoding="utf-8"))
    variations = data["responses"]["utter_faq/warranty"]
    data["responses"]["utter_faq/warranty"] = [
        v for v in variations if not any(c["value"] == "hr" for c in v.get("condition", []))
    ]
    tamil = next(v for v in data["responses"]["utter_faq/shipping_time"] if "condition" in v)
    tamil["text"] += " {order_number}"
    faq.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    nlu = root / "data/nlu/ms/basics.yml"
    blocks = yaml.safe_load(nlu.read_text(encoding="utf-8"))
    blocks["nlu"] = [b for b in blocks["nlu"] if b.get("intent") != "thank"]
    nlu.write_text(yaml.safe_dump(blocks, allow_unicode=True), encoding="utf-8")
    (root / "actions/locales/ta.yml").unlink()

    problems = check(root)
    assert "data/responses/faq.yml: utter_faq/warranty has no 'hr' variation" in problems
    assert any(
        p.startswith("data/responses/faq.yml: utter_faq/shipping_time (")
        and "unknown ['order_number']" in p
        for p in problems
    )
    assert any(p.startswith("data/nlu/ms/: intent 'thank' has 0 examples") for p in problems)
    assert "actions/locales/ta.yml: missing (the triage form's words)" in problems
