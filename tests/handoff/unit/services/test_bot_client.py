"""The bot channel's answers as the service reads them (docs/bot-channel.md and its examples)."""

import json
from pathlib import Path
from typing import Any

import pytest

from handoff.domain.entries import bot_uttered, for_customer, stored
from handoff.services.bot_client import BotClient, BotUnavailable, parse_turn
from handoff.services.bridge import turn_entries


def test_the_conversation_follows_only_a_language_the_bot_serves() -> None:
    def turn_in(language: dict[str, object]) -> str:
        return parse_turn({"messages": [{"text": "hi"}], "nlu": {"language": language}}).language

    assert turn_in({"code": "hr", "served": True}) == "hr"
    assert turn_in({"code": "sw", "served": False}) == ""  # the bot hands off for it instead
    assert turn_in({"code": None, "served": True}) == ""  # too short to tell
    assert turn_in({"code": "de"}) == "de"  # an older channel without "served"


def test_parse_turn() -> None:
    turn = parse_turn(
        {
            "messages": [
                {"text": "hi", "buttons": [{"title": "t", "payload": "/p"}, {"bad": 1}]},
                {
                    "text": "a person",
                    "custom": {"handoff": {"reason": "loop", "summary": {"k": "v"}}},
                },
            ],
            "nlu": {"language": {"code": "de"}, "intent": "greet"},
            "handoff": None,
        }
    )
    assert [m.text for m in turn.messages] == ["hi", "a person"] and len(
        turn.messages[0].buttons
    ) == 1
    assert turn.messages[1].custom is None  # the handoff payload is for the service only
    assert turn.handoff is not None and turn.handoff.reason == "loop" and turn.language == "de"
    for broken in ({"messages": []}, [], {"messages": "x"}, None):
        with pytest.raises(BotUnavailable):
            parse_turn(broken)
    assert parse_turn({"messages": []}, allow_empty=True).messages == []


def test_nlu_reaches_agents_only_on_the_first_entry_of_a_turn() -> None:
    turn = parse_turn(
        {
            "messages": [{"text": "Delivery takes 3-5 days."}, {"text": "Anything else?"}],
            "nlu": {"text": "how long?", "intent": "faq/delivery_time", "confidence": 0.9731},
        }
    )
    assert (turn.intent, turn.confidence) == ("faq/delivery_time", 0.9731)
    first, second = (
        stored(f, seq=s, ts=1.0) for f, s in zip(turn_entries(turn, 4), (5, 6), strict=True)
    )
    assert first["nlu"] == {"seq": 4, "intent": "faq/delivery_time", "confidence": 0.9731}
    assert "nlu" not in second
    assert "nlu" not in for_customer(first)
    assert "nlu" not in bot_uttered("c_1", first)["metadata"]["tandem"]  # type: ignore[operator]
    # No confidence, or a hand-back turn (nothing was understood): no made-up numbers.
    bare = parse_turn({"messages": [{"text": "hi"}], "nlu": {"intent": "greet"}})
    assert stored(turn_entries(bare, 1)[0], seq=2, ts=1.0)["nlu"]["confidence"] is None
    assert "nlu" not in stored(turn_entries(turn, None)[0], seq=2, ts=1.0)


def test_the_stored_nlu_keeps_the_best_three_and_the_language_for_the_inbox() -> None:
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.3},
        {"name": "faq/order_tracking", "confidence": 0.212345},
        {"name": "bad"},  # no confidence: left out
        {"name": "greet", "confidence": 0.1},
        {"name": "thank", "confidence": 0.05},
    ]
    language = {"code": None, "detected": "bs", "confidence": 0.9, "served": False}
    turn = parse_turn(
        {
            "messages": [{"text": "Did you mean?"}],
            "nlu": {
                "intent": "nlu_fallback",
                "confidence": 0.21,
                "ranking": ranking,
                "language": language,
            },
        }
    )
    assert (turn.language, turn.text_language) == ("", "bs")
    nlu = stored(turn_entries(turn, 3)[0], seq=4, ts=1.0)["nlu"]
    assert nlu["ranking"] == [
        {"name": "nlu_fallback", "confidence": 0.3},
        {"name": "faq/order_tracking", "confidence": 0.2123},
        {"name": "greet", "confidence": 0.1},
    ]
    assert nlu["language"] == "bs"


GOLDEN = json.loads(
    (Path(__file__).resolve().parents[4] / "docs" / "bot-channel-examples.json").read_text()
)
EXAMPLES = GOLDEN["examples"]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e["name"])
def test_the_golden_answers_read_as_the_contract_says(example: dict[str, Any]) -> None:
    request, response = example["request"], example["response"]
    body = response["body"]
    waiting = request.get("faq_only", False) or "event" in request
    if response["status"] != 200 or (not body["messages"] and not waiting):
        # A non-200 is refused before parsing (BotClient._post); an empty answer here.
        if response["status"] == 200:
            with pytest.raises(BotUnavailable):
                parse_turn(body)
        return
    turn = parse_turn(body, allow_empty=waiting)
    assert [m.text for m in turn.messages] == [m["text"] for m in body["messages"]]
    assert all(m.custom is None for m in turn.messages)  # the handoff is for the service only
    nlu = body["nlu"]
    assert turn.intent == (nlu["intent"] if nlu else "")
    assert turn.language == (nlu["language"]["code"] if nlu else "")
    if body["handoff"] is None:
        assert turn.handoff is None
    else:
        assert turn.handoff is not None
        assert turn.handoff.reason == body["handoff"]["reason"]
        assert turn.handoff.summary == body["handoff"]["summary"]
        assert turn.handoff.language == body["handoff"].get("language", "")


@pytest.mark.asyncio
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e["name"])
async def test_the_service_sends_the_golden_requests(example: dict[str, Any]) -> None:
    sent: list[dict[str, Any]] = []
    client = BotClient("http://127.0.0.1:1", token="", timeout=1.0)

    async def post(body: dict[str, Any]) -> object:
        sent.append(body)
        return {"messages": [{"text": "ok"}]}

    client._post = post  # type: ignore[method-assign]
    request = example["request"]
    if "event" in request:
        await client.hand_back(request["sender"])
    else:
        await client.send_message(
            request["sender"],
            request["message"],
            message_id=request["message_id"],
            metadata=request["metadata"],
            faq_only=request.get("faq_only", False),
        )
    assert sent == [request]


def test_an_unknown_reason_from_the_bot_is_counted_as_other() -> None:
    turn = parse_turn({"messages": [{"text": "x"}], "handoff": {"reason": "bored"}})
    assert turn.handoff is not None and turn.handoff.reason == "other"
