"""Inbox items on Redis: one per normalised text, each message counted once (once per reason)."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.domain.inbox import Sighting
from handoff.store.inbox import REFS_KEPT, InboxStore
from tests.handoff.integration.store.conftest import KEYS

pytestmark = pytest.mark.asyncio


def seen(text: str, conversation: str, seq: int, reason: str = "fallback", **kw: Any) -> Sighting:
    return Sighting(text, reason, conversation, seq, ts=1000.0 + seq, **kw)


async def test_sightings_are_counted_once_per_message_and_reason(redis: Any) -> None:
    inbox = InboxStore(redis, KEYS, seen_ttl=60)
    ranking = [{"name": "faq/order_tracking", "confidence": 0.2}]
    assert await inbox.record(
        seen(
            "Where is my parcel?",
            "c_a",
            3,
            intent="nlu_fallback",
            confidence=0.2,
            ranking=ranking,
            language="en",
        )
    )
    assert not await inbox.record(seen("Where is my parcel?", "c_a", 3))  # reported again
    assert await inbox.record(seen("Where is my parcel?", "c_a", 3, reason="handoff_loop"))
    assert await inbox.record(seen("where is my PARCEL", "c_b", 1))
    assert await inbox.record(seen("hello", "c_b", 2, reason="low_confidence"))
    first, second = await inbox.items()
    assert (first.text, first.count) == ("where is my PARCEL", 2)  # the latest wording shown
    assert first.reasons == {"fallback": 2, "handoff_loop": 1}
    assert (first.intent, first.confidence, first.ranking, first.language) == (
        "nlu_fallback",
        0.2,
        ranking,
        "en",
    )
    assert first.conversations == ["c_b:1", "c_a:3"] and first.status == "pending"
    assert (second.text, second.count, second.reasons) == ("hello", 1, {"low_confidence": 1})
    assert await redis.ttl(KEYS.inbox_seen("c_a")) > 0


async def test_status_links_and_the_bound_on_links(redis: Any) -> None:
    inbox = InboxStore(redis, KEYS, seen_ttl=60)
    for n in range(REFS_KEPT + 5):
        await inbox.record(seen("same", f"c_{n}", 1))
    (only,) = await inbox.items()
    assert only.count == REFS_KEPT + 5 and len(only.conversations) == REFS_KEPT
    assert await inbox.set_status(only.id, "labelled", {"intent": "greet"})
    labelled = await inbox.get(only.id)
    assert labelled is not None and labelled.status == "labelled"
    assert labelled.annotation == {"intent": "greet"}
    assert not await inbox.set_status("i_missing", "ignored")
    assert await inbox.get("i_missing") is None


async def test_a_pick_labels_only_a_clarified_message_and_only_once(redis: Any) -> None:
    inbox = InboxStore(redis, KEYS, seen_ttl=60)
    assert await inbox.record(seen("where is it", "c_a", 3, reason="clarified"))
    assert await inbox.record(seen("where is it", "c_b", 1, reason="low_confidence"))
    assert await inbox.pick("c_a", 3, "Where is it?", "faq/order_tracking")
    assert not await inbox.pick("c_a", 3, "Where is it?", "faq/order_tracking")  # reported again
    assert not await inbox.pick("c_b", 1, "where is it", "greet")  # c_b's was not clarified
    assert not await inbox.pick("c_a", 9, "never seen", "greet")
    (item,) = await inbox.items()
    assert item.picked == {"faq/order_tracking": 1}
    assert item.wire()["picked"] == {"faq/order_tracking": 1}
