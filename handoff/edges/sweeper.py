"""Housekeeping each replica runs in the background, about once a second.

- heartbeat the presence of agents connected here;
- cut the sockets of agents who were disabled, revoked, or whose token expired (within
  ``TANDEM_AGENT_CHECK_INTERVAL`` seconds);
- requeue the conversations of disabled agents (the CLI leaves their ids in a Redis set);
- requeue the conversations of agents who vanished (no console anywhere, e.g. their replica
  died) and did not come back within ``TANDEM_AGENT_GRACE_SECONDS``;
- renew the leases of this replica's customer and agent sockets on their address's places, and
  mark their customers as seen (so email knows who is away, ``handoff.services.mail_out``);
- turn conversations queued longer than ``TANDEM_QUEUE_WAIT_LIMIT`` into offline tickets;
- tell the queued customers whose estimated wait, counting down, now reads differently
  (``Board.retell_due``: only those, never the whole queue);
- ask the follow-up questions that came due (``handoff.services.followup``: the customers'
  open widgets at once; the others when they come back);
- close idle conversations and stale tickets (``handoff.services.idle``), and trim the writers'
  inbox (``InboxStore.trim``), every minute.

Every replica may do the same work at once: each step is an atomic, idempotent script.

Example::

    sweeper = Sweeper(settings, sio, connections=connections, agents=agents, presence=presence,
                      desk=desk, sockets=address_sockets, clock=time.time, idle=closer)
    task = asyncio.create_task(sweeper.run())
"""

from __future__ import annotations

import asyncio
import logging
import time

import socketio  # type: ignore[import-untyped]  # no type information shipped

from handoff.config.settings import Settings
from handoff.domain.absence import absences
from handoff.domain.clock import Clock
from handoff.domain.outbox import MARK_EVERY
from handoff.edges.sockets import Connections
from handoff.fanout import rooms
from handoff.services.desk import Desk
from handoff.services.followup import FollowUps
from handoff.services.idle import IdleCloser
from handoff.store.agents import AgentStore
from handoff.store.customer_seen import CustomerSeen
from handoff.store.inbox import InboxStore
from handoff.store.presence import Presence
from handoff.store.sockets import AddressSockets

log = logging.getLogger("handoff.sweeper")
TICK = 0.5
IDLE_EVERY = 60.0  # seconds between looks for idle conversations (hours-long limits)


class Sweeper:
    """One replica's housekeeping loop (see the module's doc)."""

    def __init__(
        self,
        settings: Settings,
        sio: socketio.AsyncServer,
        *,
        connections: Connections,
        agents: AgentStore,
        presence: Presence,
        desk: Desk,
        sockets: AddressSockets,
        clock: Clock,
        idle: IdleCloser | None = None,
        inbox: InboxStore | None = None,
        followups: FollowUps | None = None,
        seen: CustomerSeen | None = None,
    ) -> None:
        self.inbox = inbox  # the writers' inbox, kept bounded
        self.seen = seen
        self._last_seen_mark = 0.0
        self.settings = settings
        self.sio = sio
        self.connections = connections
        self.agents = agents
        self.presence = presence
        self.desk = desk
        self.sockets = sockets
        self.now = clock
        self.idle = idle
        self.followups = followups
        self._last_idle = 0.0
        self._last_beat = 0.0
        self._last_check = 0.0
        self._last_queue = 0.0
        self._last_renew = time.monotonic()

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
        now, mono = self.now(), time.monotonic()
        if mono - self._last_beat >= self.settings.presence_ttl / 3:
            self._last_beat = mono
            await self.presence.beat(self.connections.agent_ids(), now)
        if mono - self._last_check >= self.settings.agent_check_interval:
            self._last_check = mono
            await self.check_agents(now)
            while agent_id := await self.agents.next_to_requeue():
                moved = await self.desk.requeue_owned_by(agent_id)
                log.info("requeued %d conversations of disabled agent %s", moved, agent_id)
            await self.release_vanished(now)
        if mono - self._last_queue >= 1.0:
            self._last_queue = mono
            await self.desk.expire_waits()
            await self.desk.board.retell_due()
            if self.followups is not None:
                await self.followups.sweep()
        if mono - self._last_renew >= self.sockets.lease / 3:
            self._last_renew = mono
            await self.sockets.renew(self.connections.places(), now=now)
        if self.seen is not None and mono - self._last_seen_mark >= MARK_EVERY:
            self._last_seen_mark = mono
            held = [(s.customer_id, s.sid) for s in self.connections.customers.values()]
            await self.seen.renew(held, now=now)

        if mono - self._last_idle >= IDLE_EVERY:
            self._last_idle = mono
            if self.idle is not None:
                await self.idle.run()
            if self.inbox is not None:
                await self.inbox.trim(now)

    async def release_vanished(self, now: float) -> None:
        """Owners gone longer than the grace period: their conversations go back to the queue."""
        owners = await self.agents.owners()
        gone_since = await self.presence.gone_since()
        if not owners and not gone_since:
            return
        step = absences(
            owners=owners,
            online=await self.presence.online(now),
            gone_since=gone_since,
            now=now,
            grace=self.settings.agent_grace_seconds,
        )
        await self.presence.note_gone(dict.fromkeys(step.newly_gone, now))
        for agent_id in step.overdue:
            moved = await self.desk.requeue_owned_by(agent_id, why="gone")
            log.info("requeued %d conversations of agent %s, gone for good", moved, agent_id)
        await self.presence.settle([*step.overdue, *step.settled])

    async def check_agents(self, now: float) -> None:
        """Disconnect consoles whose agent is disabled or revoked; refresh the others' records."""
        sockets = list(self.connections.agents.values())
        if not sockets:
            return
        records = {r.id: r for r in await self.agents.many(sorted({s.agent.id for s in sockets}))}
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
            await self.sio.emit(
                "session_ended", {"reason": reason}, to=sock.sid, namespace=rooms.AGENTS_NS
            )
            await self.sio.disconnect(sock.sid, namespace=rooms.AGENTS_NS)
            self.connections.agents.pop(sock.sid, None)
            if not self.connections.agent_sockets(sock.agent.id):
                await self.presence.leave(sock.agent.id)
