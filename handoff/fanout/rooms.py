"""Socket.IO room names. A customer socket only ever joins its own customer's room.

- ``cust:<customer_id>`` on ``/``: every tab of one customer (one session).
- ``agents`` on ``/agent``: every agent console (queue changes).
- ``agent:<agent_id>`` on ``/agent``: every console tab of one agent (its conversations).
- ``watch:<conversation_id>`` on ``/agent``: consoles looking at a conversation they don't own.
"""

from __future__ import annotations

AGENTS = "agents"
CUSTOMERS_NS = "/"
AGENTS_NS = "/agent"


def customer(customer_id: str) -> str:
    return f"cust:{customer_id}"


def agent(agent_id: str) -> str:
    return f"agent:{agent_id}"


def watch(conversation_id: str) -> str:
    return f"watch:{conversation_id}"


def conversation_agents(conversation_id: str, owner: str) -> list[str]:
    """Where agent-side events of a conversation go: its owner's consoles and its watchers."""
    return [watch(conversation_id), agent(owner)] if owner else [watch(conversation_id)]
