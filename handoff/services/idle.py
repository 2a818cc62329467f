"""Closing what nobody touches any more, so that it expires.

A conversation gets its retention TTL when it is closed; one that is never closed (the bot
answered and the customer left, a ticket nobody claimed) stayed in Redis for good. The sweeper
calls :meth:`IdleCloser.run` now and then: open conversations (bot, queued, agent) with no
message for ``TANDEM_IDLE_CLOSE_HOURS``, and tickets unclaimed for ``TANDEM_TICKET_CLOSE_DAYS``
(a ticket is a promise to write back, so it gets longer), are closed with resolution ``idle``
and then expire like any closed conversation.

They are found through indexes, never by scanning: ``active`` (open conversations by last
activity, kept by the scripts that write to them) and ``tickets`` (by when they went offline).

Example::

    closer = IdleCloser(settings, conversations=store, notify=notifier, board=board,
                        texts=texts, clock=time.time)
    await closer.run()      # how many were closed
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from handoff.config.settings import Settings
from handoff.config.texts import SystemTexts
from handoff.domain.clock import Clock
from handoff.domain.ownership import Action, State
from handoff.fanout.notify import Notifier
from handoff.services.board import Board
from handoff.services.changes import Changes
from handoff.store.conversations import ConversationStore

log = logging.getLogger("handoff.idle")

BATCH = 100  # conversations read and closed per round trip
ROUNDS = 10  # batches per run at most: a backlog is worked off over a few sweeps


class IdleCloser:
    """Closes idle conversations and stale tickets (see the module's doc)."""

    def __init__(
        self,
        settings: Settings,
        *,
        conversations: ConversationStore,
        notify: Notifier,
        board: Board,
        texts: SystemTexts,
        clock: Clock,
    ) -> None:
        self.settings = settings
        self.store = conversations
        self.notify = notify
        self.board = board
        self.now = clock
        self.changes = Changes(conversations, notify, texts)

    async def run(self, *, batch: int = BATCH, rounds: int = ROUNDS) -> int:
        """Close one backlog's worth (at most ``rounds`` × ``batch``); how many were closed.

        Every replica may run it at once: each close is one transition at the version read,
        so it happens once, and a conversation that changed owner meanwhile is left alone.
        """
        now = self.now()
        idle_cutoff = now - self.settings.idle_close_hours * 3600
        ticket_cutoff = now - self.settings.ticket_close_days * 86400
        closed = 0
        for _ in range(rounds):
            ids = await self.store.idle_since(idle_cutoff, batch)
            ids += await self.store.tickets_before(ticket_cutoff, batch)
            if not ids:
                break
            found = await self.store.get_many(ids)
            # Ids whose hash is gone (an operator deleted it) would come back every time.
            await self.store.unindex(sorted(set(ids) - {c["id"] for c in found}))
            done = [
                await self._close(conversation, now)
                for conversation in found
                # The index was read a moment ago: a message since then keeps it open.
                if conversation.get("state") == State.OFFLINE
                or float(conversation.get("updated_at") or 0) <= idle_cutoff
            ]
            closed += sum(done)
            if len(ids) < batch or not any(done):
                break
        if closed:
            log.info("closed %d idle conversations", closed)
            await self.board.broadcast_positions()
        return closed

    async def _close(self, conversation: Mapping[str, str], now: float) -> bool:
        conversation_id, owner = conversation["id"], conversation.get("owner", "")
        previous = conversation.get("state", "")
        result = await self.changes.apply(
            conversation,
            Action.CLOSE_IDLE,
            None,  # nobody is there to read a goodbye; the state says it
            actor=owner,
            expected_version=int(conversation.get("version") or 0),
            fields={"closed_at": repr(now), "resolution": "idle"},
            state={"conversation_id": conversation_id, "state": "closed"},
            updated=True,
            refuse=False,
        )
        if not result.ok:
            return False
        if previous in (State.QUEUED, State.OFFLINE):
            await self.notify.queue_removed(conversation_id, "closed")
        if owner:
            await self.changes.unassigned(owner, conversation_id, "closed")
        await self.store.expire(conversation_id)
        return True
