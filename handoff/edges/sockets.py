"""This replica's sockets, and the plain record of resources the socket handlers are given.

State that must outlive a socket lives in Redis, never here: the socket maps below only say who
is connected to *this* replica.

Example::

    connections = Connections()
    connections.customers[sid] = CustomerSocket(sid, session_id, customer_id)
    connections.agent_sockets("a_…")   # every console tab of one agent on this replica
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import socketio  # type: ignore[import-untyped]  # no type information shipped

from handoff.config.settings import Settings
from handoff.config.texts import SystemTexts
from handoff.domain.agents import AgentRecord
from handoff.fanout.notify import Notifier
from handoff.protocol.agent import Canned
from handoff.security.ids import SessionSigner
from handoff.security.ratelimit import RateLimiter
from handoff.security.tokens import TokenSigner
from handoff.services.bot_client import BotClient
from handoff.services.bridge import BotBridge
from handoff.services.desk import Desk
from handoff.store.agents import AgentStore
from handoff.store.conversations import ConversationStore
from handoff.store.keys import Keys
from handoff.store.presence import Presence
from handoff.store.stats import Stats


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


class Connections:
    """Who is connected to this replica, by socket id."""

    def __init__(self) -> None:
        self.customers: dict[str, CustomerSocket] = {}
        self.agents: dict[str, AgentSocket] = {}

    def agent_sockets(self, agent_id: str) -> list[AgentSocket]:
        return [s for s in self.agents.values() if s.agent.id == agent_id]

    def agent_ids(self) -> set[str]:
        return {s.agent.id for s in self.agents.values()}


@dataclass(frozen=True)
class Hub:
    """What the socket handlers use, built by ``create_app``: a record, with no behaviour."""

    settings: Settings
    sio: socketio.AsyncServer
    keys: Keys
    redis: Any
    sessions: SessionSigner
    tokens: TokenSigner
    texts: SystemTexts
    canned: list[Canned]
    customer_limiter: RateLimiter
    agent_limiter: RateLimiter
    login_limiter: RateLimiter
    connections: Connections
    conversations: ConversationStore
    agents: AgentStore
    presence: Presence
    stats: Stats
    bot: BotClient
    notify: Notifier
    desk: Desk
    bridge: BotBridge
    clock: Callable[[], float]
