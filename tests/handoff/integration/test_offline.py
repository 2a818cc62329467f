"""No agent available: told honestly, the offline form, tickets agents answer later."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from handoff.config.hours import DAYS
from tests.support.handoff_server import HandoffServer

pytestmark = pytest.mark.asyncio


async def test_no_agent_online_becomes_an_offline_ticket(customer: Any, agent: Any) -> None:
    alice = await customer()
    ack = await alice.say("human please")
    conversation_id = ack["conversation_id"]
    await alice.wait_text("Nobody from our team is available right now")
    state = await alice.wait_for("tandem_state")
    assert state["state"] == "offline" and state["offline_reason"] == "no_agents"

    # The bad form is refused; the good one is stored and confirmed.
    bad = await alice.call("tandem_offline_message", {"email": "not-an-email", "message": "hi"})
    assert bad["error"]["code"] == "bad_request"
    sent = await alice.call(
        "tandem_offline_message",
        {"email": "alice@example.com", "message": "Please call me back", "name": "Alice"},
    )
    assert sent["ok"] and sent["conversation_id"] == conversation_id
    # No TANDEM_SMTP_URL on this server: the answer comes in the chat, and nothing says email.
    await alice.wait_text("will answer here, in this chat")

    # Later, an agent logs in, sees the ticket with the contact, claims it and answers.
    ana = await agent()
    queue = await ana.call("get_queue")
    assert queue["queue"] == []
    (ticket,) = queue["tickets"]
    assert ticket["conversation_id"] == conversation_id and ticket["offline_reason"] == "no_agents"
    assert ticket["contact"] == {"email": "alice@example.com", "name": "Alice"}
    assert ticket["preview"] == "Please call me back"
    claimed = await ana.call("claim", {"conversation_id": conversation_id})
    assert claimed["ok"]
    await ana.call(
        "send_message",
        {"conversation_id": conversation_id, "text": "Calling you now", "client_msg_id": "t1"},
    )
    await alice.wait_text("Calling you now")


async def test_outside_business_hours(
    start_server: Callable[..., HandoffServer], customer: Any, agent: Any
) -> None:
    # Open only on a day that is not today (in UTC): closed now, whatever the time.
    other_day = DAYS[(datetime.now(UTC).weekday() + 3) % 7]
    closed = start_server(
        {
            "TANDEM_REDIS_PREFIX": "hours:",
            "TANDEM_BUSINESS_HOURS": f"{other_day} 09:00-17:00",
            "TANDEM_TIMEZONE": "UTC",
        }
    )
    ana = await agent(url=closed.url, prefix="hours:")  # even with an agent online
    alice = await customer(url=closed.url)
    await alice.say("human please")
    told = await alice.wait_text("Our team is offline right now")
    assert f"{other_day.capitalize()} 09:00–17:00 (UTC)" in told["text"]
    state = await alice.wait_for("tandem_state")
    assert state["offline_reason"] == "closed_hours"
    added = await ana.wait_for("queue_added")
    assert added["item"]["state"] == "offline"


async def test_waiting_too_long_alerts_the_agent_first_then_offers_the_form(
    start_server: Callable[..., HandoffServer], customer: Any, agent: Any
) -> None:
    """One customer timed out of the queue with two agents online who never noticed: the
    agent who could take it is alerted first, and the form comes only after the grace."""
    busy = start_server(
        {
            "TANDEM_REDIS_PREFIX": "busy:",
            "TANDEM_QUEUE_WAIT_LIMIT": "1",
            "TANDEM_QUEUE_ALERT_GRACE": "2",
        }
    )
    ana = await agent(url=busy.url, prefix="busy:")  # online, but never claims
    alice = await customer(url=busy.url)
    await alice.say("human please")
    queued = await alice.wait_for("tandem_state", lambda p: p["state"] == "queued")
    alert = await ana.wait_for("queue_alert")
    assert alert["item"]["conversation_id"] == queued["conversation_id"]
    assert alert["waited_s"] >= 1 and alert["offline_in_s"] == 2
    assert not [p for p in alice.rec.of("tandem_state") if p["state"] == "offline"]
    moved = await alice.wait_for("tandem_state", lambda p: p["state"] == "offline")
    assert moved["offline_reason"] == "wait_limit"
    assert len(ana.rec.of("queue_alert")) == 1  # alerted once, not every second
    await alice.wait_text("Sorry for the long wait")
    ok = await alice.call(
        "tandem_offline_message", {"email": "a@example.org", "message": "call me"}
    )
    assert ok["ok"]


async def test_nobody_with_room_no_alert_the_form_at_the_wait_limit(
    start_server: Callable[..., HandoffServer], customer: Any, agent: Any
) -> None:
    full = start_server(
        {
            "TANDEM_REDIS_PREFIX": "full:",
            "TANDEM_QUEUE_WAIT_LIMIT": "1",
            "TANDEM_QUEUE_ALERT_GRACE": "600",
        }
    )
    ana = await agent(url=full.url, prefix="full:", capacity=1)
    bob = await customer(url=full.url)
    await bob.say("human please")
    first = await ana.wait_for("queue_added")
    assert (await ana.call("claim", {"conversation_id": first["item"]["conversation_id"]}))["ok"]
    alice = await customer(url=full.url)
    await alice.say("human please")
    moved = await alice.wait_for("tandem_state", lambda p: p["state"] == "offline")
    assert moved["offline_reason"] == "wait_limit"  # Ana has no room: nobody to wait for
    assert ana.rec.of("queue_alert") == []


async def test_queued_customer_may_leave_a_message_instead(customer: Any, agent: Any) -> None:
    ana = await agent()
    alice = await customer()
    await alice.say("human please")
    await ana.wait_for("queue_added")
    sent = await alice.call(
        "tandem_offline_message", {"email": "a@example.org", "message": "no time to wait"}
    )
    assert sent["ok"]
    queue = await ana.call("get_queue")
    assert queue["queue"] == [] and queue["tickets"][0]["offline_reason"] == "customer"


async def test_talk_to_a_person_stays_reachable_after_leaving_a_message(
    customer: Any, agent: Any
) -> None:
    alice = await customer()
    ack = await alice.say("human please")
    await alice.wait_for("tandem_state", lambda p: p["state"] == "offline")
    sent = await alice.call(
        "tandem_offline_message", {"email": "alice@example.com", "message": "Call me back"}
    )
    assert sent["ok"]
    # Still nobody: asking again changes nothing and says so.
    again = await alice.call("tandem_request_agent", {})
    assert again["state"] == "offline"
    # Someone comes online: asking again queues the conversation, message and contact kept.
    ana = await agent()
    queued = await alice.call("tandem_request_agent", {})
    assert queued["state"] == "queued" and queued["conversation_id"] == ack["conversation_id"]
    added = await ana.wait_for("queue_added", lambda p: p["item"]["state"] == "queued")
    assert added["item"]["conversation_id"] == ack["conversation_id"]
    claimed = await ana.call("claim", {"conversation_id": ack["conversation_id"]})
    assert claimed["ok"]
    assert any("Call me back" in m.get("text", "") for m in claimed["messages"])
