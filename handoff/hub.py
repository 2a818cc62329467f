"""The per-replica context: settings, Redis stores, the bot client, and this replica's sockets.

Opened in the app's ``before_server_start`` listener and closed after it stops; handlers reach
it through ``app.ctx.hub``. State that must outlive a socket lives in Redis, never here: the
socket maps below only say who is connected to *this* replica.

Example::

    hub = Hub(settings, sio)
    await hub.open()
    ...
    await hub.close()
"""

from __future__ import annotations

import logging
import os
import socket
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import socketio  # type: ignore[import-untyped]  # no type information shipped

from handoff.bot_client import BotClient
from handoff.canned import load_canned
from handoff.ids import SessionSigner
from handoff.keys import Keys
from handoff.notify import Notifier
from handoff.protocol.agent import Canned
from handoff.ratelimit import RateLimiter
from handoff.settings import Settings
from handoff.store import pool as redis_pool
from handoff.store.agents import AgentRecord, AgentStore
from handoff.store.conversations import ConversationStore
from handoff.store.presence import Presence
from handoff.store.stats import Stats
from handoff.texts import SystemTexts
from handoff.tokens import TokenSigner

if TYPE_CHECKING:
    from handoff.bridge import BotBridge
    from handoff.desk import Desk

log = logging.getLogger("handoff")


@dataclass
class CustomerSocket:
    """A customer's socket on this replica, bound to one session by ``session_request``."""

    sid: str
    session_id: str
    customer_id: str
    conversation_id: str | None = None


@dataclass
class AgentSocket:
    """An authenticated agent console socket on this replica."""

    sid: str
    agent: AgentRecord
    expires_at: float
    watching: set[str] = field(default_factory=set)


class Hub:
    """Shared by all handlers of one replica."""

    # Set by the app when the server starts.
    desk: Desk
    bridge: BotBridge

    def __init__(self, settings: Settings, sio: socketio.AsyncServer) -> None:
        self.settings = settings
        self.sio = sio
        self.keys = Keys(settings.redis_prefix)
        self.replica = f"{socket.gethostname()}:{os.getpid()}:{settings.port}"
        self.sessions = SessionSigner(settings.secret)
        self.tokens = TokenSigner(settings.secret)
        self.texts = SystemTexts.load()
        self.canned: list[Canned] = load_canned(settings.canned_responses)
        self.customer_limiter = RateLimiter(
            burst=settings.rate_burst, per_minute=settings.rate_per_minute
        )
        # Agents type fast and legitimately burst (canned replies); give them more room.
        self.agent_limiter = RateLimiter(
            burst=settings.rate_burst * 3, per_minute=settings.rate_per_minute * 4
        )
        self.login_limiter = RateLimiter(burst=5, per_minute=10)
        self.notify = Notifier(sio)
        self.customers: dict[str, CustomerSocket] = {}
        self.agents_online: dict[str, AgentSocket] = {}
        # Clients connect lazily, inside the server's event loop, on first use.
        # Any: redis-py types replies as bytes | str whatever decode_responses says.
        self.redis: Any = redis_pool.connect(
            settings.redis_url,
            decode_responses=True,
            health_check_interval=30,
            socket_connect_timeout=5,
        )
        self.conversations = ConversationStore(
            self.redis, self.keys, retention_seconds=settings.retention_days * 86400
        )
        self.agents = AgentStore(self.redis, self.keys)
        self.presence = Presence(
            self.redis, self.keys, replica=self.replica, ttl=settings.presence_ttl
        )
        self.stats = Stats(self.redis, self.keys, zone=settings.business_hours.zone)
        self.bot = BotClient(
            settings.rasa_url, token=settings.bot_token, timeout=settings.rasa_timeout
        )

    async def open(self) -> None:
        """Check Redis once at start-up; the service still starts (and reports 503) without it."""
        try:
            await self.redis.ping()
        except Exception as exc:  # noqa: BLE001 - reported, then retried on every use
            log.error("cannot reach Redis at %s yet: %s", self.settings.redis_url, exc)

    async def close(self) -> None:
        try:
            await self.presence.leave_all({s.agent.id for s in self.agents_online.values()})
        except Exception:  # noqa: BLE001 - shutting down; Redis may already be gone
            log.warning("could not clear presence on shutdown")
        await self.redis.aclose()
        await self.bot.aclose()

    def agent_sockets(self, agent_id: str) -> list[AgentSocket]:
        return [s for s in self.agents_online.values() if s.agent.id == agent_id]

    @staticmethod
    def now() -> float:
        return time.time()
