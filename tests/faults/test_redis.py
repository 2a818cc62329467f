"""Redis killed (SIGKILL) and started again on the same port and append-only file, and Redis
frozen (SIGSTOP, then SIGCONT), while a customer and an agent write to each other.

Nothing acknowledged is lost, duplicated or reordered: clients resend what was not acknowledged
with the same ``client_msg_id`` (as the outboxes do), and the streams in Redis replay what a
socket missed. With customers on one replica and their agent on another, live delivery across
the replicas comes back by itself after the outage, and what was published while a replica was
deaf reaches its clients with no reconnection (``tandem_resync``, issue 10 item 3).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis

from tests.faults.chats import (
    agent_sender,
    count,
    customer_sender,
    received_live,
    until,
    with_a_person,
)
from tests.faults.conftest import FaultReport
from tests.support.faults import frozen
from tests.support.handoff_server import HandoffServer
from tests.support.ledger import Figures, Ledger, send_until_acked
from tests.support.redis_server import RedisServer
from tests.support.stack import load_stack_module

OUTAGE_S = 8.0  # python-socketio's own listener would still be backing off after this


def check(figures: Figures) -> None:
    assert figures.lost == 0 and figures.duplicated == 0 and figures.order_kept, figures
    assert figures.acked == figures.sent, figures


async def write_both_ways(
    alice: Any,
    ana: Any,
    cid: str,
    to_agent: Ledger,
    to_customer: Ledger,
    n: int,
    tag: str,
    pace: float = 0.0,
) -> None:
    """``n`` messages each way, concurrently (as people type, one every ``pace`` seconds),
    each until acknowledged."""

    async def customer_side() -> None:
        for i in range(n):
            await send_until_acked(to_agent, customer_sender(alice), f"{tag} customer {i}")
            await asyncio.sleep(pace)

    async def agent_side() -> None:
        for i in range(n):
            await send_until_acked(to_customer, agent_sender(ana, cid), f"{tag} agent {i}")
            await asyncio.sleep(pace)

    await asyncio.gather(customer_side(), agent_side())


@pytest.mark.asyncio
async def test_redis_killed_and_restarted_loses_nothing_acknowledged(
    fault_redis: RedisServer,
    start_replica: Callable[..., HandoffServer],
    open_customer: Callable[..., Any],
    open_agent: Callable[..., Any],
    fault_report: FaultReport,
) -> None:
    service = start_replica()
    ana = await open_agent(service.url)
    alice = await open_customer(service.url)
    cid = await with_a_person(alice, ana)
    to_agent, to_customer = Ledger("customer -> agent"), Ledger("agent -> customer")
    await write_both_ways(alice, ana, cid, to_agent, to_customer, 5, "before")

    async def outage() -> float:
        fault_redis.kill()
        await asyncio.sleep(2.0)
        fault_redis.start()  # the same port, the same append-only file
        return time.monotonic()

    # Both sides keep writing through the outage: unacknowledged messages are resent.
    writing = asyncio.ensure_future(
        write_both_ways(alice, ana, cid, to_agent, to_customer, 25, "during", pace=0.15)
    )
    await asyncio.sleep(0.3)
    back = await outage()
    acked_before = len(to_agent.acked)
    await until(lambda: len(to_agent.acked) > acked_before, timeout=30, what="an ack after")
    recovery = time.monotonic() - back
    await writing

    def complete() -> bool:
        return contiguous_has(alice.transcript(), to_customer) and contiguous_has(
            ana.transcript(cid), to_agent
        )

    await until(complete, timeout=20, what="both sides hold every acknowledged message")
    figures_agent = await count(to_agent, fault_redis.url, cid, received=ana.transcript(cid))
    figures_customer = await count(to_customer, fault_redis.url, cid, received=alice.transcript())
    fault_report.record(
        "redis killed 2 s (SIGKILL), restarted with its AOF",
        {
            to_agent.name: (to_agent, figures_agent),
            to_customer.name: (to_customer, figures_customer),
        },
        recovery_s=recovery,
        fault="SIGKILL redis-server, 2 s down, same port and append-only file",
    )
    check(figures_agent)
    check(figures_customer)


def contiguous_has(transcript: dict[int, Any], ledger: Ledger) -> bool:
    return all(seq in transcript for seq in ledger.acked.values())


@pytest.mark.asyncio
async def test_redis_frozen_loses_nothing_acknowledged(
    fault_redis: RedisServer,
    start_replica: Callable[..., HandoffServer],
    open_customer: Callable[..., Any],
    open_agent: Callable[..., Any],
    fault_report: FaultReport,
) -> None:
    service = start_replica()
    ana = await open_agent(service.url)
    alice = await open_customer(service.url)
    cid = await with_a_person(alice, ana)
    to_agent, to_customer = Ledger("customer -> agent"), Ledger("agent -> customer")
    writing = asyncio.ensure_future(
        write_both_ways(alice, ana, cid, to_agent, to_customer, 25, "frozen", pace=0.15)
    )
    await asyncio.sleep(0.3)
    with frozen(fault_redis.process):
        await asyncio.sleep(3.0)
    back = time.monotonic()
    acked_before = len(to_agent.acked) + len(to_customer.acked)
    await until(
        lambda: len(to_agent.acked) + len(to_customer.acked) > acked_before,
        timeout=30,
        what="an ack after Redis thawed",
    )
    recovery = time.monotonic() - back
    await writing
    await until(
        lambda: (
            contiguous_has(alice.transcript(), to_customer)
            and contiguous_has(ana.transcript(cid), to_agent)
        ),
        timeout=20,
        what="both sides hold every acknowledged message",
    )
    figures_agent = await count(to_agent, fault_redis.url, cid, received=ana.transcript(cid))
    figures_customer = await count(to_customer, fault_redis.url, cid, received=alice.transcript())
    fault_report.record(
        "redis frozen 3 s (SIGSTOP/SIGCONT)",
        {
            to_agent.name: (to_agent, figures_agent),
            to_customer.name: (to_customer, figures_customer),
        },
        recovery_s=recovery,
        fault="SIGSTOP redis-server for 3 s, then SIGCONT",
    )
    check(figures_agent)
    check(figures_customer)


@pytest.mark.asyncio
async def test_cross_replica_delivery_resumes_after_a_redis_outage_without_reconnecting(
    fault_redis: RedisServer,
    start_replica: Callable[..., HandoffServer],
    open_customer: Callable[..., Any],
    open_agent: Callable[..., Any],
    fault_report: FaultReport,
) -> None:
    """Issue 10 item 3: customers on replica A, their agent on replica B. After Redis comes back,
    the agent's messages reach the customers on A live again, and those published while A was
    not yet listening reach them too (A tells them to sync), with no client reconnecting."""
    a, b = start_replica(), start_replica()
    ana = await open_agent(b.url, capacity=5)
    customers = [await open_customer(a.url) for _ in range(3)]
    cids = [await with_a_person(c, ana) for c in customers]
    sockets = [c.sio.eio.sid for c in customers]
    ledgers = {cid: Ledger(f"agent -> customer {i + 1}") for i, cid in enumerate(cids)}
    for cid in cids:
        await send_until_acked(ledgers[cid], agent_sender(ana, cid), f"{cid} before")

    fault_redis.kill()
    await asyncio.sleep(OUTAGE_S)
    fault_redis.start()
    back = time.monotonic()

    # The agent writes on B right away: the first messages go out while A may not be listening.
    live_after: float | None = None
    for i in range(15):
        for cid in cids:
            await send_until_acked(ledgers[cid], agent_sender(ana, cid), f"{cid} after {i}")
        if live_after is None and received_live(customers[0], f"{cids[0]} after {i}"):
            live_after = time.monotonic() - back
        await asyncio.sleep(0.2)

    def everyone_has_everything() -> bool:
        return all(
            contiguous_has(c.transcript(), ledgers[cid])
            for c, cid in zip(customers, cids, strict=True)
        )

    await until(everyone_has_everything, timeout=20, what="every customer holds every message")
    probe = f"{cids[0]} probe"
    await send_until_acked(ledgers[cids[0]], agent_sender(ana, cids[0]), probe)
    await until(lambda: received_live(customers[0], probe), timeout=10, what="live delivery")
    if live_after is None:
        live_after = time.monotonic() - back

    recorded = {}
    for c, cid in zip(customers, cids, strict=True):
        figures = await count(ledgers[cid], fault_redis.url, cid, received=c.transcript())
        recorded[ledgers[cid].name] = (ledgers[cid], figures)
        check(figures)
    fault_report.record(
        "redis killed 8 s; customers on replica A, agent on replica B",
        recorded,
        recovery_s=live_after,
        fault="SIGKILL redis-server, 8 s down; recovery = until live delivery across replicas",
    )
    # Nobody reconnected: the same sockets, still connected; they were told to sync.
    assert [c.sio.eio.sid for c in customers] == sockets
    assert all(c.sio.connected for c in customers)
    assert all(c.rec.of("tandem_resync") for c in customers)


def test_the_stacks_redis_has_a_memory_limit_and_never_evicts(tmp_path: Path) -> None:
    """Issue 10 item 7: a full Redis must refuse writes (clients retry, /metrics warns), never
    drop conversation data on its own."""
    stack_module = load_stack_module()
    stack = stack_module.Stack(
        run_dir=tmp_path, ports=stack_module.Ports.free(), log=lambda _: None
    )
    (tmp_path / "logs").mkdir()
    url = stack._start_redis()
    try:
        client = redis.Redis.from_url(url, decode_responses=True)
        limit = int(client.config_get("maxmemory")["maxmemory"])
        policy = client.config_get("maxmemory-policy")["maxmemory-policy"]
        client.close()
    finally:
        stack.stop()
    assert limit == 1024**3 and policy == "noeviction"
