import pytest

from handoff.config.canned import load_canned
from handoff.config.settings import DEFAULT_CANNED
from handoff.config.texts import SystemTexts
from handoff.domain.entries import bot_uttered, decode, encode, for_customer, stored
from handoff.domain.metrics import Histogram, Snapshot, bucket_for, render
from handoff.services.bot_client import BotUnavailable, parse_turn
from handoff.services.bridge import turn_entries
from handoff.store.keys import Keys
from handoff.store.stats import Stats


def test_entries_round_trip_and_hide_agent_ids_from_customers() -> None:
    fields = encode(
        author="agent", text="<b>hi</b>", agent_id="a_1", agent_name="Ana", client_msg_id="m1"
    )
    entry = stored(fields, seq=7, ts=1.5)
    assert entry == {
        "seq": 7,
        "author": "agent",
        "text": "<b>hi</b>",
        "ts": 1.5,
        "agent_id": "a_1",
        "agent_name": "Ana",
        "client_msg_id": "m1",
    }
    assert "agent_id" not in for_customer(entry)
    assert decode({"seq": "1", "ts": "2", "author": "customer", "text": "x", "meta": "{}"}) == {
        "seq": 1,
        "author": "customer",
        "text": "x",
        "ts": 2.0,
    }


def test_bot_uttered_has_rasa_shape() -> None:
    entry = stored(
        encode(
            author="bot",
            text="Pick",
            buttons=[{"title": "A", "payload": "/a"}],
            image="https://x/y.png",
        ),
        3,
        9.0,
    )
    message = bot_uttered("c_x", entry)
    assert message["quick_replies"] == [{"content_type": "text", "title": "A", "payload": "/a"}]
    assert message["attachment"] == {"type": "image", "payload": {"src": "https://x/y.png"}}
    assert message["metadata"]["tandem"] == {
        "conversation_id": "c_x",
        "seq": 3,
        "author": "bot",
        "ts": 9.0,
    }


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


def test_metrics_render_cumulative_histograms() -> None:
    assert bucket_for(3) == "5" and bucket_for(61) == "120" and bucket_for(10_000) == "+Inf"
    text = render(
        Snapshot(
            states={"bot": 2}, handoffs={"requested": 3}, wait=Histogram({"5": 1, "60": 2}, 70.0, 3)
        )
    )
    assert (
        'tandem_conversations{state="bot"} 2' in text
        and 'tandem_conversations{state="agent"} 0' in text
    )
    assert 'tandem_queue_wait_seconds_bucket{le="30"} 1' in text
    assert 'tandem_queue_wait_seconds_bucket{le="60"} 3' in text
    assert "tandem_queue_wait_seconds_count 3" in text


def test_shipped_yaml_files_load() -> None:
    canned = load_canned(DEFAULT_CANNED)
    assert len({c["id"] for c in canned}) == len(canned) >= 3
    texts = SystemTexts.load()
    assert texts.render("agent_joined", "de", agent="Ana") == "Ana ist dem Gespräch beigetreten."
    assert texts.render("agent_joined", "xx", agent="Ana") == "Ana joined the conversation."
    for language, messages in texts.catalog.items():
        assert set(messages) <= set(texts.catalog["en"]), language


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


def test_desk_day_follows_the_desk_time_zone() -> None:
    # 2025-11-24 23:30 UTC is already the 25th in Berlin and still the 24th in New York.
    moment = 1764027000.0
    assert Stats(None, Keys(), zone="Europe/Berlin").today(moment) == "2025-11-25"  # type: ignore[arg-type]
    assert Stats(None, Keys(), zone="America/New_York").today(moment) == "2025-11-24"  # type: ignore[arg-type]
