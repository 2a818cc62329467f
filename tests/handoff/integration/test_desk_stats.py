"""What the agent console reads besides conversations: today's stats, and the bot's NLU."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.protocol.registry import EVENTS
from handoff.protocol.validate import check

pytestmark = pytest.mark.asyncio


async def test_agents_see_intent_and_confidence_customers_do_not(customer: Any, agent: Any) -> None:
    ana = await agent(name="Ana")
    alice = await customer()
    ack = await alice.say("hello there")
    await alice.wait_text("You said: hello there")
    detail = await ana.call("get_conversation", {"conversation_id": ack["conversation_id"]})
    assert check(detail, EVENTS[("/agent", "get_conversation", "in")].ack, strict=True) == []
    bot = next(m for m in detail["messages"] if m["author"] == "bot")
    assert bot["nlu"] == {"seq": ack["seq"], "intent": "stub", "confidence": 1.0}
    # The customer's view of the same entry, live and replayed, has no NLU.
    live = await alice.wait_text("You said: hello there")
    assert "nlu" not in live and "nlu" not in live["metadata"]["tandem"]
    sync = await alice.call("tandem_sync", {"after_seq": 0})
    assert sync["messages"] and all("nlu" not in m for m in sync["messages"])


async def test_get_stats_counts_today(customer: Any, agent: Any) -> None:
    ana = await agent(name="Ana")
    empty = await ana.call("get_stats")
    assert check(empty, EVENTS[("/agent", "get_stats", "in")].ack, strict=True) == []
    assert empty["stats"]["conversations_today"] == 0
    assert empty["stats"]["median_wait_s"] is None and empty["stats"]["csat_average"] is None
    assert empty["stats"]["agents_online"] == 1

    ratings = []
    for rating in (5, 2):
        alice = await customer()
        ack = await alice.say("human please")
        conversation_id = ack["conversation_id"]
        await ana.wait_for(
            "queue_added", lambda p, c=conversation_id: p["item"]["conversation_id"] == c
        )
        assert (await ana.call("claim", {"conversation_id": conversation_id}))["ok"]
        sent = await ana.call(
            "send_message",
            {"conversation_id": conversation_id, "text": "Hi!", "client_msg_id": f"s{rating}"},
        )
        assert sent["ok"]
        closed = await ana.call(
            "close", {"conversation_id": conversation_id, "resolution": "done", "tags": []}
        )
        assert closed["ok"]
        await alice.wait_for("tandem_state", lambda p: p["state"] == "closed")
        assert (await alice.call("tandem_csat", {"rating": rating}))["ok"]
        ratings.append(rating)
    triaged = await customer()
    await triaged.say("triage billing my invoice is wrong")
    await ana.wait_for("queue_added", lambda p: p["item"]["reason"] == "triage")

    stats = (await ana.call("get_stats"))["stats"]
    assert stats["conversations_today"] == 3
    assert stats["handoffs_by_reason"] == {"requested": 2, "triage": 1}
    assert stats["median_wait_s"] is not None and stats["median_wait_s"] >= 0
    assert stats["median_first_response_s"] is not None
    assert stats["median_first_response_s"] >= stats["median_wait_s"]
    assert stats["csat_average"] == sum(ratings) / len(ratings) and stats["csat_count"] == 2
    assert stats["queue_length"] == 1 and stats["tickets"] == 0
    assert len(stats["day"]) == 10


async def test_tags_and_csat_comments_come_back_in_the_history_and_the_stats(
    customer: Any, agent: Any
) -> None:
    """Tags and comments were asked for, stored, and never shown again."""
    ana = await agent(name="Ana")
    alice = await customer()
    ack = await alice.say("human please")
    conversation_id = ack["conversation_id"]
    await ana.wait_for("queue_added", lambda p: p["item"]["conversation_id"] == conversation_id)
    assert (await ana.call("claim", {"conversation_id": conversation_id}))["ok"]
    closed = await ana.call(
        "close",
        {"conversation_id": conversation_id, "resolution": "refunded", "tags": ["Refund", "vip"]},
    )
    assert closed["ok"]
    await alice.wait_for("tandem_state", lambda p: p["state"] == "closed")
    rated = await alice.call("tandem_csat", {"rating": 4, "comment": "Fast, but <b>one</b> thing"})
    assert rated["ok"]
    detail = await ana.call("get_conversation", {"conversation_id": conversation_id})
    assert detail["conversation"]["tags"] == ["refund", "vip"]
    assert detail["conversation"]["csat_comment"] == "Fast, but <b>one</b> thing"

    history = await ana.call("get_history", {"conversation_id": conversation_id})
    assert check(history, EVENTS[("/agent", "get_history", "in")].ack, strict=True) == []
    (earlier,) = history["conversations"]
    assert earlier["tags"] == ["refund", "vip"] and earlier["csat"] == 4
    assert earlier["csat_comment"] == "Fast, but <b>one</b> thing"

    stats = await ana.call("get_stats")
    assert check(stats, EVENTS[("/agent", "get_stats", "in")].ack, strict=True) == []
    assert stats["stats"]["csat_by_tag"] == {
        "refund": {"average": 4.0, "count": 1},
        "vip": {"average": 4.0, "count": 1},
    }
    (comment,) = stats["stats"]["csat_comments"]
    assert comment["conversation_id"] == conversation_id and comment["rating"] == 4
    assert comment["comment"] == "Fast, but <b>one</b> thing" and comment["tags"] == [
        "refund",
        "vip",
    ]
