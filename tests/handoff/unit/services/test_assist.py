"""The Suggester's choice of the FAQ text (pure but for the parse, faked here): the loaded
model's own answer when the parse carries it, else the response files; the threshold; the
conversation's language; and the latest question of a transcript."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.config.faq_answers import FaqAnswers
from handoff.domain.past_replies import PastReplies
from handoff.services.assist import Suggester, latest_question

pytestmark = pytest.mark.asyncio
FILES = FaqAnswers({"faq/gift": {"": "From the files.", "hr": "Iz datoteka."}})


def suggester(parsed: dict[str, Any], confidence: float = 0.5) -> Suggester:
    async def parse(_: str) -> dict[str, Any]:
        return parsed

    return Suggester(
        parse=parse, faq=FILES, canned=[], index=PastReplies(cap=10), faq_confidence=confidence
    )


async def test_the_loaded_models_answer_wins_over_the_files_and_follows_the_language() -> None:
    model = [
        {"text": "Retrained: gift cards online."},
        {"condition": [{"type": "slot", "name": "language", "value": "hr"}], "text": "Novo."},
    ]
    parsed = {"intent": "faq/gift", "confidence": 0.9, "responses": model}
    assert [s["text"] for s in await suggester(parsed).suggest("gift?", "en")] == [
        "Retrained: gift cards online."
    ]
    assert [s["text"] for s in await suggester(parsed).suggest("gift?", "hr")] == ["Novo."]
    files = {"intent": "faq/gift", "confidence": 0.9}  # an older Rasa: no responses
    assert [s["text"] for s in await suggester(files).suggest("gift?", "hr")] == ["Iz datoteka."]


async def test_below_the_threshold_or_not_an_faq_there_is_no_faq_suggestion() -> None:
    assert await suggester({"intent": "faq/gift", "confidence": 0.4}).suggest("gift", "en") == []
    assert await suggester({"intent": "greet", "confidence": 1.0}).suggest("hi", "en") == []
    assert await suggester({"error": "Rasa unreachable"}).suggest("gift", "en") == []


async def test_the_latest_question_skips_buttons_and_requests_for_a_person() -> None:
    entries: list[Any] = [
        {"seq": 1, "author": "customer", "text": "where is my parcel", "ts": 1.0},
        {"seq": 2, "author": "bot", "text": "It ships soon.", "ts": 2.0},
        {"seq": 3, "author": "customer", "text": "I want a person", "ts": 3.0},
        {
            "seq": 4,
            "author": "bot",
            "text": "Bringing in a person.",
            "ts": 4.0,
            "nlu": {"seq": 3, "intent": "request_human", "confidence": 1.0},
        },
        {"seq": 5, "author": "customer", "text": "/affirm", "ts": 5.0},
    ]
    found = latest_question(entries)
    assert found is not None and found["seq"] == 1
    assert latest_question(entries[1:2]) is None
