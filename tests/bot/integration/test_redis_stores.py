"""The bot's Redis stores (bot/event_log_store.py, bot/ticket_lock_store.py) against a real
redis-server, compared with the Rasa 3.6 stores they replace wherever both can run.

What must hold: a tracker reads back as Rasa's own Redis store would give it (last session,
every session, slots), a turn appends only its new events, a writer that raced another loses
nothing, a conversation Rasa's store wrote is moved over intact, and a lock is exclusive and
drawn atomically by concurrent Rasa replicas.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from rasa.core.lock_store import RedisLockStore
from rasa.core.tracker_store import RedisTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot import stores
from bot.event_log_store import (
    EVENTS_KEY_PREFIX,
    LEGACY_TRACKER_KEY_PREFIX,
    SESSION_KEY_PREFIX,
    EventLogTrackerStore,
)
from bot.ticket_lock_store import ScriptedRedisLockStore
from tests.support.redis_server import RedisServer

REPO = Path(__file__).resolve().parents[3]
MONTH = 30 * 24 * 3600


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with RedisServer(tmp_path_factory.mktemp("stores-redis")) as server:
        yield server


@pytest.fixture()
def client(redis_server: RedisServer) -> Iterator[redis.Redis]:
    redis_server.flush()
    with redis_server.client() as client:
        yield client


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(REPO / "domain.yml"))


def event_log(domain: Domain, redis_server: RedisServer) -> EventLogTrackerStore:
    return EventLogTrackerStore(domain, port=redis_server.port, record_exp=MONTH)


def rasa_store(domain: Domain, redis_server: RedisServer) -> RedisTrackerStore:
    return RedisTrackerStore(domain, port=redis_server.port, key_prefix="rasa")


def session(text: str, *, slot_value: str | None = None) -> list[Event]:
    """A session as Rasa's processor writes one: its start, then a turn."""
    events: list[Event] = [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        UserUttered(text, {"name": "greet", "confidence": 0.9}),
    ]
    if slot_value is not None:
        events.append(SlotSet("order_number", slot_value))
    events += [ActionExecuted("utter_greet"), ActionExecuted("action_listen")]
    return events


def dicts(tracker: DialogueStateTracker | None) -> list[dict[str, Any]]:
    """The tracker's events, without the moment each was made (two stores, two clocks)."""
    assert tracker is not None
    return [
        {key: value for key, value in event.as_dict().items() if key != "timestamp"}
        for event in tracker.events
    ]


def state(tracker: DialogueStateTracker | None) -> dict[str, Any]:
    assert tracker is not None
    return {"slots": tracker.current_slot_values(), "latest": tracker.latest_message.text}


async def grow(store: Any, sender: str, *sessions: list[Event]) -> None:
    """Write a conversation turn by turn, each turn read back first, as Rasa's processor does."""
    for events in sessions:
        for event in events:
            tracker = await store.get_or_create_tracker(sender)
            tracker.update(event)
            await store.save(tracker)


@pytest.mark.asyncio
async def test_reads_back_what_rasas_own_store_gives(
    domain: Domain, redis_server: RedisServer, client: redis.Redis
) -> None:
    ours, theirs = event_log(domain, redis_server), rasa_store(domain, redis_server)
    sessions = (session("hello", slot_value="A-1"), session("back again"))
    await grow(ours, "c_ours", *sessions)
    await grow(theirs, "c_theirs", *sessions)

    for read in ("retrieve", "retrieve_full_tracker"):
        mine = await getattr(ours, read)("c_ours")
        rasa = await getattr(theirs, read)("c_theirs")
        assert dicts(mine) == dicts(rasa), read
        assert state(mine) == state(rasa), read
    last = await ours.retrieve("c_ours")
    assert dicts(last)[0]["name"] == "action_session_start"
    assert state(last) == {"slots": state(last)["slots"], "latest": "back again"}
    assert state(last)["slots"]["order_number"] is None  # a new session resets it, as in Rasa
    full = await ours.retrieve_full_tracker("c_ours")
    assert full is not None and full.get_slot("order_number") is None
    # The log holds each event once: the first action_listen (create_tracker) and two sessions.
    assert client.llen(f"{EVENTS_KEY_PREFIX}c_ours") == 1 + sum(len(s) for s in sessions)
    assert client.get(f"{SESSION_KEY_PREFIX}c_ours") == str(1 + len(sessions[0]))


@pytest.mark.asyncio
async def test_a_turn_appends_its_events_and_leaves_the_stored_ones_alone(
    domain: Domain, redis_server: RedisServer, client: redis.Redis
) -> None:
    store = event_log(domain, redis_server)
    await grow(store, "c_1", session("hello"))
    key = f"{EVENTS_KEY_PREFIX}c_1"
    before = client.lrange(key, 0, -1)

    tracker = await store.retrieve("c_1")
    assert tracker is not None
    tracker.update(UserUttered("where is my parcel", {"name": "ask", "confidence": 0.8}))
    tracker.update(ActionExecuted("utter_parcel"))
    await store.save(tracker)
    await store.save(tracker)  # nothing new: nothing written

    after = client.lrange(key, 0, -1)
    assert after[: len(before)] == before
    assert [json.loads(raw)["event"] for raw in after[len(before) :]] == ["user", "action"]
    assert 0 < client.ttl(key) <= MONTH and 0 < client.ttl(f"{SESSION_KEY_PREFIX}c_1") <= MONTH


@pytest.mark.asyncio
async def test_a_writer_that_raced_another_merges_and_loses_nothing(
    domain: Domain, redis_server: RedisServer, client: redis.Redis
) -> None:
    # Two Rasa replicas read the same conversation; both write without the other's event.
    first, second = event_log(domain, redis_server), event_log(domain, redis_server)
    await grow(first, "c_2", session("hello"))
    a, b = await first.retrieve("c_2"), await second.retrieve("c_2")
    assert a is not None and b is not None
    a.update(UserUttered("from the first", {"name": "greet", "confidence": 1.0}))
    await first.save(a)
    b.update(UserUttered("from the second", {"name": "greet", "confidence": 1.0}))
    await second.save(b)
    b.update(ActionExecuted("utter_greet"))
    await second.save(b)  # appends again after the merge

    texts = [json.loads(raw).get("text") for raw in client.lrange(f"{EVENTS_KEY_PREFIX}c_2", 0, -1)]
    assert texts.count("hello") == 1
    assert texts.count("from the first") == 1 and texts.count("from the second") == 1
    full = await first.retrieve_full_tracker("c_2")
    assert dicts(full)[-1]["name"] == "utter_greet"


@pytest.mark.asyncio
async def test_a_tracker_it_never_handed_out_is_merged_as_rasas_store_merges_it(
    domain: Domain, redis_server: RedisServer
) -> None:
    # Rasa's HTTP API (PUT .../tracker/events) saves a tracker built from a request body.
    ours, theirs = event_log(domain, redis_server), rasa_store(domain, redis_server)
    await grow(ours, "c_ours", session("hello"))
    await grow(theirs, "c_theirs", session("hello"))
    for sender, store in (("c_ours", ours), ("c_theirs", theirs)):
        built = DialogueStateTracker.from_events(sender, session("replaced"), domain.slots)
        await store.save(built)
    assert dicts(await ours.retrieve_full_tracker("c_ours")) == dicts(
        await theirs.retrieve_full_tracker("c_theirs")
    )


@pytest.mark.asyncio
async def test_a_conversation_rasas_store_wrote_is_moved_over_intact(
    domain: Domain, redis_server: RedisServer, client: redis.Redis
) -> None:
    theirs = rasa_store(domain, redis_server)
    await grow(theirs, "c_old", session("hello", slot_value="A-1"), session("again"))
    expected_full = dicts(await theirs.retrieve_full_tracker("c_old"))
    expected_last = dicts(await theirs.retrieve("c_old"))

    ours = event_log(domain, redis_server)
    assert await ours.exists("c_old")
    assert dicts(await ours.retrieve("c_old")) == expected_last
    assert not client.exists(f"{LEGACY_TRACKER_KEY_PREFIX}c_old")
    assert dicts(await ours.retrieve_full_tracker("c_old")) == expected_full
    assert sorted(await ours.keys()) == ["c_old"]
    assert await ours.retrieve("c_nobody") is None and not await ours.exists("c_nobody")


@pytest.mark.asyncio
async def test_the_same_conversation_through_rasas_agent_with_either_store(
    domain: Domain, redis_server: RedisServer, client: redis.Redis
) -> None:
    """The trained bot answers the same and records the same events with either store."""
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    model = REPO / "models" / "tandem.tar.gz"
    if not model.exists():
        pytest.fail("no trained model: run 'make train'")
    script = ("hi", "my parcel has not arrived", "A-12345", "10 days", "thanks, bye")
    outcome = {}
    for name, store, locks in (
        ("ours", event_log(domain, redis_server), ScriptedRedisLockStore(port=redis_server.port)),
        ("rasa", rasa_store(domain, redis_server), RedisLockStore(port=redis_server.port)),
    ):
        agent = Agent.load(str(model), tracker_store=store, lock_store=locks)
        replies = []
        for n, text in enumerate(script):
            out = CollectingOutputChannel()
            await agent.handle_message(
                UserMessage(text, out, f"c_{name}", message_id=f"m{n}", input_channel="tandem")
            )
            replies.append([message.get("text") for message in out.messages])
        outcome[name] = (replies, dicts(await store.retrieve_full_tracker(f"c_{name}")))
    assert outcome["ours"] == outcome["rasa"]
    assert len(outcome["ours"][1]) > 20 and any(outcome["ours"][0])


# -- locks ------------------------------------------------------------------------------------
def lock_store(redis_server: RedisServer) -> ScriptedRedisLockStore:
    return ScriptedRedisLockStore(port=redis_server.port, db=0, key_prefix="rasa")


@pytest.mark.asyncio
async def test_a_lock_is_exclusive_and_gone_when_given_back(
    redis_server: RedisServer, client: redis.Redis
) -> None:
    store = lock_store(redis_server)
    order: list[str] = []

    async def turn(name: str) -> None:
        async with store.lock("c_lock", wait_time_in_seconds=0.05):
            order.append(f"{name} in")
            await asyncio.sleep(0.2)
            order.append(f"{name} out")

    first = asyncio.create_task(turn("first"))
    await asyncio.sleep(0.05)
    # Rasa's own store reads the lock the script wrote: one ticket, being served, with expiry.
    held = RedisLockStore(port=redis_server.port, db=0, key_prefix="rasa").get_lock("c_lock")
    assert held is not None and held.now_serving == 0 and held.is_someone_waiting()
    assert 0 < client.pttl("rasa:lock:c_lock") <= 61_000
    await asyncio.gather(first, turn("second"))
    assert order == ["first in", "first out", "second in", "second out"]
    assert not client.exists("rasa:lock:c_lock")


def test_concurrent_replicas_never_draw_the_same_ticket(redis_server: RedisServer) -> None:
    drawn: list[int] = []
    guard = threading.Lock()

    def replica() -> None:
        store = lock_store(redis_server)  # its own connection, as another Rasa process has
        numbers = [store.issue_ticket("c_race") for _ in range(100)]
        with guard:
            drawn.extend(numbers)

    threads = [threading.Thread(target=replica) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(drawn) == list(range(400))


@pytest.mark.asyncio
async def test_an_expired_ticket_does_not_hold_the_lock(
    redis_server: RedisServer, client: redis.Redis
) -> None:
    store = lock_store(redis_server)
    store.issue_ticket("c_dead", lock_lifetime=0.05)  # a Rasa that died holding the lock
    await asyncio.sleep(0.1)
    waited = []
    store._acquire_lock = lambda *args: waited.append(args)  # type: ignore[method-assign]
    async with store.lock("c_dead", wait_time_in_seconds=0.05):
        held = store.get_lock("c_dead")
        assert held is not None and [t.number for t in held.tickets] == [0]  # the dead one gone
    assert waited == []  # served at once, without waiting for the dead ticket
    assert not client.exists("rasa:lock:c_dead")


@pytest.mark.asyncio
async def test_the_stores_use_the_bots_own_redis_when_it_has_one(
    domain: Domain,
    redis_server: RedisServer,
    client: redis.Redis,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``TANDEM_RASA_REDIS_URL`` wins over ``TANDEM_REDIS_URL`` (the service's): the tracker and
    the lock are written there and nothing of the bot's on the service's Redis."""
    with RedisServer(tmp_path / "bot-redis") as bots, bots.client() as bot_client:
        monkeypatch.setenv(stores.REDIS_URL_VARIABLE, redis_server.url)
        monkeypatch.setenv(stores.BOT_REDIS_URL_VARIABLE, bots.url)
        tracker_store = stores.TrackerStoreFromEnv(domain)
        lock_store_ = stores.LockStoreFromEnv()
        assert isinstance(tracker_store, EventLogTrackerStore)
        async with lock_store_.lock("c_own", wait_time_in_seconds=0.05):
            assert bot_client.exists("rasa:lock:c_own") and not client.exists("rasa:lock:c_own")
        await grow(tracker_store, "c_own", session("hello"))
        assert bot_client.llen(f"{EVENTS_KEY_PREFIX}c_own") > 0
        assert client.keys("rasa:*") == []
        # Without it, the service's Redis, as before.
        monkeypatch.delenv(stores.BOT_REDIS_URL_VARIABLE)
        await grow(stores.TrackerStoreFromEnv(domain), "c_shared", session("hello"))
        assert client.llen(f"{EVENTS_KEY_PREFIX}c_shared") > 0


def test_a_bad_bot_redis_url_is_named_in_the_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(stores.BOT_REDIS_URL_VARIABLE, "http://127.0.0.1:6379")
    with pytest.raises(ValueError, match="TANDEM_RASA_REDIS_URL must start with redis://"):
        stores.LockStoreFromEnv()
