"""The lease the customer's append takes for the bridge: to exactly one pump, never leaked.

Real Redis, the real bridge and bot client against the stand-in Rasa. The writers' inbox is the
one stand-in: it holds a pump after its last commit (the lease released, the task not gone).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
import socketio

from handoff.config.texts import SystemTexts
from handoff.domain.entries import encode
from handoff.domain.ownership import Action
from handoff.fanout.notify import Notifier
from handoff.services.bot_client import BotClient
from handoff.services.bridge import BotBridge
from handoff.store.bot_lease import BotLease, LeaseOffer
from handoff.store.conversations import ConversationStore, NotReplicated
from tests.handoff.integration.store.conftest import KEYS
from tests.support.rasa_stub import RasaStub

pytestmark = pytest.mark.asyncio


class HeldInbox:
    """Holds the first pump that notes a turn until ``go`` is set."""

    def __init__(self) -> None:
        self.reached = asyncio.Event()
        self.go = asyncio.Event()

    async def bot_turn(self, conversation: Any, message: Any, turn: Any) -> None:
        if not self.reached.is_set():
            self.reached.set()
            await self.go.wait()


@pytest_asyncio.fixture
async def parts(redis: Any, rasa: RasaStub) -> AsyncIterator[tuple[BotBridge, HeldInbox]]:
    store = ConversationStore(redis, KEYS, retention_seconds=3600)
    bot = BotClient(rasa.url, token="", timeout=2.0)
    inbox = HeldInbox()
    unused: Any = None  # no handoff in these tests: the desk and its facts are not reached
    bridge = BotBridge(
        lease=BotLease(redis, KEYS, lease_ms=5000),
        conversations=store,
        bot=bot,
        desk=unused,
        facts=unused,
        notify=Notifier(socketio.AsyncServer(async_mode="asgi")),
        texts=SystemTexts.load(),
        clock=time.time,
        inbox=inbox,  # type: ignore[arg-type]
    )
    yield bridge, inbox
    await bridge.close()
    await bot.aclose()


async def bot_texts(store: ConversationStore, cid: str, count: int) -> list[str]:
    """The bot's entries, once there are ``count`` of them (or what there is after 10 s)."""
    texts: list[str] = []
    for _ in range(500):
        texts = [e["text"] for e in await store.read_whole_log(cid) if e["author"] == "bot"]
        if len(texts) >= count:
            break
        await asyncio.sleep(0.02)
    return texts


async def finished(bridge: BotBridge, cid: str) -> None:
    for _ in range(500):
        if cid not in bridge._running:
            return
        await asyncio.sleep(0.01)


async def test_a_lease_taken_while_the_last_pump_finishes_goes_to_that_pump(
    redis: Any, rasa: RasaStub, parts: tuple[BotBridge, HeldInbox]
) -> None:
    bridge, inbox = parts
    store = bridge.conversations
    cid = await store.start("u_1", expected_current="", day_key=KEYS.stats_day("d"))
    first = await store.append(
        cid, encode(author="customer", text="one"), for_bot=True, lease=bridge.offer()
    )
    assert first.taken is not None and first.taken.work.message["text"] == "one"
    assert await redis.get(KEYS.bot_lock(cid)) == first.taken.token
    bridge.kick(cid, first.taken)
    await inbox.reached.wait()
    # "one" is answered; its commit found nothing left and released the lease, and the pump
    # is still running (noting the turn). The next message's append takes the lease.
    assert not await redis.exists(KEYS.bot_lock(cid)) and cid in bridge._running
    second = await store.append(
        cid, encode(author="customer", text="two"), for_bot=True, lease=bridge.offer()
    )
    assert second.taken is not None and second.taken.work.message["text"] == "two"
    bridge.kick(cid, second.taken)
    assert len(bridge._running) == 1  # handed to the running pump, no second one
    inbox.go.set()
    assert await bot_texts(store, cid, 2) == ["You said: one", "You said: two"]
    await finished(bridge, cid)
    assert rasa.messages_for(cid) == ["one", "two"]  # each asked once
    assert not bridge._handed and cid not in bridge._running
    assert not await redis.exists(KEYS.bot_lock(cid))


async def test_a_lease_held_by_another_replica_is_not_taken(
    redis: Any, rasa: RasaStub, parts: tuple[BotBridge, HeldInbox]
) -> None:
    bridge, inbox = parts
    inbox.reached.set()  # nothing held
    store = bridge.conversations
    cid = await store.start("u_1", expected_current="", day_key=KEYS.stats_day("d"))
    await redis.set(KEYS.bot_lock(cid), "other replica", px=300)
    result = await store.append(
        cid, encode(author="customer", text="hi"), for_bot=True, lease=bridge.offer()
    )
    assert result.ok and result.taken is None
    assert await redis.get(KEYS.bot_lock(cid)) == "other replica"
    bridge.kick(cid, result.taken)  # as today: busy, tried again once the other lease is over
    assert await bot_texts(store, cid, 1) == ["You said: hi"]
    assert rasa.messages_for(cid) == ["hi"]


async def test_a_lease_nobody_was_handed_expires(
    redis: Any, rasa: RasaStub, parts: tuple[BotBridge, HeldInbox]
) -> None:
    """The append's reply was lost (the connection dropped after Redis ran it): the lease is
    held by a token nobody has, for one lease's length, as a dead replica's is."""
    bridge, inbox = parts
    inbox.reached.set()
    store = bridge.conversations
    cid = await store.start("u_1", expected_current="", day_key=KEYS.stats_day("d"))
    result = await store.append(
        cid, encode(author="customer", text="hi"), for_bot=True, lease=LeaseOffer("lost", 300)
    )
    assert result.taken is not None and 0 < await redis.pttl(KEYS.bot_lock(cid)) <= 300
    bridge.kick(cid)  # the customer's next kick (a reconnect): busy until the lease is over
    assert await bot_texts(store, cid, 1) == ["You said: hi"]


async def test_an_append_not_replicated_gives_the_lease_back(redis: Any) -> None:
    """No replica confirms: the client is told to retry, and its resend (a duplicate, which
    kicks the bridge) must find the lease free."""
    store = ConversationStore(
        redis, KEYS, retention_seconds=3600, wait_replicas=1, wait_timeout_ms=50
    )
    cid = await store.start("u_1", expected_current="", day_key=KEYS.stats_day("d"))
    with pytest.raises(NotReplicated):
        await store.append(
            cid, encode(author="customer", text="hi"), for_bot=True, lease=LeaseOffer("t", 5000)
        )
    assert await store.fields(cid, "customer_seq") == ["1"]  # stored on the primary
    assert not await redis.exists(KEYS.bot_lock(cid))


async def test_a_person_claiming_before_the_answer_drops_it(
    redis: Any, rasa: RasaStub, parts: tuple[BotBridge, HeldInbox]
) -> None:
    bridge, inbox = parts
    inbox.reached.set()
    store = bridge.conversations
    cid = await store.start("u_1", expected_current="", day_key=KEYS.stats_day("d"))
    result = await store.append(
        cid, encode(author="customer", text="slow 0.3 hello"), for_bot=True, lease=bridge.offer()
    )
    assert result.taken is not None
    bridge.kick(cid, result.taken)
    for _ in range(200):
        if rasa.messages_for(cid):
            break
        await asyncio.sleep(0.01)
    await store.transition(cid, Action.HANDOFF)
    claimed = await store.transition(cid, Action.CLAIM, new_owner="a_1", new_owner_name="Ana")
    assert claimed.ok
    await finished(bridge, cid)
    assert rasa.messages_for(cid) == ["slow 0.3 hello"]
    assert await bot_texts(store, cid, 0) == []  # the answer came back stale: dropped
    assert not await redis.exists(KEYS.bot_lock(cid))  # and the lease given back
