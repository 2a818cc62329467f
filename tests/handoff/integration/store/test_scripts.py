"""Every Lua script compiles on a real Redis (a syntax error would only show at first use)."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.store import scripts

pytestmark = pytest.mark.asyncio


async def test_every_script_loads(redis: Any) -> None:
    names = [n for n in dir(scripts) if n.isupper() and isinstance(getattr(scripts, n), str)]
    assert {"APPEND", "TRANSITION", "COMMIT_BOT_TURN", "TAKE_BOT_WORK"} <= set(names)
    for name in names:
        assert len(await redis.script_load(getattr(scripts, name))) == 40, name
