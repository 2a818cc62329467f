"""Developer mode's mailbox: what the built-in mail sink received (so nothing leaves the machine).

The newest ``KEEP`` emails, as plain data (the text part only: the console shows them as text),
in one Redis list, newest first.

Example::

    box = DevMailbox(redis, keys)
    await box.add({"id": "d1", "to": "sam@example.org", "subject": "…", "text": "…", ...})
    await box.latest()          # [{"id": "d1", ...}], newest first
    await box.get("d1")
"""

from __future__ import annotations

import json
from typing import Any

from handoff.store.keys import Keys

KEEP = 100


class DevMailbox:
    def __init__(self, redis: Any, keys: Keys) -> None:
        self.redis = redis
        self.keys = keys

    async def add(self, mail: dict[str, Any]) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.lpush(self.keys.dev_mailbox, json.dumps(mail))
            pipe.ltrim(self.keys.dev_mailbox, 0, KEEP - 1)
            await pipe.execute()

    async def latest(self, limit: int = KEEP) -> list[dict[str, Any]]:
        raw = await self.redis.lrange(self.keys.dev_mailbox, 0, limit - 1)
        return [json.loads(item) for item in raw]

    async def get(self, mail_id: str) -> dict[str, Any] | None:
        return next((m for m in await self.latest() if m.get("id") == mail_id), None)
