"""In-memory stand-ins for the stores and the notifier, recording what the services do.

Only what the service tests reach is implemented; the real ones are tested against a real
Redis in tests/handoff/integration/store/.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from handoff.domain.agents import AgentRecord
from handoff.domain.routing import AgentProfile
from handoff.store.conversations import TransitionResult
from handoff.store.facts import DeskFacts


class Recorder:
    """Every call made to it, as (name, args, kwargs), in order; every method returns None."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        async def record(*args: Any, **kwargs: Any) -> None:
            self.calls.append((name, args, kwargs))

        return record

    def names(self) -> list[str]:
        return [name for name, _, _ in self.calls]


class FakePlaces:
    """What queued customers were told of their place (``store.queue_places``), in memory."""

    def __init__(self, store: FakeConversations) -> None:
        self.store = store
        self.told: dict[str, str] = {}
        self.retell: dict[str, float] = {}

    async def read(self) -> tuple[list[str], dict[str, str]]:
        return list(self.store.queued), dict(self.told)

    async def marks(self, conversation_ids: list[str]) -> dict[str, str]:
        return {c: self.told[c] for c in conversation_ids if c in self.told}

    async def due(self, *, now: float) -> list[tuple[str, int | None, str | None]]:
        queue = list(self.store.queued)
        return [
            (c, queue.index(c) + 1 if c in queue else None, self.told.get(c))
            for c, at in sorted(self.retell.items())
            if at <= now
        ]

    async def remember(
        self,
        told: Mapping[str, str],
        *,
        forget: Sequence[str] = (),
        due: Mapping[str, float | None] | None = None,
    ) -> None:
        self.told.update(told)
        for conversation_id in forget:
            self.told.pop(conversation_id, None)
            self.retell.pop(conversation_id, None)
        for conversation_id, at in (due or {}).items():
            if at is None:
                self.retell.pop(conversation_id, None)
            else:
                self.retell[conversation_id] = at


class FakeConversations:
    def __init__(self, conversations: Sequence[dict[str, str]] = ()) -> None:
        self.data = {c["id"]: dict(c) for c in conversations}
        self.results: list[TransitionResult] = []
        self.transitions: list[dict[str, Any]] = []
        self.queued: list[str] = []
        self.expired: list[str] = []
        self.kept: list[str] = []

    async def get(self, conversation_id: str) -> dict[str, str] | None:
        found = self.data.get(conversation_id)
        return dict(found) if found else None

    async def get_many(self, ids: Sequence[str]) -> list[dict[str, str]]:
        return [dict(self.data[i]) for i in ids if i in self.data]

    async def transition(
        self, conversation_id: str, action: Any, **kwargs: Any
    ) -> TransitionResult:
        self.transitions.append({"id": conversation_id, "action": action, **kwargs})
        return self.results.pop(0) if self.results else TransitionResult("ok", version=2, seq=5)

    async def read_log(self, conversation_id: str, after_seq: int = 0) -> tuple[list[Any], bool]:
        return [], False

    async def read_notes(self, conversation_id: str) -> list[Any]:
        return []

    async def queue(self) -> list[tuple[str, float]]:
        return [(c, 0.0) for c in self.queued]

    async def tickets(self) -> list[tuple[str, float]]:
        return []

    async def queue_position(self, conversation_id: str) -> int | None:
        return self.queued.index(conversation_id) + 1 if conversation_id in self.queued else None

    async def queued_before(self, cutoff: float) -> list[str]:
        return []

    async def add_note(self, conversation_id: str, agent: Any, text: str, cmid: str) -> Any:
        return {"id": "1-0", "agent": agent, "text": text, "ts": 1.0}

    async def expire(self, conversation_id: str) -> None:
        self.expired.append(conversation_id)

    async def keep(self, conversation_id: str) -> None:
        self.kept.append(conversation_id)

    async def set_fields(self, conversation_id: str, fields: Mapping[str, str]) -> None:
        self.data[conversation_id].update(fields)


class FakeFacts:
    def __init__(self, available: int = 1, queue_length: int = 0) -> None:
        self.facts = DeskFacts(
            [AgentProfile(f"a_{i}", frozenset({"en"}), frozenset()) for i in range(available)],
            queue_length,
            [60.0],
        )

    async def read(self, *, now: float) -> DeskFacts:
        return self.facts


class FakeAgents:
    def __init__(self, *records: AgentRecord) -> None:
        self.records = {r.id: r for r in records}

    async def get(self, agent_id: str) -> AgentRecord | None:
        return self.records.get(agent_id)

    async def by_username(self, username: str) -> AgentRecord | None:
        return next((r for r in self.records.values() if r.username == username), None)

    async def active(self, agent_id: str) -> list[str]:
        return []

    async def create(self, username: str, **fields: Any) -> AgentRecord:
        roles = json.dumps(list(fields.get("roles", ())))
        record = agent(f"a_{len(self.records)}", username=username, roles=roles)
        self.records[record.id] = record
        return record

    async def update(self, agent_id: str, fields: Mapping[str, str], **_: Any) -> None:
        self.records[agent_id] = replace(
            self.records[agent_id], roles=tuple(json.loads(fields.get("roles", "[]")))
        )


class FakePresence:
    def __init__(self, online: set[str]) -> None:
        self.ids = online

    async def online(self, now: float) -> set[str]:
        return self.ids


def agent(agent_id: str = "a_1", **fields: Any) -> AgentRecord:
    data: Mapping[str, str] = {"id": agent_id, "username": agent_id.replace("_", ""), **fields}
    return AgentRecord.from_hash(data)
