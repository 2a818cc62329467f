"""Transcript entries: stored flat in a stream, seen differently by customers and agents."""

from handoff.domain.entries import (
    bot_uttered,
    decode,
    encode,
    for_customer,
    preview,
    stored,
    transcript,
)


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


def test_preview_is_one_line_and_bounded() -> None:
    assert preview("  where is\n\nmy   parcel? ") == "where is my parcel?"
    long = preview("x" * 500)
    assert len(long) == 280 and long.endswith("…")
    assert preview("y" * 280) == "y" * 280


def test_transcript_for_customers_hides_agent_ids() -> None:
    entries = [
        stored(encode(author="customer", text="hi"), 5, 1.0),
        stored(encode(author="agent", text="hello", agent_id="a_1", agent_name="Ana"), 6, 2.0),
    ]
    replay = transcript("c_1", 4, entries, True)
    assert replay["last_seq"] == 6 and replay["after_seq"] == 4 and replay["has_more"]
    assert [m["text"] for m in replay["messages"]] == ["hi", "hello"]
    assert all("agent_id" not in m for m in replay["messages"])
    assert transcript(None, 9, [], False) == {
        "conversation_id": None,
        "after_seq": 9,
        "last_seq": 9,
        "messages": [],
        "has_more": False,
    }
