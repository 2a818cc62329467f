"""The audit trail on a real Redis: appended in order, read newest first, capped."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.store.audit import AuditLog
from tests.handoff.integration.store.conftest import KEYS, Clock

pytestmark = pytest.mark.asyncio


async def test_entries_come_back_newest_first_with_their_details(redis: Any) -> None:
    clock = Clock()
    audit = AuditLog(redis, KEYS, clock=clock)
    await audit.record(actor="boss", action="agent.create", target="ben", details={"roles": []})
    clock.now += 5
    await audit.record(actor="cli:dpo", action="privacy.erase", target="u_1")
    recent = await audit.recent(10)
    assert [(e["actor"], e["action"], e["target"]) for e in recent] == [
        ("cli:dpo", "privacy.erase", "u_1"),
        ("boss", "agent.create", "ben"),
    ]
    assert recent[1]["details"] == {"roles": []} and recent[0]["ts"] == clock.now
    assert await redis.type(KEYS.audit) == "stream"
