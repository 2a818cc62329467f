"""Developer mode's mailbox keeps the newest emails, newest first, and no more than KEEP."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.store.dev_mailbox import KEEP, DevMailbox
from tests.handoff.integration.store.conftest import KEYS

pytestmark = pytest.mark.asyncio


async def test_newest_first_and_bounded(redis: Any) -> None:
    box = DevMailbox(redis, KEYS)
    for i in range(KEEP + 5):
        await box.add({"id": f"d{i}", "subject": f"mail {i}"})
    latest = await box.latest()
    assert len(latest) == KEEP
    assert latest[0]["id"] == f"d{KEEP + 4}" and latest[-1]["id"] == "d5"
    assert await box.get("d50") == {"id": "d50", "subject": "mail 50"}
    assert await box.get("d0") is None  # dropped
