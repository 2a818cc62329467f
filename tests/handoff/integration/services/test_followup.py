"""Follow-up after a resolution, end to end: the real service (a follow-up delay of zero, so the
sweeper finds it due at once), a real Redis, real socket.io customer and agent clients.

Closed with a follow-up, the returning customer is asked "Was your problem solved?" in their
language; "no" puts the conversation back in the queue with its history, "yes" is counted in
the stats; only the conversation's own customer answers, once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio
import redis.asyncio as aioredis
import socketio

from handoff.config.settings import Settings
from handoff.config.texts import SystemTexts
from handoff.fanout.notify import Notifier
from handoff.protocol.agent import ConversationUpdated
from handoff.protocol.errors import ErrorCode, ProtocolError
from handoff.protocol.validate import check
from handoff.services.followup import DueFollowUp, FollowUps
from handoff.store.conversations import ConversationStore
from handoff.store.followups import FollowUpStore
from handoff.store.keys import Keys
from handoff.store.stats import Stats
from tests.support.handoff_server import HandoffServer
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.asyncio
KEYS = Keys("tandem:")


@pytest.fixture(scope="module")
def followup_service(start_server: Callable[..., HandoffServer]) -> HandoffServer:
    return start_server({"TANDEM_FOLLOWUP_HOURS": "0"})


@pytest_asyncio.fixture
async def redis(clean_redis: RedisServer) -> AsyncIterator[Any]:
    client = aioredis.Redis.from_url(clean_redis.url, decode_responses=True)
    yield client
    await client.aclose()


async def until_due(redis: Any, conversation_id: str) -> None:
    """The sweeper took the follow-up (it runs every second; no time is asserted)."""
    for _ in range(200):
        if await redis.hget(KEYS.conversation(conversation_id), "followup") == "due":
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the follow-up never came due")


async def closed_by_agent(
    customer: Any,
    agent: Any,
    url: str,
    *,
    follow_up: bool | None,
    opening: str = "human please",
    watcher: Any = None,
) -> tuple[Any, Any, str]:
    ana = await agent(url=url, languages=["en", "de"])
    sam = await customer(url=url)
    conversation_id = (await sam.say(opening))["conversation_id"]
    await ana.wait_for("queue_added", lambda p: p["item"]["conversation_id"] == conversation_id)
    assert (await ana.call("claim", {"conversation_id": conversation_id}))["ok"]
    if watcher is not None:  # a console that has the conversation open through the close
        assert (await watcher.call("watch", {"conversation_id": conversation_id}))["ok"]
    payload: dict[str, Any] = {"conversation_id": conversation_id, "resolution": "fixed"}
    if follow_up is not None:
        payload["follow_up"] = follow_up
    assert (await ana.call("close", payload))["ok"]
    return sam, ana, conversation_id


async def test_the_returning_customer_is_asked_and_no_puts_it_back_in_the_queue(
    followup_service: HandoffServer, customer: Any, agent: Any, redis: Any
) -> None:
    url = followup_service.url
    cleo = await agent(url=url)
    sam, ana, conversation_id = await closed_by_agent(
        customer,
        agent,
        url,
        follow_up=True,
        opening="de: Ich möchte mit einem Menschen sprechen",
        watcher=cleo,
    )
    session_id = sam.session_id
    await sam.close()
    await until_due(redis, conversation_id)

    back = await customer(url=url, session_id=session_id)  # the customer comes back
    question = await back.wait_for("tandem_followup")
    assert question == {
        "conversation_id": conversation_id,
        "question": "Wurde Ihr Problem gelöst?",
        "yes": "Ja, gelöst",
        "no": "Nein, noch nicht",
    }
    ben = await agent(url=url, languages=["de"])
    ack = await back.call(
        "tandem_followup_answer", {"conversation_id": conversation_id, "solved": False}
    )
    assert ack["ok"] and ack["state"] == "queued"
    added = await ben.wait_for(
        "queue_added", lambda p: p["item"]["conversation_id"] == conversation_id
    )
    assert added["item"]["reopened"] == "followup"
    # The console that had it open sees "not solved: reopened" without a reload.
    reopened = await cleo.wait_for("conversation_updated", followup_of(conversation_id, "no"))
    assert reopened["conversation"]["state"] == "queued"
    state = await back.wait_for("tandem_state", lambda s: s["state"] == "queued")
    assert state["conversation_id"] == conversation_id and state["queue_position"] == 1
    # The history is there for whoever takes it, and the customer is told in their language.
    claimed = await ben.call("claim", {"conversation_id": conversation_id})
    texts = [m["text"] for m in claimed["messages"]]
    assert "de: Ich möchte mit einem Menschen sprechen" in texts
    assert any(m.get("event") == "reopened" for m in claimed["messages"])
    assert claimed["conversation"]["followup"] == "no"
    # The session's conversation is the reopened one: the customer writes on in it.
    assert (await back.say("Es geht immer noch nicht"))["conversation_id"] == conversation_id
    stats = (await ben.call("get_stats"))["stats"]
    assert (stats["followup_yes"], stats["followup_no"]) == (0, 1)
    assert stats["resolution_confirmed_rate"] == 0.0


def followup_of(conversation_id: str, status: str) -> Any:
    """A ``conversation_updated`` of this conversation whose follow-up reads ``status``."""
    return lambda p: (
        p["conversation"]["conversation_id"] == conversation_id
        and p["conversation"].get("followup") == status
    )


async def test_an_open_widget_is_asked_when_it_comes_due_and_yes_counts_in_the_stats(
    followup_service: HandoffServer, customer: Any, agent: Any, redis: Any
) -> None:
    cleo = await agent(url=followup_service.url)
    sam, ana, conversation_id = await closed_by_agent(
        customer, agent, followup_service.url, follow_up=True, watcher=cleo
    )
    # The console that has it open sees the follow-up live: to be asked when, then asked.
    scheduled = await cleo.wait_for(
        "conversation_updated", followup_of(conversation_id, "scheduled")
    )
    assert scheduled["conversation"]["followup_due"] > 0
    assert check(scheduled, ConversationUpdated, strict=True) == []
    due = await cleo.wait_for("conversation_updated", followup_of(conversation_id, "due"))
    assert due["conversation"]["followup_due"] == scheduled["conversation"]["followup_due"]
    question = await sam.wait_for("tandem_followup")  # no reconnect needed
    assert question["question"] == "Was your problem solved?"
    eve = await customer(url=followup_service.url)
    stranger = await eve.call(
        "tandem_followup_answer", {"conversation_id": conversation_id, "solved": True}
    )
    assert stranger["error"]["code"] == "not_found"  # only the conversation's own customer
    ack = await sam.call(
        "tandem_followup_answer", {"conversation_id": conversation_id, "solved": True}
    )
    assert ack == {
        "ok": True,
        "conversation_id": conversation_id,
        "state": "closed",
        "text": "Thanks for letting us know!",
    }
    solved = await cleo.wait_for("conversation_updated", followup_of(conversation_id, "yes"))
    assert "followup_due" not in solved["conversation"]  # answered: no longer due
    again = await sam.call(
        "tandem_followup_answer", {"conversation_id": conversation_id, "solved": False}
    )
    assert again["error"]["code"] == "invalid_state"  # once
    stats = (await ana.call("get_stats"))["stats"]
    assert (stats["followup_yes"], stats["followup_no"]) == (1, 0)
    assert stats["resolution_confirmed_rate"] == 1.0
    assert await redis.hget(KEYS.conversation(conversation_id), "state") == "closed"


async def test_a_chat_closed_without_asking_gets_no_follow_up_but_a_ticket_does(
    followup_service: HandoffServer, customer: Any, agent: Any, redis: Any
) -> None:
    url = followup_service.url
    _, ana, chat = await closed_by_agent(customer, agent, url, follow_up=None)
    assert await redis.hget(KEYS.conversation(chat), "followup") is None
    _, bea, declined = await closed_by_agent(customer, agent, url, follow_up=False)
    assert await redis.hget(KEYS.conversation(declined), "followup") is None

    # A ticket answered later (the customer left an email): followed up by default.
    await ana.close()
    await bea.close()
    alice = await customer(url=url)
    ticket = (await alice.say("human please"))["conversation_id"]
    await alice.wait_for("tandem_state", lambda s: s["state"] == "offline")
    await alice.call("tandem_offline_message", {"email": "alice@example.com", "message": "call me"})
    ben = await agent(url=url)
    assert (await ben.call("claim", {"conversation_id": ticket}))["ok"]
    assert (await ben.call("close", {"conversation_id": ticket, "resolution": "called"}))["ok"]
    await until_due(redis, ticket)
    # The email outbox's set has it (services/followup.py: due_followups takes from there).
    assert await redis.zscore(KEYS.followups_mail, ticket) is not None


async def test_the_email_outbox_gets_each_due_follow_up_once_in_the_customers_language(
    redis: Any,
) -> None:
    # A prefix no server uses: the servers of this session keep running, and their sweepers,
    # on the real clock, would find this follow-up (due on this test's clock, in 2025) due now.
    keys = Keys("followup-clock:")
    now = [1_764_000_000.0]
    settings = Settings.from_env({"TANDEM_SECRET": "x" * 32})  # the default: 24 hours

    def clock() -> float:
        return now[0]

    conversations = ConversationStore(redis, keys, retention_seconds=86400, clock=clock)
    confirmed: list[str] = []  # what agent assist is told (Assist.confirmed_later in the app)
    followups = FollowUps(
        settings=settings,
        store=FollowUpStore(redis, keys, clock=clock),
        conversations=conversations,
        desk=None,  # type: ignore[arg-type]  # not reached: nobody answers here
        stats=Stats(redis, keys, clock=clock),
        notify=Notifier(socketio.AsyncServer(async_mode="asgi")),
        texts=SystemTexts.load(),
        clock=clock,
        on_confirmed=confirmed.append,
    )
    await redis.hset(
        keys.conversation("c_t"),
        mapping={
            "id": "c_t",
            "customer": "u_t",
            "state": "closed",
            "language": "hr",
            "contact_email": "ivana@example.hr",
            "contact_name": "Ivana",
        },
    )
    assert await followups.after_close("c_t", asked=None) == now[0] + 24 * 3600
    assert await followups.sweep() == 0 and await followups.due_followups() == []
    now[0] += 24 * 3600
    assert await followups.sweep() == 1
    assert await followups.due_followups() == [
        DueFollowUp(
            conversation_id="c_t",
            email="ivana@example.hr",
            name="Ivana",
            language="hr",
            question="Je li Vaš problem riješen?",
            yes="Da, riješen je",
            no="Ne, još nije",
            due=now[0],  # when it came due: the outbox's id for its one email
        )
    ]
    assert await followups.due_followups() == []  # handed out once
    # A signed link in that email answers for the conversation's own customer.
    ack = await followups.answer_for_conversation("c_t", solved=True)
    assert ack["state"] == "closed" and ack["text"] == "Hvala što ste nam javili!"
    assert await redis.hget(keys.conversation("c_t"), "followup") == "yes"
    assert confirmed == ["c_t"]  # a confirmed resolution: its replies are worth suggesting
    with pytest.raises(ProtocolError) as unknown:
        await followups.answer_for_conversation("c_none", solved=True)
    assert unknown.value.code is ErrorCode.NOT_FOUND
