"""Two real Rasa processes (the trained model) sharing one Redis tracker and lock store, behind
the real service: the Rasa a conversation is on is killed mid-triage, and the conversation
carries on on the other with its history (the next triage question, not a new start).

Each Rasa loads the model (~20-40 s, ~900 MB); both load at once. The action server is shared,
as in a deployment with one action service.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from handoff.domain.bot_instances import rendezvous
from tests.support.handoff_server import HandoffServer
from tests.support.redis_server import RedisServer
from tests.support.stack import load_stack_module

pytestmark = pytest.mark.asyncio
stack = load_stack_module()


@pytest.fixture
def two_rasa(fault_redis: RedisServer, tmp_path: Path) -> Iterator[tuple[Any, list[Any]]]:
    """The action server, then two Rasa on ``fault_redis`` (Redis tracker and lock stores)."""
    if not stack.MODEL.exists():
        pytest.fail(f"no trained model at {stack.MODEL}: run 'make train'", pytrace=False)
    actions = stack.Stack(
        run_dir=tmp_path / "actions", ports=stack.Ports.free(), components=("actions",)
    )
    actions.log = lambda _: None
    bots = [
        stack.Stack(
            run_dir=tmp_path / f"rasa-{name}",
            ports=stack.Ports(rasa=stack.free_port(), actions=actions.ports.actions),
            redis_url=fault_redis.url,
            components=("rasa",),
            bot_token=actions.bot_token,
            log=lambda _: None,
        )
        for name in ("a", "b")
    ]
    errors: list[BaseException] = []

    def start(part: Any) -> None:
        try:
            part.start()
        except BaseException as exc:  # noqa: BLE001 - reported below, in the test's thread
            errors.append(exc)

    try:
        # All three at once: Rasa's health (what its start waits for) needs the action server,
        # which is up long before a model is loaded.
        threads = [threading.Thread(target=start, args=(part,)) for part in (actions, *bots)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
        yield actions, bots
    finally:
        for part in (*bots, actions):
            part.stop()


def kill(part: Any) -> None:
    """SIGKILL the Rasa of ``part``: no clean-up, its sockets closed by the kernel."""
    (process,) = part.processes
    os.killpg(process.popen.pid, signal.SIGKILL)
    process.popen.wait()


async def test_a_triage_carries_on_on_the_other_rasa_when_its_own_is_killed(
    two_rasa: tuple[Any, list[Any]],
    start_replica: Callable[..., HandoffServer],
    open_customer: Callable[..., Any],
) -> None:
    actions, bots = two_rasa
    urls = [bot.rasa_url for bot in bots]
    service = start_replica(
        env={"TANDEM_BOT_TOKEN": actions.bot_token, "TANDEM_RASA_TIMEOUT": "30"},
        rasa_url=",".join(urls),
    )
    alice = await open_customer(service.url)

    async def turn(text: str) -> str:
        """What the bot answers to ``text`` (its first message)."""
        before = len(alice.texts())
        ack = await alice.say(text)
        assert ack["ok"], ack
        await alice.wait_for("bot_uttered", lambda _: len(alice.texts()) > before, timeout=60)
        return alice.texts()[before]

    assert "order number" in await turn("my order hasn't arrived")
    cid = alice.acks[0]["conversation_id"]
    assert "When did you place the order" in await turn("TD-482913")

    # Kill the Rasa this conversation is on; its tracker is in Redis, the other one can read it.
    own = rendezvous(cid, urls)[0]
    kill(bots[urls.index(own)])
    # The next question (the form went on with what the dead one was told), not a new start.
    asked = await turn("10 days ago")
    assert "email" in asked and "order number" not in asked, alice.texts()
    recap = await turn("jane.doe@example.com")
    assert "TD-482913" in recap and "10 days ago" in recap, recap
    assert "jane.doe@example.com" in recap, recap
    assert not any("having trouble" in t for t in alice.texts()), alice.texts()
    async with httpx.AsyncClient() as http:
        health = (await http.get(f"{service.url}/health")).json()
    status = {i["instance"]: i["status"] for i in health["rasa_instances"]}
    assert status == {
        own.split("//")[1]: "down",
        next(u for u in urls if u != own).split("//")[1]: "up",
    }, health
