"""Two stand-in Rasa processes behind one service: conversations spread over them, each keeps to
its own, and when one is killed or frozen its conversations carry on on the other.

Killed, the instance refuses connections, and a turn sent to it is made once more on the other
at once (nothing reached the dead one). Frozen, it accepts connections and answers nothing: the
background health check takes it out, and its conversations go to the other until it is back.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from handoff.domain.bot_instances import rendezvous
from tests.faults.chats import until
from tests.support.clients import Customer
from tests.support.faults import freeze, thaw
from tests.support.handoff_server import HandoffServer
from tests.support.rasa_stub import RasaStubProcess

pytestmark = pytest.mark.asyncio
CUSTOMERS = 12


async def who_answers(customer: Customer) -> int:
    """The port of the stand-in that answered the customer's next turn."""
    before = len(customer.texts())
    ack = await customer.say("whoami")
    assert ack["ok"], ack
    await until(lambda: len(customer.texts()) > before, timeout=15, what="the bot's answer")
    text = customer.texts()[-1]
    assert text.startswith("Stand-in on port "), customer.texts()
    return int(text.rsplit(" ", 1)[1])


async def instance_status(service: HandoffServer) -> dict[str, str]:
    async with httpx.AsyncClient() as http:
        health = (await http.get(f"{service.url}/health")).json()
    return {i["instance"]: i["status"] for i in health["rasa_instances"]}


async def open_conversations(
    service: HandoffServer, open_customer: Callable[..., Any]
) -> tuple[list[Customer], list[str], list[int]]:
    customers = [await open_customer(service.url) for _ in range(CUSTOMERS)]
    ports = [await who_answers(c) for c in customers]
    cids = [c.acks[0]["conversation_id"] for c in customers]
    return customers, cids, ports


@pytest.mark.parametrize("fault", ["killed", "frozen"])
async def test_conversations_spread_and_carry_on_when_one_rasa_goes(
    fault: str,
    start_replica: Callable[..., HandoffServer],
    open_customer: Callable[..., Any],
    tmp_path: Path,
) -> None:
    with RasaStubProcess(tmp_path) as a, RasaStubProcess(tmp_path) as b:
        urls = [a.url, b.url]
        # Killed: a health check that would come too late, so the retry on the other instance is
        # what carries the conversations on. Frozen: a quick one, which is what takes it out.
        interval = "60" if fault == "killed" else "0.5"
        service = start_replica(
            env={"TANDEM_RASA_HEALTH_INTERVAL": interval}, rasa_url=",".join(urls)
        )
        customers, cids, ports = await open_conversations(service, open_customer)
        # Spread over both, each conversation on its own instance (the same on every replica).
        assert set(ports) == {a.port, b.port}, ports
        assert ports == [int(rendezvous(cid, urls)[0].rsplit(":", 1)[1]) for cid in cids]
        assert [await who_answers(c) for c in customers] == ports  # and it keeps to it

        a_name = f"127.0.0.1:{a.port}"
        if fault == "killed":
            a.kill()
        else:
            freeze(a.process)

            async def a_is_down() -> bool:
                return (await instance_status(service))[a_name] == "down"

            await until(a_is_down, timeout=20, what="the health check takes the frozen one out")
        try:
            after = [await who_answers(c) for c in customers]
            # Every conversation carries on, the dead or frozen one's on the other; nobody was
            # handed to people for it.
            assert after == [b.port] * CUSTOMERS, after
            assert not any("having trouble" in t for c in customers for t in c.texts())
        finally:
            if fault == "frozen":
                thaw(a.process)
        if fault == "killed":
            # The call that could not connect marked it down (the health check has not run).
            assert (await instance_status(service))[a_name] == "down"
            return

        async def a_is_up() -> bool:
            return (await instance_status(service))[a_name] == "up"

        await until(a_is_up, timeout=20, what="the thawed one is back")
        # Its conversations come back to it.
        assert [await who_answers(c) for c in customers] == ports
