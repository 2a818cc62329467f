"""Redis failover under Sentinel (issue 10 item 13): the primary killed mid-conversation.

A primary, its replicas and three sentinels on loopback (``tests/support/sentinel.py``), two
replicas of the service with ``TANDEM_REDIS_URL=redis+sentinel://…``, customers on replica A
and their agent on replica B, both sides writing; the primary is SIGKILLed. Until a replica is
promoted (``down-after-milliseconds`` 1 s, then the election) every append fails and the clients
resend, as the widget's and the console's outboxes do; then the service carries on by itself,
without a restart: the stores and the Socket.IO manager's publisher and listener ask the
sentinels for the new primary.

Replication is asynchronous unless ``TANDEM_REDIS_WAIT_REPLICAS`` is set: the primary may
acknowledge a message and die before its replica has it. Without WAIT, the test measures how
many acknowledged messages the new primary does not hold (``lost_acknowledged`` in
``results/faults.json``); with ``WAIT 1`` (and a second replica, so that one is left to confirm
after the failover) it asserts that none is lost.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.faults.chats import (
    agent_sender,
    customer_sender,
    received_live,
    until,
    with_a_person,
)
from tests.faults.conftest import BASE_ENV, FaultReport
from tests.support.accounts import create_agent
from tests.support.clients import Agent, Customer, login
from tests.support.handoff_server import HandoffServer
from tests.support.ledger import Figures, Ledger, send_until_acked, stored_entries
from tests.support.rasa_stub import RasaStub
from tests.support.sentinel import SentinelCluster

pytestmark = pytest.mark.asyncio
CUSTOMERS = 2
MESSAGES = 40  # per direction and conversation, one every 0.1 s: the kill lands mid-stream
HOLD = 1.0  # seconds replication is held back before the kill


@pytest.mark.parametrize("wait_replicas", [0, 1], ids=["asynchronous", "wait-1"])
async def test_the_service_follows_a_failover_and_says_what_was_lost(
    wait_replicas: int,
    tmp_path: Path,
    rasa: RasaStub,
    open_customer: Callable[..., Any],
    fault_clients: list[Customer | Agent],
    fault_report: FaultReport,
) -> None:
    # WAIT 1 needs a replica left after the failover to confirm, hence two.
    cluster = SentinelCluster(tmp_path / "sentinel", replicas=1 + wait_replicas)
    servers: list[HandoffServer] = []
    try:
        await asyncio.to_thread(cluster.start)
        env = {
            **BASE_ENV,
            "TANDEM_REDIS_WAIT_REPLICAS": str(wait_replicas),
            "TANDEM_REDIS_WAIT_TIMEOUT_MS": "1000",
        }
        for _ in range(2):
            server = HandoffServer(
                redis_url=cluster.url, rasa_url=rasa.url, log_dir=tmp_path, env=env
            )
            servers.append(server)
            server.start()
        a, b = servers
        username, password = await create_agent(cluster.primary.url, capacity=CUSTOMERS)
        ana = Agent(b.url, await login(b.url, username, password))
        fault_clients.append(ana)
        await ana.connect()
        customers: list[Customer] = [await open_customer(a.url) for _ in range(CUSTOMERS)]
        conversations = [await with_a_person(c, ana) for c in customers]
        ledgers = {
            cid: (Ledger(f"customer{i} -> agent"), Ledger(f"agent -> customer{i}"))
            for i, cid in enumerate(conversations)
        }

        async def customer_side(customer: Customer, ledger: Ledger) -> None:
            for i in range(MESSAGES):
                await send_until_acked(ledger, customer_sender(customer), f"{ledger.name} {i}")
                await asyncio.sleep(0.1)

        async def agent_side(cid: str, ledger: Ledger) -> None:
            for i in range(MESSAGES):
                await send_until_acked(ledger, agent_sender(ana, cid), f"{ledger.name} {i}")
                await asyncio.sleep(0.1)

        def acked() -> int:
            return sum(len(x.acked) + len(y.acked) for x, y in ledgers.values())

        pairs = list(zip(customers, conversations, strict=True))
        writing = asyncio.ensure_future(
            asyncio.gather(
                *(
                    customer_side(c, ledgers[cid][0])
                    for c, cid in zip(customers, conversations, strict=True)
                ),
                *(agent_side(cid, ledgers[cid][1]) for cid in conversations),
            )
        )
        await until(lambda: acked() >= 20, timeout=20, what="the conversations are under way")
        # Replication falls behind just before the primary dies (a congested or partitioned
        # link): the window asynchronous replication always leaves, made wide enough to see on
        # loopback, where it is otherwise under a millisecond.
        await asyncio.to_thread(cluster.hold_replication)
        await asyncio.sleep(HOLD)  # the primary goes on; what it acknowledges now, no replica has
        acked_in_hold = acked()
        old = cluster.kill_primary()
        killed = time.monotonic()
        await asyncio.to_thread(cluster.release_replication)
        new = await asyncio.to_thread(cluster.wait_for_failover, old)
        promoted = time.monotonic() - killed
        await until(lambda: acked() > acked_in_hold, timeout=30, what="an ack after the failover")
        recovery = time.monotonic() - killed
        await writing

        # Cross-replica live delivery is back: customers on A, the agent on B, both ways.
        for i, (customer, cid) in enumerate(pairs):
            to_agent, to_customer = ledgers[cid]
            await send_until_acked(to_customer, agent_sender(ana, cid), f"live to {i}")
            await send_until_acked(to_agent, customer_sender(customer), f"live from {i}")
            await until(
                lambda c=customer, t=f"live to {i}": received_live(c, t),
                timeout=15,
                what="an agent's message on B reaches the customer on A live",
            )
            await until(
                lambda t=f"live from {i}": any(
                    p["entry"]["text"] == t for p in ana.rec.of("conversation_message")
                ),
                timeout=15,
                what="a customer's message on A reaches the agent on B live",
            )

        figures: dict[str, tuple[Ledger, Figures]] = {}
        lost_acknowledged = 0  # acknowledged, and not on the new primary
        hidden = 0  # on it, but under a seq the other side holds for a lost entry
        for customer, cid in pairs:
            stored = await stored_entries(new.url, cid)
            stored_cmids = {e.get("client_msg_id") for e in stored}
            await ana.sync(cid)
            for ledger, received in (
                (ledgers[cid][0], ana.transcript(cid)),
                (ledgers[cid][1], customer.transcript()),
            ):
                lost_acknowledged += sum(1 for c in ledger.acked if c not in stored_cmids)
                texts = dict(ledger.sent)
                hidden += sum(
                    1
                    for c, seq in ledger.acked.items()
                    if c in stored_cmids
                    and seq in received
                    and received[seq].get("text") != texts[c]
                )
                figures[ledger.name] = (ledger, ledger.figures(stored=stored, received=received))
        fault_report.record(
            "Redis primary killed (SIGKILL) under Sentinel; "
            + ("appends wait for 1 replica (WAIT 1)" if wait_replicas else "async replication"),
            figures,
            recovery_s=recovery,
            fault="SIGKILL the Redis primary, 1 s down-after, quorum 2 of 3 sentinels; "
            "replication held back 1 s before it; recovery = until the first ack after the kill",
            extra={
                "promoted_s": round(promoted, 3),
                "wait_replicas": wait_replicas,
                "redis_replicas": len(cluster.replicas),
                "acknowledged": sum(f.acked for _, f in figures.values()),
                "lost_acknowledged": lost_acknowledged,
                "stored_but_hidden_by_a_reused_seq": hidden,
                "replication_held_s": HOLD,
            },
        )
    finally:
        for server in servers:
            server.stop()
        cluster.stop()

    for _, f in figures.values():
        assert f.acked == f.sent, f  # every message was acknowledged in the end
        assert f.duplicated == 0 and f.order_kept, f
    if wait_replicas:
        assert lost_acknowledged == 0
        for _, f in figures.values():
            assert f.lost == 0, f  # stored once, and the other side holds it
