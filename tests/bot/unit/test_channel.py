"""The input channel's request checks and response shaping (bot/channel.py)."""

from __future__ import annotations

import pytest

from bot.channel import (
    MAX_MESSAGE_CHARS,
    BadRequest,
    handoff_of,
    neutralise_internal_intent,
    nlu_result,
    parse_request,
)

INTENTS = {"request_human", "affirm", "restart", "EXTERNAL_agent_handback", "faq"}


def test_a_valid_message_is_accepted_and_gets_an_id() -> None:
    body = parse_request({"sender": "c1", "message": "hi", "metadata": {"seq": 3}})
    assert body["message"] == "hi" and body["metadata"] == {"seq": 3}
    assert body["message_id"]


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ([], "JSON object"),
        ({"message": "hi"}, "'sender'"),
        ({"sender": "", "message": "hi"}, "'sender'"),
        ({"sender": "x" * 129, "message": "hi"}, "'sender'"),
        ({"sender": 7, "message": "hi"}, "'sender'"),
        ({"sender": "c1"}, "'message'"),
        ({"sender": "c1", "message": "   "}, "'message'"),
        ({"sender": "c1", "message": 42}, "'message'"),
        ({"sender": "c1", "message": "x" * (MAX_MESSAGE_CHARS + 1)}, "longer"),
        ({"sender": "c1", "message": "hi", "metadata": []}, "'metadata'"),
        ({"sender": "c1", "event": "restart"}, "'event'"),
        ({"sender": "c1", "event": "handback", "message": "hi"}, "not both"),
        ({"sender": "c1", "message": "hi", "faq_only": "yes"}, "'faq_only'"),
    ],
)
def test_bad_requests_say_what_is_wrong(body: object, complaint: str) -> None:
    with pytest.raises(BadRequest, match=complaint):
        parse_request(body)


def test_faq_only_is_off_unless_asked_for() -> None:
    assert parse_request({"sender": "c1", "message": "hi"})["faq_only"] is False
    assert parse_request({"sender": "c1", "message": "hi", "faq_only": True})["faq_only"] is True


def test_handback_event_needs_no_message() -> None:
    assert parse_request({"sender": "c1", "event": "handback"})["event"] == "handback"


@pytest.mark.parametrize(
    ("typed", "passed_on"),
    [
        ("/request_human", "/request_human"),
        ('/affirm{"x": 1}', '/affirm{"x": 1}'),
        ("/restart", "restart"),
        ("/EXTERNAL_agent_handback", "EXTERNAL_agent_handback"),
        ("/no_such_intent", "no_such_intent"),
        ("/", "?"),
        ("hello /restart", "hello /restart"),
    ],
)
def test_customers_cannot_trigger_internal_intents(typed: str, passed_on: str) -> None:
    assert neutralise_internal_intent(typed, INTENTS) == passed_on


def test_the_last_handoff_payload_wins() -> None:
    messages = [
        {"text": "a"},
        {"custom": {"handoff": {"reason": "loop"}}},
        {"text": "b", "custom": {"handoff": {"reason": "requested", "summary": {}}}},
        {"custom": {"other": 1}},
    ]
    assert handoff_of(messages) == {"reason": "requested", "summary": {}}
    assert handoff_of([{"text": "hi"}]) is None


def test_the_nlu_result_names_the_faq_topic_with_the_topic_confidence() -> None:
    parse = {
        "intent": {
            "name": "faq",
            "confidence": 0.98,
            "full_retrieval_intent_name": "faq/shipping_time",
        },
        "intent_ranking": [{"name": "faq", "confidence": 0.98}, {"name": "greet", "confidence": 0}],
        "response_selector": {"faq": {"response": {"confidence": 0.71234}}},
        "language": {"code": "en", "confidence": 0.9},
    }
    assert nlu_result("how long does it take?", parse) == {
        "text": "how long does it take?",
        "intent": "faq/shipping_time",
        "confidence": 0.7123,  # the topic is what the answer rests on
        "ranking": [{"name": "faq", "confidence": 0.98}, {"name": "greet", "confidence": 0.0}],
        "language": {"code": "en", "confidence": 0.9},
    }
    plain = nlu_result("hi", {"intent": {"name": "greet", "confidence": 0.9}})
    assert plain["intent"] == "greet" and plain["confidence"] == 0.9
    # No language identified (a model without the identifier): the conversation keeps its own.
    assert plain["language"] == {"code": None, "confidence": 0.0, "served": True}


def test_the_ranking_spells_out_the_faq_topics_the_selector_ranked() -> None:
    parse = {
        "intent": {"name": "faq", "confidence": 0.6, "full_retrieval_intent_name": "faq/returns"},
        "intent_ranking": [
            {"name": "faq", "confidence": 0.6},
            {"name": "report_order_not_arrived", "confidence": 0.3},
            {"name": "greet", "confidence": 0.1},
        ],
        "response_selector": {
            "faq": {
                "response": {"confidence": 0.5, "intent_response_key": "faq/returns"},
                "ranking": [
                    {"confidence": 0.5, "intent_response_key": "faq/returns"},
                    {"confidence": 0.3, "intent_response_key": "faq/refund_time"},
                    {"confidence": 0.2, "intent_response_key": "faq/exchange"},
                ],
            }
        },
    }
    # Each topic's share of "faq", among the other intents: what a writer picks a label from.
    assert nlu_result("can I send it back", parse)["ranking"] == [
        {"name": "faq/returns", "confidence": 0.3},
        {"name": "report_order_not_arrived", "confidence": 0.3},
        {"name": "faq/refund_time", "confidence": 0.18},
        {"name": "faq/exchange", "confidence": 0.12},
        {"name": "greet", "confidence": 0.1},
    ]
