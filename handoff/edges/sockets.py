"""This replica's sockets: who is connected here, bound to which session or agent.

State that must outlive a socket lives in Redis, never here: the socket maps below only say who
is connected to *this* replica.

Example::

    connections = Connections()
    connections.customers[sid] = CustomerSocket(sid, session_id, customer_id)
    connections.agent_sockets("a_…")   # every console tab of one agent on this replica
"""

from __future__ import annotations

from dataclasses import dataclass, field

from handoff.domain.agents import AgentRecord


@dataclass
class CustomerSocket:
    """A customer's socket on this replica, bound to one session by ``session_request``."""

    sid: str
    session_id: str
    customer_id: str
    conversation_id: str | None = None
    # The conversation whose record holds this socket's client address (what a handoff the
    # bot triggers is limited by, services/bridge.py): written once per socket and conversation.
    address_noted: str | None = None


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
        # Customer socket id -> its client address (the per-address limits' key), from connect.
        self.addresses: dict[str, str] = {}

    def agent_sockets(self, agent_id: str) -> list[AgentSocket]:
        return [s for s in self.agents.values() if s.agent.id == agent_id]

    def agent_ids(self) -> set[str]:
        return {s.agent.id for s in self.agents.values()}
