"""The bridge's pumps, with their work faked (no I/O): a kick that comes just as a pump finishes
is never lost, and an answer is relayed only after the copy of the message it answers."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from handoff.services.bot_client import BotMessage, BotTurn
from handoff.services.bridge import BotBridge, handoff_preview
from handoff.store.bot_lease import BotWork, Released
from handoff.store.conversations import Committed
from tests.handoff.unit.services.fakes import Recorder


def make_bridge() -> BotBridge:
    unused: Any = None  # the pump's work is faked: no store, bot, desk or notifier is reached
    return BotBridge(
        lease=unused,
        conversations=unused,
        bot=unused,
        desk=unused,
        facts=unused,
        notify=unused,
        texts=unused,
        clock=time.time,
    )


@pytest.mark.asyncio
async def test_a_kick_right_after_the_last_check_starts_a_new_pump() -> None:
    bridge = make_bridge()
    drains: list[str] = []

    async def drain(conversation_id: str, token: str, work: Any = None) -> str:
        drains.append(conversation_id)
        if len(drains) == 1:
            # A message is stored and kicked after this pump found nothing left to do, but
            # before its task has finished: the kick must not be swallowed.
            asyncio.get_running_loop().call_soon(bridge.kick, conversation_id)
        return "done"

    bridge._drain = drain  # type: ignore[method-assign]
    bridge.kick("c_1")
    for _ in range(20):
        await asyncio.sleep(0)
    assert drains == ["c_1", "c_1"]
    assert "c_1" not in bridge._running


@pytest.mark.asyncio
async def test_kicks_while_running_are_folded_into_one_more_pass() -> None:
    bridge = make_bridge()
    drains: list[str] = []
    release = asyncio.Event()

    async def drain(conversation_id: str, token: str, work: Any = None) -> str:
        drains.append(conversation_id)
        if len(drains) == 1:
            await release.wait()
        return "done"

    bridge._drain = drain  # type: ignore[method-assign]
    bridge.kick("c_1")
    await asyncio.sleep(0)
    bridge.kick("c_1")
    bridge.kick("c_1")
    release.set()
    for _ in range(20):
        await asyncio.sleep(0)
    assert drains == ["c_1", "c_1"]


class FakeLease:
    """Hands out the given pieces of work, then ``done``; records releases."""

    def __init__(self, *work: BotWork, left: bool = False) -> None:
        self.work = list(work)
        self.left = left
        self.released = 0

    async def take(self, conversation_id: str, token: str, *, renew: bool) -> BotWork:
        return self.work.pop(0) if self.work else BotWork("done")

    async def release(self, conversation_id: str, token: str) -> Released:
        self.released += 1
        state = "bot" if self.left else "queued"
        return Released(state, bot_seq=1, customer_seq=2 if self.left else 1, bot_event="")


@pytest.mark.asyncio
async def test_a_busy_conversation_is_tried_again_after_the_other_lease() -> None:
    bridge = make_bridge()
    bridge.lease = FakeLease(BotWork("busy", busy_ms=10))  # type: ignore[assignment]
    assert await bridge._drain("c_1", "t") == "busy"
    assert len(bridge._timers) == 1
    await bridge.close()


@pytest.mark.asyncio
async def test_work_left_after_the_release_means_one_more_pass() -> None:
    bridge = make_bridge()
    bridge.lease = FakeLease(BotWork("work", conversation={"id": "c_1"}), left=True)  # type: ignore[assignment]

    async def step(
        conversation: dict[str, str], message: dict[str, str], last: int, token: str
    ) -> bool:
        return False  # e.g. handed to people

    bridge._step = step  # type: ignore[method-assign]
    assert await bridge._drain("c_1", "t") == "stopped"
    assert "c_1" in bridge._again and bridge.lease.released == 1  # type: ignore[attr-defined]


def test_the_queue_previews_the_triage_answers_when_the_last_message_was_a_button() -> None:
    summary = {"problem_category": "order_not_arrived", "order_number": "TD-1", "skill": "orders"}
    assert handoff_preview("/affirm", summary) == "order_not_arrived · TD-1"
    assert handoff_preview("where is my parcel", summary) == "where is my parcel"
    assert handoff_preview("/request_human", {}) == "/request_human"


class InstantCommits:
    """A commit that stores at once (no Redis): the answer is ready to relay a trip later."""

    async def commit_bot_turn(self, conversation_id: str, **_: Any) -> Committed:
        return Committed(seqs=[2], ts=1.0)


async def answer_at_once(bridge: BotBridge, order: list[str]) -> None:
    """The pump answers as fast as a bot could (no I/O); ``order`` records what was relayed."""
    recorder = Recorder()
    bridge.conversations = InstantCommits()  # type: ignore[assignment]
    bridge.notify = recorder  # type: ignore[assignment]
    turn = BotTurn(messages=[BotMessage(text="Hello!")])
    conversation = {"id": "c_1", "version": "1", "customer": "u_1", "state": "bot"}

    async def drain(conversation_id: str, token: str, work: Any = None) -> str:
        await bridge._store_turn(conversation, 1, 1, turn, token)
        order.extend("answer" for name in recorder.names() if name == "entry")
        return "done"

    bridge._drain = drain  # type: ignore[method-assign]


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


@pytest.mark.asyncio
async def test_the_answer_is_relayed_after_the_copy_of_the_message_it_answers() -> None:
    bridge = make_bridge()
    order: list[str] = []
    await answer_at_once(bridge, order)
    async with bridge.answering("c_1"):
        await settle()  # the bot has answered meanwhile, and its answer waits
        order.append("copy")
    await settle()
    assert order == ["copy", "answer"]
    assert bridge._held == {}


@pytest.mark.asyncio
async def test_without_the_block_the_same_answer_would_overtake_the_copy() -> None:
    # The counter-check: the fake bot is fast enough that only the block keeps the order.
    bridge = make_bridge()
    order: list[str] = []
    await answer_at_once(bridge, order)
    bridge.kick("c_1")
    await settle()
    order.append("copy")
    assert order == ["answer", "copy"]


@pytest.mark.asyncio
async def test_a_failing_block_releases_the_answers() -> None:
    bridge = make_bridge()
    order: list[str] = []
    await answer_at_once(bridge, order)
    with pytest.raises(RuntimeError):
        async with bridge.answering("c_1"):
            raise RuntimeError("the copy failed")
    await settle()
    assert order == ["answer"] and bridge._held == {}
