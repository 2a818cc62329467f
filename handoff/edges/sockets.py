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
from typing import Any

from handoff.domain.agents import AgentRecord
from handoff.security.addresses import Network, client_address


def socket_address(environ: dict[str, Any], trusted: tuple[Network, ...]) -> str:
    """The client address of a connecting socket (``security.addresses``)."""
    # engine.io's environ has REMOTE_ADDR fixed at 127.0.0.1: the peer is the ASGI scope's.
    client = (environ.get("asgi.scope") or {}).get("client")
    return client_address(
        client[0] if client else None, environ.get("HTTP_X_FORWARDED_FOR"), trusted
    )


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
        # Agent socket id -> where it is counted (store.sockets.agent_place of its address).
        self.agent_places: dict[str, str] = {}

    def places(self) -> list[tuple[str, str]]:
        """(place, sid) of every socket here that holds a place of its address (to renew)."""
        held = [(address, sid) for sid, address in self.addresses.items()]
        return held + [(place, sid) for sid, place in self.agent_places.items()]

    def agent_sockets(self, agent_id: str) -> list[AgentSocket]:
        return [s for s in self.agents.values() if s.agent.id == agent_id]

    def agent_ids(self) -> set[str]:
        return {s.agent.id for s in self.agents.values()}
