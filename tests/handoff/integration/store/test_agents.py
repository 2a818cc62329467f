"""Agent accounts on Redis: unique usernames, updates that revoke, the requeue set, loads."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.domain.agents import AgentError
from handoff.store.agents import AgentStore
from tests.handoff.integration.store.conftest import KEYS, Clock

pytestmark = pytest.mark.asyncio


async def test_accounts_are_created_once_and_found_by_name(redis: Any) -> None:
    agents = AgentStore(redis, KEYS, clock=Clock(42.0))
    ana = await agents.create(
        "ana", name="Ana", password_hash="h", languages=["EN"], skills=[], capacity=2
    )
    assert ana.languages == ("en",) and ana.created_at == 42.0
    with pytest.raises(AgentError, match="already exists"):
        await agents.create("ana", name="A", password_hash="h", languages=[], skills=[], capacity=2)
    with pytest.raises(AgentError, match="capacity"):
        await agents.create("ben", name="B", password_hash="h", languages=[], skills=[], capacity=0)
    assert await agents.by_username("ana") == ana and await agents.by_username("zoe") is None
    assert [r.username for r in await agents.all()] == ["ana"]
    assert await agents.many([ana.id, "a_missing"]) == [ana]


async def test_disabling_revokes_and_asks_for_a_requeue(redis: Any) -> None:
    agents = AgentStore(redis, KEYS)
    ana = await agents.create(
        "ana", name="Ana", password_hash="h", languages=[], skills=[], capacity=2
    )
    await agents.disable(ana.id)
    record = await agents.get(ana.id)
    assert record is not None and record.disabled and record.token_gen == ana.token_gen + 1
    assert await agents.next_to_requeue() == ana.id and await agents.next_to_requeue() is None
    await redis.sadd(KEYS.agent_active(ana.id), "c_1", "c_2")
    assert await agents.loads([ana.id]) == {ana.id: 2}
    assert await agents.active(ana.id) == ["c_1", "c_2"]


async def test_owners_are_the_agents_with_a_conversation(redis: Any) -> None:
    agents = AgentStore(redis, KEYS)
    ana = await agents.create(
        "ana", name="A", password_hash="h", languages=[], skills=[], capacity=2
    )
    await agents.create("ben", name="B", password_hash="h", languages=[], skills=[], capacity=2)
    assert await agents.owners() == set()
    await redis.sadd(KEYS.agent_active(ana.id), "c_1")
    assert await agents.owners() == {ana.id}


async def test_roles_are_kept_and_checked(redis: Any) -> None:
    agents = AgentStore(redis, KEYS)
    wren = await agents.create(
        "wren",
        name="W",
        password_hash="h",
        languages=[],
        skills=[],
        capacity=1,
        roles=["Writer", "writer"],
    )
    plain = await agents.create(
        "pat", name="P", password_hash="h", languages=[], skills=[], capacity=1
    )
    assert await agents.get(wren.id) == wren and wren.roles == ("writer",) and wren.can_write
    assert plain.roles == () and not plain.can_write
    with pytest.raises(AgentError, match="roles"):
        await agents.create(
            "eve",
            name="E",
            password_hash="h",
            languages=[],
            skills=[],
            capacity=1,
            roles=["root"],
        )
