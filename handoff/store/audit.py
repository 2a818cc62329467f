"""The audit trail: every admin action, who did it and when, in one capped Redis stream.

What an admin did to an agent (created, changed, disabled, deleted, a new password) or to a
customer's data (exported, erased) is appended here and to the service log. An entry names the
actor, the action, its target (a username, a customer id) and a few details (which fields
changed, how many conversations); never a password, and never what an export contained.

Example::

    audit = AuditLog(redis, Keys(), clock=time.time)
    await audit.record(actor="admin", action="agent.disable", target="ben")
    await audit.recent(20)   # newest first: [{"ts": …, "actor": "admin", …}]
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from handoff.domain.clock import SYSTEM_CLOCK, Clock
from handoff.store.keys import Keys

log = logging.getLogger("handoff.audit")
KEPT = 10_000  # entries, about: years of a team's admin actions


class AuditLog:
    """Appends admin actions to ``audit`` and reads the latest back (see the module's doc)."""

    def __init__(self, redis: Any, keys: Keys, *, clock: Clock = SYSTEM_CLOCK) -> None:
        self.redis = redis
        self.keys = keys
        self.now = clock

    async def record(
        self, *, actor: str, action: str, target: str, details: Mapping[str, Any] | None = None
    ) -> None:
        fields = {
            "ts": repr(self.now()),
            "actor": actor,
            "action": action,
            "target": target,
            "details": json.dumps(dict(details or {}), sort_keys=True),
        }
        # The service log first: an audit that Redis refused is still on record somewhere.
        log.info("audit: %s %s %s %s", actor, action, target, fields["details"])
        await self.redis.xadd(self.keys.audit, fields, maxlen=KEPT, approximate=True)

    async def recent(self, count: int = 50) -> list[dict[str, Any]]:
        """The latest ``count`` entries, newest first."""
        found = await self.redis.xrevrange(self.keys.audit, count=count)
        return [
            {
                "ts": float(f.get("ts", 0)),
                "actor": f.get("actor", ""),
                "action": f.get("action", ""),
                "target": f.get("target", ""),
                "details": json.loads(f.get("details") or "{}"),
            }
            for _, f in found
        ]
