"""Conversations on Redis: start, append (dedup, state checks), transitions, bot turns, reads."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from handoff.domain.entries import encode
from handoff.domain.ownership import Action
from handoff.protocol.types import Button
from handoff.store import pool
from handoff.store.bot_lease import BotLease, LeaseOffer
from handoff.store.conversations import ConversationStore, NotReplicated
from handoff.store.limits import BucketRef
from tests.handoff.integration.store.conftest import KEYS, Clock
from tests.support.faults import frozen
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.asyncio


async def started(redis: Any, clock: Clock | None = None) -> tuple[ConversationStore, str]:
    store = ConversationStore(redis, KEYS, retention_seconds=3600, clock=clock or Clock())
    conversation_id = await store.start("u_1", expected_current="", day_key=KEYS.stats_day("d"))
    return store, conversation_id


async def test_a_customer_has_one_current_conversation(redis: Any) -> None:
    store, first = await started(redis)
    assert await store.current("u_1") == first
    # Another tab racing to start one gets the same conversation.
    assert await store.start("u_1", expected_current="", day_key=KEYS.stats_day("d")) == first
    second = await store.start("u_1", expected_current=first, day_key=KEYS.stats_day("d"))
    assert second != first and await store.customer_conversations("u_1") == [first, second]
    conversation = await store.get(second)
    assert conversation is not None and conversation["state"] == "bot"
    assert conversation["created_at"] == repr(Clock().now)


async def test_appends_get_seqs_and_are_stored_once(redis: Any) -> None:
    clock = Clock()
    store, cid = await started(redis, clock)
    first = await store.append(cid, encode(author="customer", text="hi"), cmid="m1", for_bot=True)
    again = await store.append(cid, encode(author="customer", text="hi"), cmid="m1", for_bot=True)
    assert (first.status, first.seq, first.ts) == ("ok", 1, clock.now)
    assert (again.status, again.seq) == ("dup", 1)
    refused = await store.append(cid, encode(author="agent", text="x"), allowed=("agent",))
    assert refused.status == "state" and refused.state == "bot"
    assert (await store.append("c_missing", encode(author="customer", text="x"))).status == (
        "missing"
    )
    entries, more = await store.read_log(cid)
    assert [e["text"] for e in entries] == ["hi"] and not more
    assert await store.fields(cid, "customer_seq", "nothing") == ["1", None]


async def test_conversation_fields_are_set_with_the_entry_and_only_with_it(redis: Any) -> None:
    store, cid = await started(redis)
    address = {"client_address": "203.0.113.7"}
    said = encode(author="customer", text="hi")
    bucket = BucketRef(KEYS.limit("t", "u_1"), burst=1, per_second=0.001)
    first = await store.append(
        cid,
        said,
        cmid="m1",
        for_bot=True,
        lease=LeaseOffer("t1", 5000),
        bucket=bucket,
        conversation_fields=address,
    )
    # The bot's first work, taken in the same step, already carries them.
    assert first.status == "ok" and first.taken is not None
    assert first.taken.work.conversation["client_address"] == "203.0.113.7"
    assert first.taken.work.message["text"] == "hi"
    assert await store.fields(cid, "client_address", "customer_seq") == ["203.0.113.7", "1"]
    # Nothing is noted by an append that stores nothing: a resend, a refusal, an empty bucket.
    elsewhere = {"client_address": "198.51.100.2"}
    again = await store.append(cid, said, cmid="m1", conversation_fields=elsewhere)
    refused = await store.append(cid, said, allowed=("agent",), conversation_fields=elsewhere)
    limited = await store.append(cid, said, bucket=bucket, conversation_fields=elsewhere)
    assert (again.status, refused.status, limited.status) == ("dup", "state", "limited")
    assert await store.fields(cid, "client_address") == ["203.0.113.7"]
    # Several fields at once, after the buckets (their arguments come first).
    contact = {"contact_email": "ana@example.org", "contact_name": "Ana", "preview": "hello"}
    other = BucketRef(KEYS.limit("t", "u_2"), burst=5, per_second=1.0)
    later = await store.append(cid, said, bucket=other, conversation_fields=contact)
    entries, _ = await store.read_log(cid)
    assert later.status == "ok" and [e["text"] for e in entries] == ["hi", "hi"]
    assert entries[-1]["author"] == "customer" and "contact_email" not in entries[-1]
    assert await store.fields(cid, *contact) == list(contact.values())


async def test_an_agents_append_returns_the_customer_message_it_answers(redis: Any) -> None:
    store, cid = await started(redis)
    asked = await store.append(cid, encode(author="customer", text="Where is my parcel?"))
    reply = encode(author="agent", text="On its way", agent_id="a_1", client_msg_id="r1")
    answer = await store.append(cid, reply, cmid="r1", answers=True)
    assert answer.ok and answer.answered is not None
    assert answer.answered["seq"] == asked.seq and answer.answered["author"] == "customer"
    assert answer.answered["text"] == "Where is my parcel?"
    # The same entry the log holds, as read_entry decodes it.
    assert answer.answered == await store.read_entry(cid, asked.seq)
    # A second agent message answers nothing new; nor does a reply after a system entry.
    follow_up = await store.append(cid, encode(author="agent", text="Today"), answers=True)
    assert follow_up.ok and follow_up.answered is None
    await store.append(cid, encode(author="customer", text="Thanks?"))
    await store.append(cid, encode(author="system", text="note", event="note"))
    after_system = await store.append(cid, encode(author="agent", text="Bye"), answers=True)
    assert after_system.ok and after_system.answered is None
    # Not asked for, not read; a resend answers nothing either (its first attempt did).
    await store.append(cid, encode(author="customer", text="And returns?"))
    unasked = await store.append(cid, encode(author="agent", text="Free"))
    resent = await store.append(cid, reply, cmid="r1", answers=True)
    assert unasked.answered is None and resent.status == "dup" and resent.answered is None


async def test_transitions_follow_the_rules_atomically(redis: Any) -> None:
    store, cid = await started(redis)
    handed = await store.transition(
        cid,
        Action.HANDOFF,
        queue_score=5.0,
        fields={"reason": "requested"},
        entry=encode(author="system", text="queued", event="queued"),
        handoff_reason="requested",
    )
    assert handed.ok and handed.previous_state == "bot" and handed.seq == 1
    assert await store.queue() == [(cid, 5.0)] and await store.queue_position(cid) == 1
    assert await store.queued_before(6.0) == [cid] and await store.queued_before(4.0) == []
    claim = await store.transition(
        cid, Action.CLAIM, new_owner="a_1", new_owner_name="Ana", capacity=1
    )
    late = await store.transition(
        cid, Action.CLAIM, new_owner="a_2", new_owner_name="Ben", capacity=1
    )
    assert claim.ok and late.status == "state" and late.owner_name == "Ana"
    assert await store.queue_position(cid) is None
    stranger = await store.transition(cid, Action.CLOSE, actor="a_2")
    assert stranger.status == "owner"
    closed = await store.transition(cid, Action.CLOSE, actor="a_1", fields={"resolution": "ok"})
    assert closed.ok and (await store.fields(cid, "state", "owner")) == ["closed", ""]


async def test_a_bot_turn_is_dropped_once_the_version_moved(redis: Any) -> None:
    store, cid = await started(redis)
    await store.append(cid, encode(author="customer", text="hi"), for_bot=True)
    lease = BotLease(redis, KEYS, lease_ms=5000)
    assert (await lease.take(cid, "t1", renew=False)).status == "work"
    committed = await store.commit_bot_turn(
        cid,
        version=1,
        processed_seq=1,
        entries=[encode(author="bot", text="hello")],
        lease_token="t1",
        taken_bot_seq=0,
    )
    assert committed is not None and committed.seqs == [2]
    await store.transition(cid, Action.HANDOFF)
    stale = await store.commit_bot_turn(
        cid,
        version=1,
        processed_seq=1,
        entries=[encode(author="bot", text="late")],
        lease_token="t1",
        taken_bot_seq=1,
    )
    assert stale is None
    assert [e["text"] for e in await store.read_whole_log(cid)] == ["hi", "hello"]


async def test_a_bot_turn_with_buttons_notes_where_they_were_offered(redis: Any) -> None:
    store, cid = await started(redis)
    lease = BotLease(redis, KEYS, lease_ms=5000)
    offer: list[Button] = [{"title": "Track it", "payload": "/track"}]

    async def turn(n: int, *entries: list[str]) -> list[int]:
        await store.append(cid, encode(author="customer", text=f"hi {n}"), for_bot=True)
        taken = await lease.take(cid, "t1", renew=False)
        assert taken.status == "work"
        committed = await store.commit_bot_turn(
            cid,
            version=1,
            processed_seq=int(taken.message["seq"]),
            entries=list(entries),
            lease_token="t1",
            taken_bot_seq=int(taken.conversation.get("bot_seq") or 0),
            take_next_ms=5000,
        )
        assert committed is not None
        return committed.seqs

    await turn(1, encode(author="bot", text="hello"))
    assert await store.fields(cid, "buttons_seq") == [None]
    seqs = await turn(
        2,
        encode(author="bot", text="Did you mean"),
        encode(author="bot", text="one of these?", buttons=offer),
    )
    assert await store.fields(cid, "buttons_seq") == [str(seqs[1])]
    # A later turn without buttons (a value that reads "buttons" is no field) leaves the seq.
    await turn(3, encode(author="bot", text="buttons", custom={"text": "buttons"}))
    assert await store.fields(cid, "buttons_seq") == [str(seqs[1])]


async def test_a_replica_that_outlived_its_lease_cannot_answer_a_second_time(redis: Any) -> None:
    """Issue 10: replica X took message 1 and stalled past its lease; replica Y took the lease
    over and answered it. X's answer (same version, same state) must not be stored."""
    store, cid = await started(redis)
    await store.append(cid, encode(author="customer", text="hi"), for_bot=True)
    lease = BotLease(redis, KEYS, lease_ms=50)
    stalled = await lease.take(cid, "x", renew=False)
    assert stalled.status == "work"
    await asyncio.sleep(0.1)  # X's lease runs out (a real PX expiry)
    assert not await redis.exists(KEYS.bot_lock(cid))
    taken = await lease.take(cid, "y", renew=False)
    assert taken.status == "work" and taken.message["seq"] == "1"
    answered = await store.commit_bot_turn(
        cid,
        version=1,
        processed_seq=1,
        entries=[encode(author="bot", text="from Y")],
        lease_token="y",
        taken_bot_seq=0,
    )
    assert answered is not None
    late = await store.commit_bot_turn(
        cid,
        version=1,
        processed_seq=1,
        entries=[encode(author="bot", text="from X")],
        lease_token="x",
        taken_bot_seq=int(stalled.conversation["bot_seq"]),
    )
    assert late is None
    # Y released and nobody holds the lease: X is still fenced, by bot_seq.
    await lease.release(cid, "y")
    await redis.set(KEYS.bot_lock(cid), "x")  # even were X to win the lease back by chance
    again = await store.commit_bot_turn(
        cid,
        version=1,
        processed_seq=1,
        entries=[encode(author="bot", text="from X")],
        lease_token="x",
        taken_bot_seq=0,
    )
    assert again is None
    assert [e["text"] for e in await store.read_whole_log(cid)] == ["hi", "from Y"]


async def test_ratings_notes_and_expiry(redis: Any) -> None:
    store, cid = await started(redis)
    assert await store.rate(cid, 5, "great") and not await store.rate(cid, 1, "")
    assert await store.fields(cid, "csat", "csat_comment") == ["5", "great"]
    note = await store.add_note(cid, {"id": "a_1", "name": "Ana"}, "call back", "n1")
    assert note["text"] == "call back" and note["client_msg_id"] == "n1"
    assert await store.read_notes(cid) == [note]
    await store.set_fields(cid, {"preview": "hi"})
    await store.expire(cid)
    assert 0 < await redis.ttl(KEYS.conversation(cid)) <= 3600
    assert await store.get_many([cid, "c_gone"]) == [await store.get(cid)]


CONFIRM_MS = 10_000  # WAIT's timeout where the replica is expected to confirm


def replicated(replica: RedisServer) -> None:
    """Until the replica has finished its first sync with the primary."""
    deadline = time.monotonic() + 10
    with replica.client() as client:
        while client.info("replication").get("master_link_status") != "up":
            assert time.monotonic() < deadline, "the replica never synced"
            time.sleep(0.05)


async def test_with_wait_an_append_is_acknowledged_only_once_a_replica_holds_it(
    tmp_path: Path,
) -> None:
    """TANDEM_REDIS_WAIT_REPLICAS (issue 10 item 13): an acknowledged append is on the replica;
    one the replica did not confirm raises, and so does its resend while the replica is still
    behind, even from a connection that never wrote (WAIT counts that connection's writes)."""
    quick = ["--repl-diskless-sync-delay", "0"]  # the first sync at once, not after 5 s
    primary = RedisServer(tmp_path / "primary", extra_args=quick).start()
    replica = RedisServer(
        tmp_path / "replica", extra_args=[*quick, "--replicaof", "127.0.0.1", str(primary.port)]
    ).start()
    clients = [pool.connect(primary.url, decode_responses=True) for _ in range(2)]
    try:
        replicated(replica)
        store, cid = await started(clients[0])
        # A generous timeout where the replica is live (a loaded machine may take a while to
        # confirm), a short one where it is frozen and the timeout is the point.
        store.wait_replicas, store.wait_timeout_ms = 1, CONFIRM_MS
        text = encode(author="customer", text="hi")
        assert (await store.append(cid, text, cmid="m1")).status == "ok"
        with replica.client() as client:
            assert client.xlen(KEYS.log(cid)) == 1  # on the replica before the ack
        with frozen(replica.process):
            store.wait_timeout_ms = 100
            with pytest.raises(NotReplicated):
                await store.append(cid, encode(author="customer", text="two"), cmid="m2")
            # The client resends through another replica of the service: a fresh connection.
            other = ConversationStore(
                clients[1], KEYS, retention_seconds=3600, wait_replicas=1, wait_timeout_ms=100
            )
            with pytest.raises(NotReplicated):
                await other.append(cid, encode(author="customer", text="two"), cmid="m2")
        other.wait_timeout_ms = CONFIRM_MS
        again = await other.append(cid, encode(author="customer", text="two"), cmid="m2")
        assert (again.status, again.seq) == ("dup", 2)  # stored once, confirmed now
        with replica.client() as client:
            assert client.xlen(KEYS.log(cid)) == 2
        # Without WAIT nothing changes: no replica is asked.
        store.wait_replicas = 0
        with frozen(replica.process):
            assert (await store.append(cid, text, cmid="m3")).status == "ok"
    finally:
        for client in clients:
            await client.aclose()
        replica.stop()
        primary.stop()
