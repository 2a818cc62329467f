"""scripts/register.py: every text a customer reads keeps its language's polite register."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "scripts"))

import register  # noqa: E402


def copy_of_the_sources(tmp_path: Path) -> Path:
    for source in register.SOURCES:
        origin, target = REPO / source, tmp_path / source
        target.parent.mkdir(parents=True, exist_ok=True)
        if origin.is_dir():
            shutil.copytree(origin, target)
        else:
            shutil.copy(origin, target)
    return tmp_path


def change_yaml(path: Path, change: Any) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def change_widget(root: Path, code: str, **texts: str) -> None:
    path = root / "widget/src/widget/locales" / f"{code}.json"
    catalog = json.loads(path.read_text(encoding="utf-8"))
    catalog.update({key.replace("_", "."): text for key, text in texts.items()})
    path.write_text(json.dumps(catalog, ensure_ascii=False), encoding="utf-8")


def test_the_shipped_texts_keep_the_register_in_every_source() -> None:
    texts = list(register.customer_texts(REPO))
    sources = {s for s in register.SOURCES for t in texts if t.where.startswith(s)}
    assert sources == set(register.SOURCES)
    assert {"tl", "ms", "ru", "ta", "hr"} <= {t.language for t in texts}
    assert register.problems(REPO) == []


def test_a_familiar_you_a_lowercase_vi_and_a_sentence_without_po_are_named(
    tmp_path: Path,
) -> None:
    root = copy_of_the_sources(tmp_path)
    change_widget(root, "tl", status_bot="Magtanong ka lang, o makipag-usap sa tao.")
    change_widget(root, "ms", status_inLine="Kamu dalam giliran ({wait}).")
    change_widget(root, "es", status_withPerson="Estás hablando con una persona que te ayuda.")

    def system(data: dict[str, Any]) -> None:
        data["ru"]["followup_question"] = "Твоя проблема решена?"
        data["hr"]["mail_reply_hint"] = (
            "Možete odgovoriti na ovaj e-mail; vaš odgovor stiže istoj osobi."
        )

    change_yaml(root / "handoff/config/system_messages.yml", system)
    change_yaml(
        root / "handoff/config/canned_responses.yml",
        lambda data: data.append(
            {"id": "more_hr", "title": "Još?", "text": "Mogu li ti još pomoći?", "language": "hr"}
        ),
    )
    change_yaml(
        root / "actions/locales/ta.yml",
        lambda data: data["phrases"].update(a_problem="உனக்குத் தீர்க்க வேண்டிய பிரச்சினை"),
    )

    def no_po(data: dict[str, Any]) -> None:
        for variation in data["responses"]["utter_faq/return_policy"]:
            if any(c.get("value") == "tl" for c in variation.get("condition") or []):
                variation["text"] = variation["text"].replace("Puwede po ninyong", "Puwede ninyong")

    change_yaml(root / "data/responses/faq.yml", no_po)

    problems = register.problems(root)
    expected = [
        "widget/src/widget/locales/tl.json: status.bot (tl): 'ka' is the familiar",
        "widget/src/widget/locales/ms.json: status.inLine (ms): 'Kamu' is the familiar",
        "widget/src/widget/locales/es.json: status.withPerson (es): 'te' is the familiar",
        "handoff/config/system_messages.yml: followup_question (ru): 'Твоя' is the familiar",
        "handoff/config/system_messages.yml: mail_reply_hint (hr): write 'Vaš'",
        "handoff/config/canned_responses.yml: more_hr (hr): 'ti' is the familiar",
        "actions/locales/ta.yml: phrases.a_problem (ta): 'உனக்குத்' is the familiar",
        "data/responses/faq.yml: utter_faq/return_policy (tl): calls the customer kayo/ninyo/inyo"
        " without 'po'",
    ]
    for start in expected:
        assert any(p.startswith(start) for p in problems), (start, problems)
    assert len(problems) == len(expected), problems


def test_look_alikes_fragments_and_the_customers_own_words_pass(tmp_path: Path) -> None:
    root = copy_of_the_sources(tmp_path)
    # "ka-" is a prefix and "mo" is inside "promo"; a fragment ("ang email ninyo") needs no po;
    # உன்னதமான is "sublime", not "your".
    change_widget(
        root,
        "tl",
        status_bot="May promo po ang mga ka-chat ninyo.",
        transcript_email="Ang email ninyo",
    )
    change_widget(root, "ta", status_closed="உன்னதமான சேவைக்கு நன்றி")
    # A button is the customer speaking to the shop: plural "vaše", not the honorific.
    change_yaml(
        root / "actions/labels/hr.yml",
        lambda data: data["faq/warranty"].update(title="Koje je vaše jamstvo?"),
    )
    assert register.problems(root) == []
