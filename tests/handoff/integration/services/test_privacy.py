"""Privacy on request against the real service and a real Redis: an admin finds a customer by
email, exports both of their conversations, erases them (a live one is closed and its agent
told), and no key of theirs is left, their email included (the transcript Ana sent them, its
outbox entry, thread and presence marks); the CLI does the same; contacts never reach the log.

Rasa here is the stand-in, so the bot's tracker is written where the bot keeps it: its event
log (``rasa:events:<conversation id>`` and ``rasa:session:<id>``, ``bot/event_log_store.py``),
a tracker Rasa's own store wrote before (``rasa:tracker:<id>``) and its lock (``rasa:lock:<id>``);
the end-to-end test erases a real Rasa's tracker."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from handoff.store import pool
from tests.support.clients import Agent, Customer
from tests.support.handoff_server import REPO, TEST_SECRET, HandoffServer
from tests.support.redis_server import RedisServer
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.asyncio
PREFIX = "privacy1:"
EMAIL = "sam.k@example.org"


@pytest.fixture(scope="module")
def sink() -> Iterator[SmtpSink]:
    """One receiver for the module: each test's server keeps running (and sending, on the same
    prefix) until the session ends, so a server's sink must outlive its test."""
    with SmtpSink() as receiver:
        yield receiver


@pytest.fixture
def server(start_server: Callable[..., HandoffServer], sink: SmtpSink) -> HandoffServer:
    return start_server(
        {
            "TANDEM_REDIS_PREFIX": PREFIX,
            "TANDEM_SMTP_URL": sink.url,
            "TANDEM_MAIL_FROM": "Shop Support <help@shop.example>",
            "TANDEM_MAIL_REPLY_DOMAIN": "reply.shop.example",
        }
    )


def admin_api(server: HandoffServer, token: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=f"{server.url}/api/admin", headers={"Authorization": f"Bearer {token}"}
    )


async def claim(agent: Agent, conversation_id: str) -> None:
    await agent.wait_for("queue_added", lambda p: p["item"]["conversation_id"] == conversation_id)
    assert (await agent.call("claim", {"conversation_id": conversation_id}))["ok"]


async def as_rasa_would(redis: Any, conversation_id: str) -> None:
    """The tracker and lock the bot's Redis stores keep for a sender (the conversation id)."""
    events = [{"event": "action", "name": "action_session_start"}, {"event": "user", "text": "hi"}]
    await redis.rpush(f"rasa:events:{conversation_id}", *[json.dumps(e) for e in events])
    await redis.set(f"rasa:session:{conversation_id}", "0")
    # What Rasa's own RedisTrackerStore stored: the Dialogue (sender id as "name", the events).
    tracker = {"name": conversation_id, "events": events}
    await redis.set(f"rasa:tracker:{conversation_id}", json.dumps(tracker))
    await redis.set(f"rasa:lock:{conversation_id}", "{}")


async def two_conversations(customer: Any, ana: Agent, server: HandoffServer) -> tuple[Any, ...]:
    """Sam's first conversation (triaged with an email, answered, sent to Sam by email as a
    transcript, noted, closed, rated) and a second one that Ana has right now."""
    sam: Customer = await customer(url=server.url)
    await sam.say("unsure where my parcel is")  # the bot fell back: an inbox sighting
    first = (await sam.say(f"triage orders late parcel, write to {EMAIL}"))["conversation_id"]
    await claim(ana, first)
    answer = {"conversation_id": first, "text": "Found your parcel", "client_msg_id": "a1"}
    assert (await ana.call("send_message", answer))["ok"]
    sent = await ana.call("send_transcript", {"conversation_id": first})
    assert sent["ok"], sent
    await ana.wait_for("email_status", lambda p: p["email"]["status"] == "sent")
    note = {"conversation_id": first, "text": "Sam called twice"}
    assert (await ana.call("add_note", note))["ok"]
    closing = {"conversation_id": first, "resolution": "resent", "tags": ["late"]}
    assert (await ana.call("close", closing))["ok"]
    await sam.wait_for("tandem_state", lambda p: p.get("state") == "closed")
    assert (await sam.call("tandem_csat", {"rating": 4, "comment": "thanks Ana"}))["ok"]
    second = (await sam.say("human again please"))["conversation_id"]
    assert second != first
    await claim(ana, second)
    return sam, first, second


async def leftovers(redis: Any, *ids: str) -> list[str]:
    """Keys naming any of the ids, inbox sightings pointing at them, and every email key (the
    outbox's entries name the conversation inside; nobody else here sends email)."""
    found = [k async for k in redis.scan_iter(count=1000) if any(i in k for i in ids)]
    found += [k async for k in redis.scan_iter(match=f"{PREFIX}mail:*", count=1000)]
    for index in ("mail:due", "followups", "followups:mail", "customers:seen"):
        found += [f"{index} -> {m}" for m in await redis.zrange(f"{PREFIX}{index}", 0, -1)]
    async for key in redis.scan_iter(match=f"{PREFIX}inbox:item:*:refs"):
        found += [f"{key} -> {r}" for r in await redis.lrange(key, 0, -1) if r.split(":")[0] in ids]
    return found


async def test_an_admin_exports_then_erases_a_customer_with_two_conversations(
    server: HandoffServer, agent: Any, customer: Any, redis: Any
) -> None:
    ana = await agent(url=server.url, prefix=PREFIX, name="Ana")
    boss = await agent(url=server.url, prefix=PREFIX, roles=["admin"], connect=False)
    sam, first, second = await two_conversations(customer, ana, server)
    for conversation_id in (first, second):
        await as_rasa_would(redis, conversation_id)
    assert await redis.exists(f"{PREFIX}inbox:seen:{first}")

    async with admin_api(server, boss.token) as http:
        found = (await http.post("/privacy/search", json={"email": EMAIL.upper()})).json()
        [overview] = found["customers"]
        customer_id = overview["customer_id"]
        assert {c["conversation_id"] for c in overview["conversations"]} == {first, second}
        by_conversation = await http.post("/privacy/search", json={"conversation": second})
        assert [c["customer_id"] for c in by_conversation.json()["customers"]] == [customer_id]

        exported = await http.get(f"/privacy/customers/{customer_id}/export")
        assert exported.status_code == 200
        assert "attachment" in exported.headers["content-disposition"]
        export = exported.json()
        assert export["customer_id"] == customer_id and export["customer"]["current"] == second
        conversations = {c["conversation"]["conversation_id"]: c for c in export["conversations"]}
        assert set(conversations) == {first, second}
        one = conversations[first]
        texts = [m["text"] for m in one["messages"]]
        assert (
            "Found your parcel" in texts and f"triage orders late parcel, write to {EMAIL}" in texts
        )
        assert [n["text"] for n in one["notes"]] == ["Sam called twice"]
        assert one["conversation"]["summary"]["contact_email"] == EMAIL
        assert (one["conversation"]["csat"], one["conversation"]["tags"]) == (4, ["late"])
        assert one["stored"]["csat_comment"] == "thanks Ana"
        assert one["bot_tracker"]["name"] == first and one["inbox_sightings"]
        assert [e["event"] for e in one["bot_tracker"]["events"]] == ["action", "user"]
        [email] = one["emails"]
        assert (email["kind"], email["status"], email["to"]) == ("transcript", "sent", EMAIL)
        assert email["subject"] == "Your chat transcript" and email["reason"] == ""
        assert email["queued_at"] <= email["updated_at"]
        assert conversations[second]["emails"] == []
        # Before the erase, the email and the presence marks are there to be erased.
        assert await redis.exists(f"{PREFIX}mail:entry:{email['id']}")
        assert await redis.exists(f"{PREFIX}mail:thread:{first}")
        assert await redis.zscore(f"{PREFIX}customers:seen", customer_id) is not None
        assert "human again please" in [m["text"] for m in conversations[second]["messages"]]

        unconfirmed = await http.post(f"/privacy/customers/{customer_id}/erase", json={})
        assert unconfirmed.status_code == 400 and await redis.exists(f"{PREFIX}conv:{first}")
        erased = await http.post(
            f"/privacy/customers/{customer_id}/erase", json={"confirm": customer_id}
        )
        assert erased.status_code == 200, erased.text
        assert erased.json()["conversations"] == 2 and erased.json()["closed_live"] == 1

        # The live conversation was closed first: its agent and the customer were told.
        gone = await ana.wait_for(
            "conversation_unassigned", lambda p: p["conversation_id"] == second
        )
        assert gone["reason"] == "erased"
        await sam.wait_for(
            "tandem_state", lambda p: p["conversation_id"] == second and p["state"] == "closed"
        )
        # Then the widget was disconnected: an open socket would mark the customer present again.
        await asyncio.wait_for(sam.sio.wait(), 10)
        assert await leftovers(redis, customer_id, first, second) == []
        for bot_key in ("events", "session", "tracker", "lock"):
            assert not await redis.exists(f"rasa:{bot_key}:{first}", f"rasa:{bot_key}:{second}")
        assert await redis.scard(f"{PREFIX}agent:{ana.id}:active") == 0
        assert (await http.post("/privacy/search", json={"email": EMAIL})).json() == {
            "customers": []
        }
        missing = await http.get(f"/privacy/customers/{customer_id}/export")
        assert missing.status_code == 404

        audit = (await http.get("/audit")).json()["entries"]
    done = [(e["actor"], e["action"], e["target"]) for e in reversed(audit)]
    assert (boss.username, "privacy.export", customer_id) in done
    assert (boss.username, "privacy.erase", customer_id) in done
    stream = json.dumps(audit)
    assert EMAIL not in stream and "Found your parcel" not in stream and "thanks Ana" not in stream
    # The search by email was logged, with the address masked by the service's log filter.
    log = await asyncio.to_thread(Path(server.log_path).read_text)
    assert "privacy search by" in log and "<email>" in log and EMAIL not in log


async def cli(redis_url: str, *args: str, bot_redis_url: str = "") -> tuple[int, str, str]:
    env = {
        **os.environ,
        "TANDEM_REDIS_URL": redis_url,
        "TANDEM_RASA_REDIS_URL": bot_redis_url,
        "TANDEM_REDIS_PREFIX": PREFIX,
        "TANDEM_SECRET": TEST_SECRET,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "handoff",
        "privacy",
        *args,
        cwd=REPO,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, out.decode(), err.decode()


async def test_the_cli_exports_and_erases_and_tells_the_live_agent(
    server: HandoffServer,
    agent: Any,
    customer: Any,
    redis: Any,
    clean_redis: RedisServer,
    tmp_path: Path,
) -> None:
    """Here Rasa keeps its stores on a Redis of its own (``TANDEM_RASA_REDIS_URL``): the CLI
    exports the tracker from there and erases it there."""
    ana = await agent(url=server.url, prefix=PREFIX, name="Ana")
    sam, first, second = await two_conversations(customer, ana, server)
    with RedisServer(tmp_path / "bot-redis") as bots:
        bot_redis = pool.connect(bots.url, decode_responses=True)
        try:
            await as_rasa_would(bot_redis, second)
            out = tmp_path / "sam.json"
            code, _, err = await cli(
                clean_redis.url, "export", "--conversation", first, "--by", "dpo",
                "--out", str(out), bot_redis_url=bots.url,
            )  # fmt: skip
            assert code == 0, err
            export = json.loads(await asyncio.to_thread(out.read_text))
            customer_id = export["customer_id"]
            exported = export["conversations"]
            conversations = {c["conversation"]["conversation_id"]: c for c in exported}
            assert set(conversations) == {first, second}
            assert conversations[second]["bot_tracker"]["name"] == second
            code, _, err = await cli(
                clean_redis.url, "erase", "--email", EMAIL, "--by", "dpo", "--yes",
                bot_redis_url=bots.url,
            )  # fmt: skip
            assert code == 0, err
            assert [k async for k in bot_redis.scan_iter(match="rasa:*")] == []
        finally:
            await bot_redis.aclose()
    gone = await ana.wait_for("conversation_unassigned", lambda p: p["conversation_id"] == second)
    assert gone["reason"] == "erased"
    assert await leftovers(redis, customer_id, first, second) == []
    audit = await redis.xrange(f"{PREFIX}audit")
    assert [(f["actor"], f["action"]) for _, f in audit if f["action"] != "privacy.search"] == [
        ("cli:dpo", "privacy.export"),
        ("cli:dpo", "privacy.erase"),
    ]
    code, _, err = await cli(clean_redis.url, "export", "--customer", customer_id)
    assert code == 1 and "no such customer" in err
