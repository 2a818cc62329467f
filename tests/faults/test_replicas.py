"""Two real replicas of the service: one killed mid-conversation (SIGKILL), one frozen past its
bridge lease (SIGSTOP, issue 10 item 10).

A customer whose replica dies reconnects to the other one (as behind a load balancer) with its
session and last seq, resends what was not acknowledged, and nothing acknowledged is lost or
doubled. A replica that stalls while the bot thinks, longer than its lease, neither stores a
second answer to the message another replica answered meanwhile nor, its timeout coming late,
hands the conversation to people.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest
import redis.asyncio as aioredis

from handoff.store.keys import Keys
from tests.faults.chats import agent_sender, count, received_live, until, with_a_person
from tests.faults.conftest import FaultReport
from tests.support.clients import Customer
from tests.support.faults import frozen
from tests.support.handoff_server import HandoffServer
from tests.support.ledger import Ledger, send_until_acked, stored_entries
from tests.support.rasa_stub import RasaStub
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.asyncio
KEYS = Keys("tandem:")


async def test_a_replica_killed_mid_conversation_loses_nothing_acknowledged(
    fault_redis: RedisServer,
    start_replica: Callable[..., HandoffServer],
    open_customer: Callable[..., Any],
    open_agent: Callable[..., Any],
    fault_report: FaultReport,
) -> None:
    a, b = start_replica(), start_replica()
    ana = await open_agent(b.url)
    tabs: list[Customer] = [await open_customer(a.url)]
    cid = await with_a_person(tabs[0], ana)
    to_agent, to_customer = Ledger("customer -> agent"), Ledger("agent -> customer")

    async def customer_send(text: str, cmid: str) -> Any:
        return await tabs[-1].say(text, cmid)

    async def customer_side() -> None:
        for i in range(30):
            await send_until_acked(to_agent, customer_send, f"customer {i}")
            await asyncio.sleep(0.1)

    async def agent_side() -> None:
        for i in range(30):
            await send_until_acked(to_customer, agent_sender(ana, cid), f"agent {i}")
            await asyncio.sleep(0.1)

    writing = asyncio.ensure_future(asyncio.gather(customer_side(), agent_side()))
    await asyncio.sleep(1.0)
    a.kill()
    killed = time.monotonic()
    # The widget's socket reconnects, and the load balancer sends it to the replica still up.
    await until(lambda: not tabs[0].sio.connected, timeout=10, what="the customer sees A die")
    tabs.append(
        await open_customer(b.url, session_id=tabs[0].session_id, last_seq=tabs[0].contiguous())
    )
    acked = len(to_agent.acked)
    await until(lambda: len(to_agent.acked) > acked, timeout=20, what="an ack on replica B")
    recovery = time.monotonic() - killed
    await writing

    def customer_holds() -> dict[int, Any]:
        merged: dict[int, Any] = {}
        for tab in tabs:
            merged.update(tab.transcript())
        return merged

    await until(
        lambda: (
            all(s in customer_holds() for s in to_customer.acked.values())
            and all(s in ana.transcript(cid) for s in to_agent.acked.values())
        ),
        timeout=20,
        what="both sides hold every acknowledged message",
    )
    figures_agent = await count(to_agent, fault_redis.url, cid, received=ana.transcript(cid))
    figures_customer = await count(to_customer, fault_redis.url, cid, received=customer_holds())
    fault_report.record(
        "replica A killed (SIGKILL); the customer goes on on replica B",
        {
            to_agent.name: (to_agent, figures_agent),
            to_customer.name: (to_customer, figures_customer),
        },
        recovery_s=recovery,
        fault="SIGKILL the customer's replica; recovery = until the customer's next ack on B",
    )
    for figures in (figures_agent, figures_customer):
        assert figures.lost == 0 and figures.duplicated == 0 and figures.order_kept, figures
        assert figures.acked == figures.sent, figures


async def test_a_replica_stalled_past_its_lease_neither_answers_twice_nor_hands_over(
    fault_redis: RedisServer,
    start_replica: Callable[..., HandoffServer],
    open_customer: Callable[..., Any],
    open_agent: Callable[..., Any],
    rasa: RasaStub,
    fault_report: FaultReport,
) -> None:
    """Issue 10 item 10: A sends the message to the bot and freezes for longer than its lease;
    the customer comes back through B, which takes the lease over and answers. When A wakes up,
    its answer (or its timeout) is late and must change nothing."""
    env = {"TANDEM_RASA_TIMEOUT": "3"}  # the lease is 3 + 2 s
    a, b = start_replica(env), start_replica(env)
    await open_agent(b.url)  # someone could take it: a late timeout would queue it for real
    alice = await open_customer(a.url)
    text = "slow 1 where is my parcel"
    ack = await alice.say(text)
    cid, seq = ack["conversation_id"], ack["seq"]
    await until(lambda: rasa.messages_for(cid), timeout=10, what="A asks the bot")
    redis = aioredis.Redis.from_url(fault_redis.url, decode_responses=True)
    answer = f"You said: {text}"

    async def answers() -> list[dict[str, Any]]:
        entries = await stored_entries(fault_redis.url, cid)
        return [e for e in entries if e["author"] == "bot" and e["text"] == answer]

    try:
        with frozen(a.process):
            stalled = time.monotonic()

            async def lease_over() -> bool:
                return not await redis.exists(KEYS.bot_lock(cid))

            await until(lease_over, timeout=15, what="A's lease runs out")
            # The customer's other tab (or the same widget, reconnected) lands on B.
            tab = await open_customer(b.url, session_id=alice.session_id, last_seq=0)
            await tab.wait_text(answer, timeout=15)
            taken_over = time.monotonic() - stalled

        # A wakes up with the bot's answer (or its timeout) in hand: wait until it has dealt
        # with it (it logs what it dropped) or did harm (a second answer, a handoff).
        async def a_is_done() -> bool:
            state = await redis.hget(KEYS.conversation(cid), "state")
            return "dropped a" in a.log_tail(200) or len(await answers()) > 1 or state != "bot"

        await until(a_is_done, timeout=20, what="A deals with its late answer")
        state = await redis.hget(KEYS.conversation(cid), "state")
        stored = await answers()
    finally:
        await redis.aclose()
    assert len(stored) == 1, f"{len(stored)} answers to message {seq}"
    assert state == "bot", f"a healthy conversation went to {state}"
    fault_report.record(
        "replica frozen past its bridge lease (SIGSTOP 5+ s) while the bot answers",
        {},
        recovery_s=taken_over,
        fault="SIGSTOP the replica talking to the bot; recovery = until B answered instead",
        extra={"bot_answers_to_the_message": len(stored), "state_after": state},
    )


async def _room_keys(redis: Any) -> list[str]:
    return [k async for k in redis.scan_iter(match="tandem:room:*")]


async def test_replicas_rejoin_their_rooms_when_redis_lost_them_or_swept_them(
    fault_redis: RedisServer,
    start_replica: Callable[..., HandoffServer],
    open_customer: Callable[..., Any],
    open_agent: Callable[..., Any],
) -> None:
    """Publishing only to replicas with a member of the room (``handoff.fanout.membership``)
    depends on the rooms' replica sets in Redis. When Redis comes back without them, every
    replica puts itself back as it subscribes again; when a frozen replica was swept out as
    dead, its next heartbeat does. Either way the agent on B reaches the customer on A live."""
    env = {"TANDEM_REPLICA_TTL": "2"}
    a, b = start_replica(env), start_replica(env)
    ana = await open_agent(b.url)
    alice = await open_customer(a.url)
    cid = await with_a_person(alice, ana)
    ledger = Ledger("agent -> customer")
    send = agent_sender(ana, cid)
    redis = aioredis.Redis.from_url(fault_redis.url, decode_responses=True)
    try:
        await send_until_acked(ledger, send, "before")
        await until(lambda: received_live(alice, "before"), timeout=10, what="live delivery")

        # Redis loses the sets (deleted, then a restart from the append-only file without them).
        await redis.delete(*await _room_keys(redis))
        await redis.aclose()
        fault_redis.kill()
        fault_redis.start()
        redis = aioredis.Redis.from_url(fault_redis.url, decode_responses=True)

        async def live(text: str) -> bool:
            await send_until_acked(ledger, send, text)
            await asyncio.sleep(0.2)
            return received_live(alice, text)

        probes = (f"after restart {i}" for i in range(1000))
        await until(lambda: live(next(probes)), timeout=20, what="live delivery after Redis")

        # A frozen past its lifetime is swept out of its rooms by B; thawed, it beats back in.
        with frozen(a.process):
            await until(
                lambda: _customer_room_count(redis, 0), timeout=20, what="A swept out as dead"
            )
        await until(lambda: _customer_room_count(redis, 1), timeout=10, what="A back in")
        await send_until_acked(ledger, send, "after the thaw")
        await until(lambda: received_live(alice, "after the thaw"), timeout=10, what="live again")
    finally:
        await redis.aclose()


async def _customer_room_count(redis: Any, expected: int) -> bool:
    keys = [k for k in await _room_keys(redis) if ":/:cust:" in k]
    return sum([await redis.scard(k) for k in keys]) == expected
