"""Housekeeping each replica runs in the background, about once a second.

- heartbeat the presence of agents connected here;
- cut the sockets of agents who were disabled, revoked, or whose token expired (within
  ``TANDEM_AGENT_CHECK_INTERVAL`` seconds);
- requeue the conversations of disabled agents (the CLI leaves their ids in a Redis set);
- turn conversations queued longer than ``TANDEM_QUEUE_WAIT_LIMIT`` into offline tickets.

Every replica may do the same work at once: each step is an atomic, idempotent script.

Example::

    task = asyncio.create_task(Sweeper(hub).run())
"""

from __future__ import annotations

import asyncio
import logging
import time

from handoff import rooms
from handoff.hub import Hub

log = logging.getLogger("handoff.sweeper")
TICK = 0.5


class Sweeper:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._last_beat = 0.0
        self._last_check = 0.0
        self._last_queue = 0.0
        self._last_prune = time.monotonic()

    async def run(self) -> None:
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("sweep failed; trying again")
            await asyncio.sleep(TICK)

    async def tick(self) -> None:
        hub, now, mono = self.hub, self.hub.now(), time.monotonic()
        if mono - self._last_beat >= hub.settings.presence_ttl / 3:
            self._last_beat = mono
            await hub.presence.beat({s.agent.id for s in hub.agents_online.values()}, now)
        if mono - self._last_check >= hub.settings.agent_check_interval:
            self._last_check = mono
            await self.check_agents(now)
            while agent_id := await hub.redis.spop(hub.keys.requeue):
                moved = await hub.desk.requeue_owned_by(str(agent_id))
                log.info("requeued %d conversations of disabled agent %s", moved, agent_id)
        if mono - self._last_queue >= 1.0:
            self._last_queue = mono
            await hub.desk.expire_waits()
        if mono - self._last_prune >= 60:
            self._last_prune = mono
            for limiter in (hub.customer_limiter, hub.agent_limiter, hub.login_limiter):
                limiter.prune(mono)

    async def check_agents(self, now: float) -> None:
        """Disconnect consoles whose agent is disabled or revoked; refresh the others' records."""
        hub = self.hub
        sockets = list(hub.agents_online.values())
        if not sockets:
            return
        records = {r.id: r for r in await hub.agents.many(sorted({s.agent.id for s in sockets}))}
        for sock in sockets:
            record = records.get(sock.agent.id)
            reason = ""
            if record is None or record.disabled:
                reason = "disabled"
            elif record.token_gen != sock.agent.token_gen:
                reason = "revoked"
            elif sock.expires_at <= now:
                reason = "token_expired"
            if not reason:
                sock.agent = record or sock.agent
                continue
            log.info("disconnecting agent %s (%s)", sock.agent.username, reason)
            await hub.sio.emit(
                "session_ended", {"reason": reason}, to=sock.sid, namespace=rooms.AGENTS_NS
            )
            await hub.sio.disconnect(sock.sid, namespace=rooms.AGENTS_NS)
            hub.agents_online.pop(sock.sid, None)
            if not hub.agent_sockets(sock.agent.id):
                await hub.presence.leave(sock.agent.id)
