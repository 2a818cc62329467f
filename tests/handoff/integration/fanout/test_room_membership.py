"""Publishing only what another replica needs (``handoff.fanout.membership``): real Redis, real
replicas, real socket.io clients, and a raw subscriber on the replicas' channel to see what was
published.

What one replica publishes reaches a subscriber in the order it was emitted (one FIFO sender,
one channel), so "X was not published" is checked by waiting for a Y emitted after X by the same
replica, then looking for X.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import redis.asyncio as aioredis

from handoff.store.keys import Keys
from tests.support.handoff_server import HandoffServer
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.asyncio
KEYS = Keys("tandem:")


async def until(condition: Callable[[], Any], *, timeout: float, what: str) -> None:
    """Wait for ``condition`` (sync or async) to hold; a bounded wait, not a timing check."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        held = condition()
        if asyncio.iscoroutine(held):
            held = await held
        if held:
            return
        if loop.time() > end:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


class Channel:
    """Everything published on the replicas' channel, decoded."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def mentioning(self, text: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if text in json.dumps(m)]


@contextlib.asynccontextmanager
async def listening(url: str) -> AsyncIterator[Channel]:
    redis = aioredis.Redis.from_url(url)
    pubsub = redis.pubsub()
    await pubsub.subscribe(KEYS.socketio_channel)
    channel = Channel()

    async def read() -> None:
        async for message in pubsub.listen():
            if message["type"] == "message":
                channel.messages.append(json.loads(message["data"]))

    task = asyncio.create_task(read())
    try:
        yield channel
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await pubsub.aclose()
        await redis.aclose()


async def handed_to(customer: Any, agent: Any) -> str:
    """The customer asks for a person and ``agent`` claims the conversation."""
    ack = await customer.say("human please")
    conversation_id: str = ack["conversation_id"]
    await agent.wait_for("queue_added", lambda p: p["item"]["conversation_id"] == conversation_id)
    claimed = await agent.call("claim", {"conversation_id": conversation_id})
    assert claimed["ok"], claimed
    await customer.wait_for("tandem_state", lambda p: p["state"] == "agent")
    return conversation_id


async def send(agent: Any, conversation_id: str, text: str) -> dict[str, Any]:
    ack: dict[str, Any] = await agent.call(
        "send_message",
        {"conversation_id": conversation_id, "text": text, "client_msg_id": text.replace(" ", "_")},
    )
    assert ack["ok"], ack
    return ack


async def room_sets(url: str) -> dict[str, set[bytes]]:
    """Every room's set of replicas in Redis."""
    redis = aioredis.Redis.from_url(url)
    try:
        found = {}
        async for key in redis.scan_iter(match="tandem:room:*"):
            found[key.decode()] = await redis.smembers(key)
        return found
    finally:
        await redis.aclose()


async def test_a_relay_whose_members_are_all_on_one_replica_is_not_published(
    customer: Any, agent: Any, service: HandoffServer, replica2: HandoffServer, clean_redis: Any
) -> None:
    async with listening(clean_redis.url) as channel:
        bob = await agent()  # on the service, as the customer
        alice = await customer()
        conversation_id = await handed_to(alice, bob)
        await send(bob, conversation_id, "only here")
        await alice.wait_text("only here")
        # Now a colleague on the other replica watches: the next message goes there too.
        carol = await agent(url=replica2.url)
        await carol.call("watch", {"conversation_id": conversation_id})
        await send(bob, conversation_id, "for the watcher")
        await carol.wait_for(
            "conversation_message", lambda p: p["entry"]["text"] == "for the watcher"
        )
        await alice.wait_text("for the watcher")
        await until(
            lambda: channel.mentioning("for the watcher"), timeout=10, what="the shared publish"
        )
    assert channel.mentioning("only here") == []
    # The watcher's copy was published; the customer's (all her tabs are here) was not.
    published = [m["event"] for m in channel.mentioning("for the watcher")]
    assert published == ["conversation_message"]
    # Nor was anything addressed to one socket of its own replica.
    to_a_socket = {"session_confirm", "tandem_session", "tandem_transcript"}
    assert [m for m in channel.messages if m.get("event") in to_a_socket] == []


async def test_a_member_on_the_other_replica_gets_every_relay(
    customer: Any, agent: Any, service: HandoffServer, replica2: HandoffServer, clean_redis: Any
) -> None:
    bob = await agent(url=replica2.url)  # the agent on B, the customer on A
    alice = await customer()
    conversation_id = await handed_to(alice, bob)
    await send(bob, conversation_id, "across")
    await alice.wait_text("across")
    tab = await customer(url=replica2.url, session_id=alice.session_id)  # her second tab, on B
    await send(bob, conversation_id, "to both tabs")
    await alice.wait_text("to both tabs")
    await tab.wait_text("to both tabs")
    await alice.say("from the first tab")
    await tab.wait_for("tandem_message", lambda p: p["entry"]["text"] == "from the first tab")
    await bob.wait_for("conversation_message", lambda p: p["entry"]["text"] == "from the first tab")
    sets = await room_sets(clean_redis.url)
    assert len(sets[f"tandem:room:/agent:agent:{bob.id}"]) == 1
    customer_rooms = [members for key, members in sets.items() if ":/:cust:" in key]
    assert [len(m) for m in customer_rooms] == [2]  # her tabs, on both replicas


async def test_a_redis_that_lost_its_scripts_still_relays_across_replicas(
    customer: Any, agent: Any, service: HandoffServer, replica2: HandoffServer, clean_redis: Any
) -> None:
    """The publish script runs by its sha; after a restart or failover Redis no longer has it:
    the replica loads it and sends the refused messages again."""
    bob = await agent(url=replica2.url)
    alice = await customer()
    conversation_id = await handed_to(alice, bob)
    await send(bob, conversation_id, "before the flush")
    await alice.wait_text("before the flush")
    redis = aioredis.Redis.from_url(clean_redis.url)
    try:
        await redis.script_flush()
    finally:
        await redis.aclose()
    await send(bob, conversation_id, "after the flush")
    await alice.wait_text("after the flush")
    await alice.say("back across")
    await bob.wait_for("conversation_message", lambda p: p["entry"]["text"] == "back across")


async def test_a_tab_joining_on_the_other_replica_while_the_agent_types_misses_nothing(
    customer: Any, agent: Any, service: HandoffServer, replica2: HandoffServer, clean_redis: Any
) -> None:
    bob = await agent()
    alice = await customer()
    conversation_id = await handed_to(alice, bob)
    count = 40
    last = 0

    async def relay() -> None:
        nonlocal last
        for i in range(count):
            last = (await send(bob, conversation_id, f"burst {i}"))["seq"]

    sending = asyncio.create_task(relay())
    await alice.wait_text("burst 5")
    tab = await customer(url=replica2.url, session_id=alice.session_id, last_seq=0)
    await sending
    # Every entry, live or from its sync, with nothing missing in between.
    await until(lambda: tab.contiguous() >= last, timeout=15, what="the new tab to have all")
    texts = {e["text"] for e in tab.transcript().values()}
    assert {f"burst {i}" for i in range(count)} <= texts


async def test_a_killed_replica_is_swept_out_of_the_rooms_and_a_stopped_one_leaves(
    customer: Any,
    start_server: Callable[..., HandoffServer],
    service: HandoffServer,
    clean_redis: RedisServer,
) -> None:
    # The survivor (``service``) sweeps on its own beat; the victim's beat runs out after 2 s.
    doomed = start_server({"TANDEM_REPLICA_TTL": "2"})
    stopped = start_server({"TANDEM_REPLICA_TTL": "2"})
    await customer(url=doomed.url)
    await customer(url=stopped.url)
    await until(
        lambda: _count(clean_redis.url, ":/:cust:", 2), timeout=10, what="both customers' rooms"
    )
    stopped.stop()  # a clean stop: out of its rooms at once
    sets = await room_sets(clean_redis.url)
    assert sorted(len(m) for k, m in sets.items() if ":/:cust:" in k) == [1]
    doomed.kill()  # no clean-up at all: its entries stay until a survivor's beat sweeps them
    await until(
        lambda: _count(clean_redis.url, ":/:cust:", 0),
        timeout=30,
        what="the dead replica swept out of its rooms",
    )
    redis = aioredis.Redis.from_url(clean_redis.url, decode_responses=True)
    try:
        leftovers = [k async for k in redis.scan_iter(match="tandem:replica:*")]
        beating = await redis.zrange(KEYS.replicas, 0, -1)
    finally:
        await redis.aclose()
    assert beating  # the survivor still beats
    assert [k for k in leftovers if k.split(":")[2] not in beating] == []  # no dead one's list


async def _count(url: str, fragment: str, expected: int) -> bool:
    sets = await room_sets(url)
    return sum(len(m) for k, m in sets.items() if fragment in k) == expected
