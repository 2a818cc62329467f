"""The stand-in Rasa killed (SIGKILL) and frozen (SIGSTOP) mid-conversation, and an agent's
connection cut by a TCP proxy (``tests/support/tcp_proxy.py``).

A bot that fails hands the conversation to people: the customer is told, keeps writing, and a
person reads every message; no message the bot answered is answered twice, even when the bot's
answer comes back after the service gave up on it. An agent whose network drops reconnects,
resends what was not acknowledged (the same ``client_msg_id``) and replays what it missed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.faults.chats import agent_sender, count, customer_sender, until, with_a_person
from tests.faults.conftest import FaultReport
from tests.support.clients import Agent
from tests.support.faults import freeze, thaw
from tests.support.handoff_server import HandoffServer
from tests.support.ledger import Figures, Ledger, send_until_acked, stored_entries
from tests.support.rasa_stub import RasaStubProcess
from tests.support.redis_server import RedisServer
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.asyncio


def check(figures: Figures) -> None:
    assert figures.lost == 0 and figures.duplicated == 0 and figures.order_kept, figures
    assert figures.acked == figures.sent, figures


async def answered_at_most_once(redis_url: str, conversation_id: str) -> None:
    """Each customer message has at most one bot turn (the turn's first entry names it)."""
    answered = [
        e["nlu"]["seq"]
        for e in await stored_entries(redis_url, conversation_id)
        if e["author"] == "bot" and e.get("nlu")
    ]
    assert len(answered) == len(set(answered)), answered


@pytest.mark.parametrize("fault", ["killed", "frozen"])
async def test_a_failing_bot_hands_to_people_and_loses_nothing(
    fault: str,
    fault_redis: RedisServer,
    start_replica: Callable[..., HandoffServer],
    open_customer: Callable[..., Any],
    open_agent: Callable[..., Any],
    fault_report: FaultReport,
    tmp_path: Path,
) -> None:
    with RasaStubProcess(tmp_path) as bot:
        service = start_replica(rasa_url=bot.url)  # the bot timeout is 2 s
        ana = await open_agent(service.url)
        alice = await open_customer(service.url)
        to_bot = Ledger("customer -> bot, then agent")
        for i in range(3):
            await send_until_acked(to_bot, customer_sender(alice), f"hello {i}")
        await alice.wait_text("You said: hello 2")

        started = time.monotonic()
        if fault == "killed":
            bot.kill()
        else:
            freeze(bot.process)
        await send_until_acked(to_bot, customer_sender(alice), "are you there")
        told = await alice.wait_text("assistant is having trouble", timeout=20)
        to_people = time.monotonic() - started
        cid = told["metadata"]["tandem"]["conversation_id"]
        # The customer keeps writing while waiting; the bot is still away.
        for i in range(3):
            await send_until_acked(to_bot, customer_sender(alice), f"still here {i}")
        if fault == "killed":
            bot.start()
        else:
            thaw(bot.process)
        await ana.wait_for("queue_added", lambda p: p["item"]["conversation_id"] == cid)
        claimed = await ana.call("claim", {"conversation_id": cid})
        assert claimed["ok"], claimed
        ana.follow(cid)
        await ana.sync(cid)
        to_customer = Ledger("agent -> customer")
        for i in range(3):
            await send_until_acked(to_customer, agent_sender(ana, cid), f"agent {i}")
            await send_until_acked(to_bot, customer_sender(alice), f"customer {i}")
        await until(
            lambda: (
                all(s in ana.transcript(cid) for s in to_bot.acked.values())
                and all(s in alice.transcript() for s in to_customer.acked.values())
            ),
            timeout=20,
            what="both sides hold every acknowledged message",
        )
        figures_in = await count(to_bot, fault_redis.url, cid, received=ana.transcript(cid))
        figures_out = await count(to_customer, fault_redis.url, cid, received=alice.transcript())
        await answered_at_most_once(fault_redis.url, cid)
    signal_name = "SIGKILL" if fault == "killed" else "SIGSTOP"
    fault_report.record(
        f"stand-in Rasa {fault} ({signal_name}) mid-conversation",
        {to_bot.name: (to_bot, figures_in), to_customer.name: (to_customer, figures_out)},
        recovery_s=to_people,
        fault=f"{signal_name} the bot; recovery = until the customer is told a person will come",
    )
    check(figures_in)
    check(figures_out)


async def test_an_agent_cut_off_by_the_network_resends_and_replays(
    fault_redis: RedisServer,
    start_replica: Callable[..., HandoffServer],
    open_customer: Callable[..., Any],
    open_agent: Callable[..., Any],
    fault_clients: list[Any],
    fault_report: FaultReport,
) -> None:
    service = start_replica()
    async with TcpProxy(service.port) as proxy:
        first = await open_agent(proxy.url)
        consoles: list[Agent] = [first]
        alice = await open_customer(service.url)
        cid = await with_a_person(alice, first)
        to_agent, to_customer = Ledger("customer -> agent"), Ledger("agent -> customer")

        async def agent_send(text: str, cmid: str) -> Any:
            return await agent_sender(consoles[-1], cid)(text, cmid)

        async def customer_side() -> None:
            for i in range(30):
                await send_until_acked(to_agent, customer_sender(alice), f"customer {i}")
                await asyncio.sleep(0.1)

        async def agent_side() -> None:
            for i in range(30):
                await send_until_acked(to_customer, agent_send, f"agent {i}")
                await asyncio.sleep(0.1)

        writing = asyncio.ensure_future(asyncio.gather(customer_side(), agent_side()))
        await asyncio.sleep(1.0)
        proxy.refusing = True
        await proxy.cut()
        await until(lambda: not first.sio.connected, timeout=30, what="the console sees the cut")
        await asyncio.sleep(1.0)  # the network stays down a moment
        proxy.refusing = False
        back = time.monotonic()
        # The console reconnects with its token and replays from its last contiguous seq.
        again = Agent(proxy.url, first.token)
        fault_clients.append(again)
        await again.connect()
        again.synced[cid] = dict(first.transcript(cid))
        again.follow(cid)
        await again.sync(cid)
        consoles.append(again)
        acked = len(to_customer.acked)
        await until(lambda: len(to_customer.acked) > acked, timeout=20, what="an agent ack")
        recovery = time.monotonic() - back
        await writing
        await until(
            lambda: (
                all(s in alice.transcript() for s in to_customer.acked.values())
                and all(s in again.transcript(cid) for s in to_agent.acked.values())
            ),
            timeout=20,
            what="both sides hold every acknowledged message",
        )
        figures_agent = await count(to_agent, fault_redis.url, cid, received=again.transcript(cid))
        figures_customer = await count(
            to_customer, fault_redis.url, cid, received=alice.transcript()
        )
    fault_report.record(
        "agent's connection cut by a TCP proxy (down 1 s)",
        {
            to_agent.name: (to_agent, figures_agent),
            to_customer.name: (to_customer, figures_customer),
        },
        recovery_s=recovery,
        fault="every proxied connection aborted, new ones refused 1 s; recovery = until the "
        "agent's next ack after the network is back",
    )
    check(figures_agent)
    check(figures_customer)
