"""Which suggestions are shown, in what order, and why: FAQ, then past replies, then canned."""

from __future__ import annotations

from handoff.domain.past_replies import PastMatch
from handoff.domain.suggestions import canned_matches, combine, faq_suggestion, suggestion_id
from handoff.protocol.agent import Canned

CANNED: list[Canned] = [
    {
        "id": "refund_started",
        "title": "Refund started",
        "text": "I've started your refund; 5-10 business days.",
        "language": "en",
        "tags": ["billing", "refunds"],
    },
    {
        "id": "refund_de",
        "title": "Erstattung",
        "text": "Ich habe Ihre Erstattung (refund) veranlasst.",
        "language": "de",
        "tags": ["refund"],
    },
    {"id": "hi", "title": "Greeting", "text": "Hi!", "language": "en", "tags": []},
]


def past(reply: str, times: int = 1, csat: int | None = 5) -> PastMatch:
    return PastMatch(reply, 3.0, times, csat, ("where", "parcel"))


def test_the_faq_answer_comes_first_then_past_replies_then_canned_at_most_three() -> None:
    faq = faq_suggestion("faq/refund_timing", 0.91, "Refunds take 5-10 days.")
    canned = canned_matches(CANNED, "when is my refund started", "en")
    shown = combine(faq, [past("It is on its way.", 3), past("Tomorrow.")], canned)
    assert [s["source"] for s in shown] == ["faq", "past", "past"]
    assert shown[0]["why"] == "The bot's answer for FAQ “refund_timing” (confidence 0.91)"
    assert (
        shown[1]["why"] == "Agents answered like this 3 times, CSAT 5; shared words: where, parcel"
    )
    assert [s["source"] for s in combine(None, [past("Tomorrow.")], canned)] == ["past", "canned"]


def test_the_same_text_twice_is_shown_once() -> None:
    faq = faq_suggestion("faq/x", 0.9, "It ships today.")
    shown = combine(faq, [past("it ships today!"), past("Tomorrow.", csat=None)], [])
    assert [s["text"] for s in shown] == ["It ships today.", "Tomorrow."]
    assert "csat" not in shown[1] and shown[1]["why"].startswith(
        "Agents answered like this once, resolved"
    )


def test_canned_responses_match_in_the_conversations_language_only_and_say_which_words() -> None:
    (found,) = canned_matches(CANNED, "I want a refund please", "en")
    assert (found["canned_id"], found["matched"]) == ("refund_started", ["refund"])
    assert found["why"] == "Canned “Refund started”; shared words: refund"
    assert canned_matches(CANNED, "refund", "de")[0]["canned_id"] == "refund_de"
    assert canned_matches(CANNED, "hi", "en") == []  # short words say nothing


def test_suggestion_ids_are_stable_per_source_and_text() -> None:
    assert suggestion_id("faq", "a") == suggestion_id("faq", "a") != suggestion_id("past", "a")
    assert suggestion_id("faq", "a").startswith("s_")
