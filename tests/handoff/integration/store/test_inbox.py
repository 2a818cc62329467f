"""Inbox items on Redis: one per normalised text, each message counted once (once per reason)."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.domain.inbox import Sighting
from handoff.store.inbox import REFS_KEPT, InboxStore
from tests.handoff.integration.store.conftest import KEYS, Clock

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


async def test_the_inbox_forgets_old_items_and_keeps_within_its_cap(redis: Any) -> None:
    day = 86400.0
    clock = Clock(1000.0)
    inbox = InboxStore(redis, KEYS, seen_ttl=int(90 * day), max_items=3, clock=clock)
    assert await inbox.record(seen("seen long ago", "c_old", 1))  # at ts 1001
    clock.now = 1001.0 + 90 * day + 1
    assert await inbox.trim(clock.now) == 1  # nobody wrote it for 90 days
    assert await inbox.items() == []
    # Fresh sightings: "common" three times, "rare" once, "done" and "skip" resolved.
    now = clock.now
    for n, conversation in enumerate(["c_1", "c_2", "c_3"]):
        assert await inbox.record(Sighting("common", "fallback", conversation, 1, ts=now + n))
    for text, conversation in (("rare", "c_4"), ("done", "c_5"), ("skip", "c_6"), ("new", "c_7")):
        assert await inbox.record(Sighting(text, "fallback", conversation, 1, ts=now + 9))
    ids = {item.text: item.id for item in await inbox.items()}
    clock.now = now + 10
    assert await inbox.set_status(ids["skip"], "ignored")
    clock.now = now + 11
    assert await inbox.set_status(ids["done"], "saved")
    assert await inbox.set_status(ids["new"], "labelled")  # not resolved: kept like pending
    # Five items, room for three: the two resolved go (the older first), nothing else.
    assert await inbox.trim(clock.now) == 2
    assert sorted(item.text for item in await inbox.items()) == ["common", "new", "rare"]
    # Over the cap again with nothing resolved: the least frequent goes.
    assert await inbox.record(Sighting("another", "fallback", "c_8", 1, ts=now + 12))
    assert await inbox.record(Sighting("another", "fallback", "c_9", 1, ts=now + 12))
    assert await inbox.set_status(ids["new"], "pending")
    assert await inbox.record(Sighting("new", "fallback", "c_10", 1, ts=now + 12))
    assert await inbox.trim(clock.now) == 1
    assert sorted(item.text for item in await inbox.items()) == ["another", "common", "new"]
    # Nothing of a dropped item is left behind, and its text can come back as a new item.
    assert not await redis.exists(KEYS.inbox_item(ids["rare"]), KEYS.inbox_refs(ids["rare"]))
    assert await inbox.record(Sighting("rare", "fallback", "c_11", 1, ts=now + 13))
    assert (await inbox.get(ids["rare"])).count == 1  # type: ignore[union-attr]
