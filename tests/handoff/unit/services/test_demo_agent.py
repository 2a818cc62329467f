"""A developer machine's demo agent is created once, and only from a well-formed spec."""

from __future__ import annotations

import pytest

from handoff.services.demo_agent import ensure_demo_agent
from tests.handoff.unit.services.fakes import FakeAgents


@pytest.mark.asyncio
async def test_the_demo_agent_is_created_once() -> None:
    agents = FakeAgents()
    await ensure_demo_agent(agents, "demo:tandem-demo")  # type: ignore[arg-type]
    await ensure_demo_agent(agents, "demo:tandem-demo")  # type: ignore[arg-type]
    assert [r.username for r in agents.records.values()] == ["demo"]


@pytest.mark.asyncio
async def test_a_malformed_spec_creates_nobody() -> None:
    agents = FakeAgents()
    for spec in ("demo", ":secret", "demo:"):
        await ensure_demo_agent(agents, spec)  # type: ignore[arg-type]
    assert agents.records == {}
