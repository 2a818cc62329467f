"""The outbox on a real Redis: batching per conversation, one sender per entry, leases that run
out when a sender dies, outcomes only from the lease holder, threading."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.store.outbox import Outbox
from tests.handoff.integration.store.conftest import KEYS

pytestmark = pytest.mark.asyncio
CONV = "c_AAAAAAAAAAAAAAAAAAAAAA"


def outbox(redis: Any) -> Outbox:
    return Outbox(redis, KEYS, retention_seconds=86400, lease_seconds=60)


async def reply(box: Outbox, seq: int, now: float, *, not_before: float = 0.0) -> tuple[str, bool]:
    return await box.queue_reply(
        CONV,
        to="sam@example.org",
        language="en",
        seq=seq,
        now=now,
        batch=10,
        not_before=not_before,
        domain="reply.example",
    )


async def test_quick_replies_join_one_batch_due_after_the_last(redis: Any) -> None:
    box = outbox(redis)
    first, new = await reply(box, 3, now=100.0)
    assert new
    assert await reply(box, 4, now=104.0) == (first, False)
    assert await reply(box, 5, now=108.0) == (first, False)
    assert await box.due(117.9) == []
    assert await box.due(118.0) == [first]
    entry = await box.get(first)
    assert entry is not None and (entry.from_seq, entry.to_seq) == (3, 5)
    assert await reply(box, 4, now=109.0) == ("", False)  # a resend: queued once
    await reply(box, 2, now=110.0)  # another tab's message, enqueued late: the span grows
    entry = await box.get(first)
    assert entry is not None and (entry.from_seq, entry.to_seq) == (2, 5)
    assert entry.message_id == f"<{first}.{CONV}@reply.example>"


async def test_a_steady_flow_still_goes_out_and_a_claimed_batch_takes_no_more(redis: Any) -> None:
    box = outbox(redis)
    first, _ = await reply(box, 1, now=100.0)
    for i in range(2, 12):  # a reply every 8 s keeps the window open...
        await reply(box, i, now=100.0 + 8 * (i - 1))
    assert await box.due(160.0) == [first]  # ...but at most six windows after the first
    assert await box.claim(first, now=160.0, token="a") is not None
    later, new = await reply(box, 12, now=161.0)
    assert new and later != first  # the claimed one is being sent: a new email starts


async def test_not_before_holds_an_away_batch(redis: Any) -> None:
    box = outbox(redis)
    entry_id, _ = await reply(box, 1, now=100.0, not_before=200.0)
    assert await box.due(199.0) == []
    assert await box.due(200.0) == [entry_id]


async def test_one_claim_per_entry_and_only_the_holder_records_the_outcome(redis: Any) -> None:
    one, two = outbox(redis), outbox(redis)
    entry_id, _ = await reply(one, 1, now=100.0)
    claimed = await one.claim(entry_id, now=110.0, token="r1")
    assert claimed is not None and claimed.status == "sending" and claimed.tries == 1
    assert await two.claim(entry_id, now=110.0, token="r2") is None
    assert not await two.finish(claimed, token="r2", status="sent", now=111.0)
    assert await one.finish(claimed, token="r1", status="sent", now=111.0)
    assert await one.due(10_000.0) == []
    done = await one.get(entry_id)
    assert done is not None and done.status == "sent"
    assert await one.thread(CONV) == [claimed.message_id]


async def test_a_dead_senders_lease_runs_out_and_the_retry_keeps_the_message_id(
    redis: Any,
) -> None:
    box = outbox(redis)
    entry_id, _ = await reply(box, 1, now=100.0)
    lost = await box.claim(entry_id, now=110.0, token="dead")
    assert lost is not None
    assert await box.claim(entry_id, now=169.0, token="next") is None  # lease still running
    again = await box.claim(entry_id, now=170.0, token="next")
    assert again is not None and again.tries == 2 and again.message_id == lost.message_id
    assert not await box.finish(lost, token="dead", status="sent", now=171.0)


async def test_retrying_is_due_again_later_and_failed_never(redis: Any) -> None:
    box = outbox(redis)
    entry_id, _ = await reply(box, 1, now=100.0)
    claimed = await box.claim(entry_id, now=110.0, token="a")
    assert claimed is not None
    await box.finish(
        claimed, token="a", status="retrying", now=111.0, reason="451 later", retry_at=141.0
    )
    assert await box.due(140.0) == [] and await box.due(141.0) == [entry_id]
    entry = await box.get(entry_id)
    assert entry is not None and (entry.status, entry.reason) == ("retrying", "451 later")
    claimed = await box.claim(entry_id, now=141.0, token="b")
    assert claimed is not None
    await box.finish(claimed, token="b", status="failed", now=142.0, reason="550 no")
    assert await box.due(10_000.0) == []
    (listed,) = await box.of_conversation(CONV)
    assert listed.info()["status"] == "failed" and listed.info()["tries"] == 2


async def test_transcripts_are_due_at_once_and_unsubscribing_is_remembered(redis: Any) -> None:
    box = outbox(redis)
    entry_id = await box.queue_transcript(
        CONV, to="sam@example.org", language="de", seq=9, now=100.0, domain="reply.example"
    )
    assert await box.due(100.0) == [entry_id]
    entry = await box.get(entry_id)
    assert entry is not None and (entry.kind, entry.from_seq, entry.to_seq) == ("transcript", 1, 9)
    assert not await box.stopped(CONV)
    await box.stop(CONV)
    assert await box.stopped(CONV)


async def test_a_follow_up_is_queued_once_per_follow_up(redis: Any) -> None:
    box = outbox(redis)
    first, new = await box.queue_followup(
        CONV, to="sam@example.org", language="de", due=500.0, now=600.0, domain="reply.example"
    )
    assert new and await box.due(600.0) == [first]
    # Another replica, or this one after a crash, queues the same follow-up: nothing is added.
    again = await box.queue_followup(
        CONV, to="sam@example.org", language="de", due=500.0, now=601.0, domain="reply.example"
    )
    assert again == (first, False)
    assert [e.id for e in await box.of_conversation(CONV)] == [first]
    entry = await box.claim(first, now=600.0, token="r1:1")
    assert entry is not None and (entry.kind, entry.language) == ("followup", "de")
    assert entry.info()["kind"] == "followup"
    await box.finish(entry, token="r1:1", status="sent", now=601.0)
    assert (await box.queue_followup(
        CONV, to="sam@example.org", language="de", due=500.0, now=700.0, domain="reply.example"
    ))[1] is False  # fmt: skip
    assert await box.due(10_000.0) == []
    # The conversation reopened and closed again: its next follow-up is a new email.
    later, new = await box.queue_followup(
        CONV, to="sam@example.org", language="de", due=900.0, now=900.0, domain="reply.example"
    )
    assert new and later != first
