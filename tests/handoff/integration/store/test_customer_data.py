"""One customer's keys on a real Redis: found by conversation and by email, erased without
touching anyone else's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from handoff.store.customer_data import (
    CustomerData,
    bot_keys,
    bot_redis_client,
    conversation_keys,
)
from handoff.store.customer_seen import CustomerSeen
from handoff.store.mail_in import MailSeen
from handoff.store.outbox import Outbox
from tests.handoff.integration.store.conftest import KEYS
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.asyncio
SAM, OTHER = "u_" + "a" * 24, "u_" + "b" * 24


async def conversation(redis: Any, cid: str, customer: str, **fields: str) -> None:
    await redis.hset(KEYS.conversation(cid), mapping={"id": cid, "customer": customer, **fields})
    await redis.xadd(KEYS.log(cid), {"seq": "1", "text": "hello"}, id="1-0")
    await redis.rpush(KEYS.customer_conversations(customer), cid)
    await redis.hset(KEYS.customer(customer), mapping={"current": cid})
    await redis.rpush(KEYS.rasa_events(cid), '{"event": "action", "name": "action_listen"}')
    await redis.set(KEYS.rasa_session(cid), "0")
    await redis.set(KEYS.rasa_tracker(cid), "{}")  # as Rasa's own store wrote trackers


async def test_found_by_conversation_and_email_then_erased_alone(redis: Any) -> None:
    data = CustomerData(redis, KEYS)
    summary = json.dumps({"contact_email": "Sam@Example.org"})
    await conversation(redis, "c_sam1", SAM, summary=summary, owner="a_1", state="closed")
    await conversation(redis, "c_sam2", SAM, contact_email="sam@example.org", state="queued")
    await conversation(redis, "c_other", OTHER, contact_email="other@example.org")
    await redis.zadd(KEYS.queue, {"c_sam2": 1, "c_other": 2})
    await redis.sadd(KEYS.agent_active("a_1"), "c_sam1", "c_other")
    await redis.rpush(KEYS.inbox_refs("i1"), "c_sam1:2", "c_other:3")
    await redis.zadd(KEYS.inbox_items, {"i1": 2})
    await redis.hset(KEYS.limit("customer", SAM), mapping={"t": "1"})

    assert await data.customer_of("c_sam2") == SAM and await data.known(SAM)
    assert await data.customers_with_email(" SAM@example.org ") == [SAM]
    assert await data.inbox_sightings(["c_sam1", "c_sam2"]) == {"i1": ["c_sam1:2"]}
    assert await data.erase(SAM, ["c_sam1", "c_sam2"]) > 0

    for cid in ("c_sam1", "c_sam2"):
        assert not await redis.exists(*conversation_keys(KEYS, cid), *bot_keys(KEYS, cid))
    assert not await redis.exists(KEYS.customer(SAM), KEYS.limit("customer", SAM))
    assert await redis.zrange(KEYS.queue, 0, -1) == ["c_other"]
    assert await redis.smembers(KEYS.agent_active("a_1")) == {"c_other"}
    assert await redis.lrange(KEYS.inbox_refs("i1"), 0, -1) == ["c_other:3"]
    assert await data.customers_with_email("other@example.org") == [OTHER]
    assert await redis.exists(KEYS.rasa_events("c_other"), KEYS.rasa_tracker("c_other")) == 2


async def test_the_bots_tracker_is_read_from_its_event_log_or_rasas_own_key(redis: Any) -> None:
    data = CustomerData(redis, KEYS)
    events = [{"event": "action", "name": "action_listen"}, {"event": "user", "text": "hi"}]
    await redis.rpush(KEYS.rasa_events("c_log"), *[json.dumps(e) for e in events])
    await redis.set(KEYS.rasa_tracker("c_old"), json.dumps({"name": "c_old", "events": events}))
    assert await data.bot_tracker("c_log") == {"name": "c_log", "events": events}
    assert await data.bot_tracker("c_old") == {"name": "c_old", "events": events}
    assert await data.bot_tracker("c_none") is None


async def test_the_erase_takes_the_customers_email_and_presence_and_no_one_elses(
    redis: Any,
) -> None:
    """Every email-out and follow-up key of Sam's: the outbox entries (also those beyond the
    conversation's list of the latest 50) and their places in ``mail:due``, the open batch, the
    thread, the unsubscribe mark, the follow-ups due, the landed Message-IDs, the presence."""
    data = CustomerData(redis, KEYS)
    box = Outbox(redis, KEYS, retention_seconds=86400, lease_seconds=60)
    seen = CustomerSeen(redis, KEYS, replica="r1")
    sam1, other = "c_" + "S" * 22, "c_" + "O" * 22
    await conversation(redis, sam1, SAM, contact_email="sam@example.org", state="closed")
    await conversation(redis, other, OTHER, contact_email="other@example.org", state="closed")
    for cid in (sam1, other):
        reply, _ = await box.queue_reply(
            cid, to="x@example.org", language="en", seq=2, now=100.0, batch=10,
            not_before=0, domain="reply.example",
        )  # fmt: skip
        entry = await box.claim(reply, now=200.0, token="t")
        assert entry is not None
        await box.finish(entry, token="t", status="sent", now=201.0)
        await box.queue_followup(
            cid, to="x@example.org", language="en", due=300.0, now=300.0, domain="reply.example"
        )
        await box.queue_reply(
            cid, to="x@example.org", language="en", seq=3, now=400.0, batch=10,
            not_before=0, domain="reply.example",
        )  # fmt: skip
        await box.stop(cid)
        await redis.zadd(KEYS.followups, {cid: 500.0})
        await redis.zadd(KEYS.followups_mail, {cid: 500.0})
        await MailSeen(redis, KEYS, ttl_seconds=86400).remember(f"<in.{cid}@mail>", cid, 4)
    await redis.delete(KEYS.mail_conversation(sam1))  # as if trimmed away: found all the same
    for customer_id in (SAM, OTHER):
        await seen.connect(customer_id, f"sid-{customer_id}", now=100.0)

    exported = await data.mail_entries([sam1])
    assert sorted(f["kind"] for f in exported[sam1]) == ["followup", "reply", "reply"]
    assert await data.socket_ids(SAM) == [f"sid-{SAM}"]
    await data.erase(SAM, [sam1])

    left = [k async for k in redis.scan_iter(match="t:*")]
    assert not [k for k in left if sam1 in k or SAM in k]
    mine = {f["id"] for f in exported[sam1]}
    assert not mine & {k.rpartition(":")[2] for k in left}
    assert not mine & set(await redis.zrange(KEYS.mail_due, 0, -1))
    for index in (KEYS.followups, KEYS.followups_mail):
        assert await redis.zrange(index, 0, -1) == [other]
    assert await redis.zrange(KEYS.customers_seen, 0, -1) == [OTHER]
    assert await MailSeen(redis, KEYS, ttl_seconds=1).landed_as(f"<in.{sam1}@mail>") is None
    # The other customer's email is all there.
    assert len(await box.of_conversation(other)) == 3 and await box.stopped(other)
    assert await box.thread(other) and await redis.exists(KEYS.mail_open(other))
    assert await MailSeen(redis, KEYS, ttl_seconds=1).landed_as(f"<in.{other}@mail>")
    # A socket of Sam's that disconnects after the erase does not mark Sam seen again.
    await seen.disconnect(SAM, f"sid-{SAM}", now=600.0)
    assert await redis.zrange(KEYS.customers_seen, 0, -1) == [OTHER]
    # Nor does a renewal already on its way when the erase ran (the CLI's erase asks the
    # replicas to drop Sam's sockets, and one may renew them meanwhile).
    await seen.renew([(SAM, f"sid-{SAM}")], now=601.0)
    assert await redis.zrange(KEYS.customers_seen, 0, -1) == [OTHER]


async def test_the_bots_keys_on_a_redis_of_its_own_are_read_and_erased_there(
    redis: Any, tmp_path: Path
) -> None:
    """``TANDEM_RASA_REDIS_URL``: the tracker is exported from the bot's Redis and erased there,
    first; the service's Redis holds none of the bot's keys and loses only Sam's."""
    with RedisServer(tmp_path / "bot-redis") as bots:
        bot_redis = bot_redis_client(bots.url, "redis://127.0.0.1:1/0")
        data = CustomerData(redis, KEYS, bot_redis=bot_redis)
        try:
            await conversation(redis, "c_sam", SAM, state="closed")
            await conversation(redis, "c_other", OTHER, state="closed")
            for cid in ("c_sam", "c_other"):
                await redis.delete(*bot_keys(KEYS, cid))  # written where the bot keeps them:
                await bot_redis.rpush(KEYS.rasa_events(cid), '{"event": "user", "text": "hi"}')
                await bot_redis.set(KEYS.rasa_lock(cid), "{}")
            assert await data.bot_tracker("c_sam") == {
                "name": "c_sam",
                "events": [{"event": "user", "text": "hi"}],
            }
            # The bot's two keys, the conversation's hash and log, the customer's hash and list.
            assert await data.erase(SAM, ["c_sam"]) == 2 + 2 + 2
            assert not await bot_redis.exists(*bot_keys(KEYS, "c_sam"))
            assert not await redis.exists(*conversation_keys(KEYS, "c_sam"))
            assert await bot_redis.exists(KEYS.rasa_events("c_other"), KEYS.rasa_lock("c_other"))
            assert await redis.exists(KEYS.conversation("c_other"))
            assert [k async for k in redis.scan_iter(match="rasa:*")] == []
        finally:
            await data.close()
        assert await redis.ping()  # the service's client is not the store's to close


async def test_one_redis_for_both_needs_no_second_client(redis: Any) -> None:
    url = "redis://127.0.0.1:6379/0"
    assert bot_redis_client("", url) is None and bot_redis_client(url, url) is None
    data = CustomerData(redis, KEYS)
    await data.close()
    assert await redis.ping()  # shared: closing the store leaves the service's client alone


async def test_a_customer_who_never_wrote_is_erased_and_odd_records_do_not_stop_a_search(
    redis: Any,
) -> None:
    """A customer with a record but no conversation (connected, never wrote) is erased all the
    same; a summary or a tracker that is not JSON is skipped or exported as text, not an error."""
    data = CustomerData(redis, KEYS)
    await redis.hset(KEYS.customer(SAM), mapping={"created_at": "1"})
    assert await data.erase(SAM, []) == 1 and not await data.known(SAM)
    await redis.hset(KEYS.conversation("c_odd"), mapping={"customer": OTHER, "summary": "{oops"})
    assert await data.customers_with_email("sam@example.org") == []
    await redis.set(KEYS.rasa_tracker("c_odd"), "not json")
    assert await data.bot_tracker("c_odd") == "not json"
