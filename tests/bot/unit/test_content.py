"""Checks that keep the content consistent as writers change it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from actions.labels import intent_labels

REPO = Path(__file__).resolve().parents[3]


def faq_topics() -> set[str]:
    responses = yaml.safe_load((REPO / "data/responses/faq.yml").read_text())["responses"]
    return {name.removeprefix("utter_") for name in responses}


def nlu_intents() -> set[str]:
    intents = set()
    for path in (REPO / "data/nlu").glob("**/*.yml"):
        for block in yaml.safe_load(path.read_text()).get("nlu", []):
            if "intent" in block:
                intents.add(block["intent"])
    return intents


def test_every_faq_topic_has_an_answer_and_examples() -> None:
    faq_examples = {i for i in nlu_intents() if i.startswith("faq/")}
    assert faq_topics() == faq_examples


def test_the_required_faq_topics_exist() -> None:
    required = {
        "shipping_time", "shipping_cost", "international_shipping", "return_policy", "exchange",
        "refund_timing", "payment_methods", "order_tracking", "cancel_order", "change_address",
        "password_reset", "opening_hours", "contact_channels", "warranty",
    }  # fmt: skip
    assert {f"faq/{t}" for t in required} <= faq_topics()


def test_every_faq_topic_and_problem_report_has_a_label(domain: dict[str, Any]) -> None:
    offered = faq_topics() | {i for i in domain["intents"] if i.startswith("report_")}
    missing = offered - set(intent_labels())
    assert not missing, f"add these to actions/labels/en.yml: {sorted(missing)}"


def test_faq_labels_send_a_question_not_an_intent() -> None:
    # "/faq/<topic>" is not something Rasa parses; the payload must be a question.
    for intent, entry in intent_labels().items():
        if intent.startswith("faq/"):
            assert not entry.get("payload", "/").startswith("/"), intent


def test_every_label_names_a_real_intent(domain: dict[str, Any]) -> None:
    known = set(domain["intents"]) | faq_topics()
    assert set(intent_labels()) <= known
