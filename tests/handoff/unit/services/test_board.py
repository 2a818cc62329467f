"""What people are shown of the desk: places in line, the conversation's story (no I/O)."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.protocol.errors import ProtocolError
from handoff.services.board import Board
from tests.handoff.unit.services.fakes import (
    FakeConversations,
    FakeFacts,
    FakePlaces,
    Recorder,
    agent,
)

QUEUED = [
    {"id": f"c_{i}", "customer": f"u_{i}", "state": "queued", "queued_at": "1.0"} for i in (1, 2)
]


def make_board(*conversations: dict[str, str], available: int = 1) -> tuple[Board, Recorder]:
    store = FakeConversations(conversations)
    store.queued = [c["id"] for c in conversations if c["state"] == "queued"]
    notify = Recorder()
    facts: Any = FakeFacts(available=available)
    places: Any = FakePlaces(store)
    board = Board(
        conversations=store, facts=facts, places=places, notify=notify, clock=lambda: 100.0
    )  # type: ignore[arg-type]
    return board, notify


@pytest.mark.asyncio
async def test_a_waiting_customer_learns_their_place_and_the_wait() -> None:
    board, _ = make_board(*QUEUED)
    state = await board.state_for_customer(QUEUED[1])
    assert state == {
        "conversation_id": "c_2",
        "state": "queued",
        "queue_position": 2,
        "estimated_wait_s": 120.0,
    }
    owned = {"id": "c_3", "state": "agent", "owner_name": "Ana"}
    assert (await board.state_for_customer(owned))["agent_name"] == "Ana"
    closed = {"id": "c_4", "state": "closed"}
    assert (await board.state_for_customer(closed))["csat_requested"] is True


@pytest.mark.asyncio
async def test_only_the_customers_who_moved_hear_when_the_line_moves() -> None:
    board, notify = make_board(*QUEUED, available=2)
    assert await board.broadcast_positions() == 2
    told = [(args[0], args[1]["queue_position"]) for _, args, _ in notify.calls]
    assert told == [("u_1", 1), ("u_2", 2)]
    # Nothing moved: nobody is told again.
    assert await board.broadcast_positions() == 0
    # The first in line was served: the second moves up and hears it, the first is forgotten.
    board.store.queued.remove("c_1")  # type: ignore[attr-defined]
    assert await board.broadcast_positions() == 1
    assert notify.calls[-1][1][0] == "u_2" and notify.calls[-1][1][1]["queue_position"] == 1
    assert board.places.told == {"c_2": "1|0|100.0"}  # type: ignore[attr-defined]


@pytest.mark.asyncio
async def test_lists_and_details() -> None:
    board, _ = make_board(*QUEUED)
    queue, tickets = await board.queue_for(agent("a_1"))
    assert [q["position"] for q in queue] == [1, 2] and tickets == []
    assert all(q["eligible"] for q in queue)
    detail = await board.detail("c_1")
    assert detail["conversation"]["conversation_id"] == "c_1" and detail["messages"] == []
    with pytest.raises(ProtocolError, match="no such conversation"):
        await board.detail("c_9")
