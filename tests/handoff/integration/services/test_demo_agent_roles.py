"""The demo agent of a developer machine may use the workbench: it gets every role, also when it
was created before roles existed."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.domain.agents import ROLES
from handoff.services.demo_agent import ensure_demo_agent
from handoff.store.agents import AgentStore
from tests.handoff.integration.store.conftest import KEYS

pytestmark = pytest.mark.asyncio


async def test_the_demo_agent_has_every_role(redis: Any) -> None:
    agents = AgentStore(redis, KEYS)
    await ensure_demo_agent(agents, "demo:demo-password")
    demo = await agents.by_username("demo")
    assert demo is not None and demo.roles == ROLES and demo.can_write


async def test_a_demo_agent_from_before_roles_gets_them(redis: Any) -> None:
    agents = AgentStore(redis, KEYS)
    old = await agents.create(
        "demo", name="Demo", password_hash="h", languages=[], skills=[], capacity=1
    )
    await redis.hdel(KEYS.agent(old.id), "roles")  # as stored before roles existed
    await ensure_demo_agent(agents, "demo:demo-password")
    demo = await agents.get(old.id)
    assert demo is not None and demo.roles == ROLES
