"""The demo agent a developer machine gets (``TANDEM_DEV=1`` + ``TANDEM_DEMO_AGENT=user:password``),
with every role (it answers customers and uses the writers' workbench).

Example::

    await ensure_demo_agent(agent_store, "demo:demo-password")
"""

from __future__ import annotations

import asyncio
import json
import logging

from handoff.domain.agents import ROLES, AgentError
from handoff.security.passwords import hash_password
from handoff.store.agents import AgentStore

log = logging.getLogger("handoff")


async def ensure_demo_agent(agents: AgentStore, spec: str) -> None:
    username, _, password = spec.partition(":")
    if not username or not password:
        log.warning("TANDEM_DEMO_AGENT must be username:password; no demo agent created")
        return
    found = await agents.by_username(username)
    if found is not None:
        if not found.can_write:  # created before roles existed: the demo agent writes too
            await agents.update(found.id, {"roles": json.dumps(list(ROLES))})
        return
    try:
        await agents.create(
            username,
            name="Demo Agent",
            password_hash=await asyncio.to_thread(hash_password, password),
            languages=["en", "de", "es", "fr"],
            skills=["billing", "orders", "technical", "account"],
            capacity=5,
            roles=ROLES,
        )
    except AgentError as exc:  # another replica created it first, or the name is invalid
        log.info("demo agent not created: %s", exc)
        return
    log.warning("created demo agent %r (development only)", username)
