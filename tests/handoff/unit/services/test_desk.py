"""The desk: how refusals are explained, and who is told what, in which order (no I/O)."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.config.settings import Settings
from handoff.config.texts import SystemTexts
from handoff.domain.ownership import Action
from handoff.protocol.errors import ErrorCode, ProtocolError
from handoff.services.board import Board
from handoff.services.desk import Desk
from handoff.store.conversations import TransitionResult
from tests.handoff.unit.services.fakes import (
    FakeAgents,
    FakeConversations,
    FakeFacts,
    FakePlaces,
    FakePresence,
    Recorder,
    agent,
)

NOW = 1_764_000_000.0
BOT = {"id": "c_1", "customer": "u_1", "state": "bot", "version": "1", "language": "en"}
OWNED = {**BOT, "state": "agent", "owner": "a_1", "owner_name": "Ana", "version": "4"}


def make_desk(
    *conversations: dict[str, str], available: int = 1, online: set[str] | None = None
) -> tuple[Desk, FakeConversations, Recorder, Recorder]:
    store = FakeConversations(conversations)
    notify, stats = Recorder(), Recorder()
    facts: Any = FakeFacts(available=available)
    places: Any = FakePlaces(store)
    board = Board(conversations=store, facts=facts, places=places, notify=notify, clock=lambda: NOW)  # type: ignore[arg-type]
    desk = Desk(
        settings=Settings.from_env({"TANDEM_SECRET": "x" * 32}),
        conversations=store,  # type: ignore[arg-type]
        agents=FakeAgents(agent("a_1", name="Ana"), agent("a_2", name="Ben")),  # type: ignore[arg-type]
        presence=FakePresence(online or {"a_1", "a_2"}),  # type: ignore[arg-type]
        stats=stats,  # type: ignore[arg-type]
        facts=facts,
        board=board,
        notify=notify,  # type: ignore[arg-type]
        texts=SystemTexts.load(),
        clock=lambda: NOW,
    )
    return desk, store, notify, stats


@pytest.mark.asyncio
async def test_a_handoff_tells_the_desk_first_then_the_customer() -> None:
    desk, store, notify, stats = make_desk(BOT)
    result = await desk.hand_to_people(
        BOT, version=1, reason="requested", summary={}, language="", preview="a  person\nplease"
    )
    assert result.ok
    assert notify.names() == ["queue_added", "entry", "customer_state"]
    (item,) = notify.calls[0][1]
    assert (
        item["state"] == "queued"
        and item["position"] == 1
        and item["preview"] == ("a person please")
    )
    state = notify.calls[2][1][1]
    assert state["state"] == "queued" and state["queue_position"] == 1
    assert stats.names() == ["record_handoff"]
    assert store.transitions[0]["action"] is Action.HANDOFF
    assert store.transitions[0]["expected_version"] == 1


@pytest.mark.asyncio
async def test_nobody_available_makes_a_ticket() -> None:
    desk, store, notify, _ = make_desk(BOT, available=0)
    await desk.hand_to_people(BOT, version=None, reason="triage", summary={}, language="en")
    assert store.transitions[0]["action"] is Action.GO_OFFLINE
    assert notify.calls[2][1][1]["offline_reason"] == "no_agents"


@pytest.mark.asyncio
async def test_a_refused_change_tells_nobody() -> None:
    desk, store, notify, stats = make_desk(OWNED)
    store.results.append(TransitionResult("owner", previous_state="agent", owner="a_1"))
    with pytest.raises(ProtocolError) as refused:
        await desk.close(agent("a_2", name="Ben"), "c_1", "done", [])
    assert refused.value.code is ErrorCode.NOT_OWNER
    assert notify.calls == [] and store.expired == []
    store.results.append(TransitionResult("version", previous_state="queued"))
    assert not (
        await desk.hand_to_people(BOT, version=1, reason="loop", summary={}, language="en")
    ).ok
    assert notify.calls == [] and stats.calls == []


@pytest.mark.asyncio
async def test_a_claim_at_capacity_says_how_many() -> None:
    queued = {**BOT, "state": "queued", "queued_at": str(NOW - 30)}
    desk, store, _, _ = make_desk(queued)
    store.results.append(TransitionResult("capacity", previous_state="queued"))
    with pytest.raises(ProtocolError, match="you already have 3 conversations"):
        await desk.claim(agent("a_1", name="Ana"), "c_1")


@pytest.mark.asyncio
async def test_a_claim_is_announced_and_the_asking_tab_skipped() -> None:
    queued = {**BOT, "state": "queued", "queued_at": str(NOW - 30)}
    desk, store, notify, stats = make_desk(queued)
    store.results.append(TransitionResult("ok", previous_state="queued", version=3, seq=6))
    await desk.claim(agent("a_1", name="Ana"), "c_1", requester_sid="sid-1")
    assert notify.names() == ["queue_removed", "entry", "customer_state", "to_agent"]
    assert notify.calls[1][1][2] == "a_1"  # the system entry goes to the new owner's consoles
    assigned = notify.calls[3]
    assert assigned[1][:2] == ("a_1", "conversation_assigned")
    assert assigned[2] == {"skip_sid": "sid-1"}
    assert stats.names() == ["record_wait"] and stats.calls[0][1] == (30.0,)


@pytest.mark.asyncio
async def test_a_close_tells_the_watchers_the_outcome() -> None:
    desk, store, notify, _ = make_desk(OWNED)
    await desk.close(agent("a_1", name="Ana"), "c_1", "refunded", ["billing"])
    assert notify.names() == ["entry", "customer_state", "conversation_updated", "to_agent"]
    (info,) = notify.calls[2][1]
    assert info["state"] == "closed" and info["owner"] is None
    assert info["tags"] == ["billing"] and info["resolution"] == "refunded"
    assert notify.calls[3][1][1] == "conversation_unassigned"
    assert store.expired == ["c_1"]


@pytest.mark.asyncio
async def test_a_transfer_brings_the_note_and_the_new_owner() -> None:
    desk, store, notify, _ = make_desk(OWNED)
    await desk.transfer(agent("a_1", name="Ana"), "c_1", "a_2", "over to you")
    assert notify.names() == [
        "note",
        "entry",
        "customer_state",
        "conversation_updated",
        "to_agent",
        "to_agent",
    ]
    assert notify.calls[0][1][1] == "a_2"  # the note reaches the new owner
    assert notify.calls[3][1][0]["owner"] == {"id": "a_2", "name": "Ben"}
    assigned, unassigned = notify.calls[4][1], notify.calls[5][1]
    assert assigned[:2] == ("a_2", "conversation_assigned") and assigned[2]["note"] == "over to you"
    assert unassigned[:2] == ("a_1", "conversation_unassigned")


@pytest.mark.asyncio
async def test_a_transfer_needs_a_colleague_online() -> None:
    desk, _, notify, _ = make_desk(OWNED, online={"a_1"})
    with pytest.raises(ProtocolError) as refused:
        await desk.transfer(agent("a_1", name="Ana"), "c_1", "a_2", "")
    assert refused.value.code is ErrorCode.AGENT_UNAVAILABLE and notify.calls == []
    with pytest.raises(ProtocolError, match="yourself"):
        await desk.transfer(agent("a_1", name="Ana"), "c_1", "a_1", "")


@pytest.mark.asyncio
async def test_a_hand_back_leaves_the_kick_to_the_caller() -> None:
    desk, store, notify, _ = make_desk(OWNED)
    await desk.hand_back(agent("a_1", name="Ana"), "c_1")
    assert store.transitions[0]["fields"] == {"bot_event": "handback"}
    assert notify.names()[-1] == "to_agent" and not hasattr(desk, "bridge")


CLOSED = {**BOT, "state": "closed", "version": "6", "closed_at": str(NOW - 3600)}
TICKET = {**BOT, "state": "offline", "version": "3", "contact_email": "sam@example.org"}


@pytest.mark.asyncio
async def test_a_closed_conversation_the_customer_came_back_to_is_queued_again() -> None:
    desk, store, notify, _ = make_desk(CLOSED)
    assert await desk.wake(CLOSED, why="email") == "queued"
    (change,) = store.transitions
    assert change["action"] is Action.REOPEN and change["fields"]["reopened_by"] == "email"
    assert change["fields"]["offline_reason"] == ""  # waiting for a person, not a ticket
    # Every console hears of it as of any conversation joining the queue, the desk first.
    assert notify.names()[:3] == ["queue_added", "entry", "customer_state"]
    (item,) = notify.calls[0][1]
    assert item["state"] == "queued" and item["reopened"] == "email"
    entry = notify.calls[1][1][3]
    assert entry["event"] == "reopened" and "email" in entry["text"]
    assert store.kept == ["c_1"]  # no longer set to expire


@pytest.mark.asyncio
async def test_with_nobody_to_take_it_it_is_a_ticket_again() -> None:
    desk, store, notify, _ = make_desk(CLOSED, available=0)
    assert await desk.wake(CLOSED, why="followup") == "offline"
    (change,) = store.transitions
    assert change["action"] is Action.REOPEN_TICKET
    assert change["fields"]["offline_reason"] == "no_agents"
    (item,) = notify.calls[0][1]
    assert item["state"] == "offline" and item["reopened"] == "followup"


@pytest.mark.asyncio
async def test_a_ticket_stays_a_ticket_when_nobody_can_come_and_the_consoles_see_it() -> None:
    desk, store, notify, _ = make_desk(TICKET, available=0)
    assert await desk.wake(TICKET, why="email") == "offline"
    assert store.transitions == []
    assert notify.names() == ["queue_added"]
    assert store.data["c_1"]["reopened_by"] == "email"


@pytest.mark.asyncio
async def test_a_conversation_an_agent_holds_stays_theirs() -> None:
    desk, store, notify, _ = make_desk(OWNED)
    assert await desk.wake(OWNED, why="email") == "agent"
    assert store.transitions == [] and notify.calls == []
