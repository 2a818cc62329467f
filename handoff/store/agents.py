"""Agent accounts on Redis: created by the CLI, read at login and at socket connect.

Example::

    agents = AgentStore(redis, Keys())
    record = await agents.create("ana", name="Ana", password_hash=hash_password("…"),
                                 languages=["en", "de"], skills=["billing"], capacity=3,
                                 roles=["writer"])
    await agents.by_username("ana")
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import redis.asyncio as aioredis

from handoff.domain.agents import (
    USERNAME,
    AgentError,
    AgentRecord,
    clean_capacity,
    clean_languages,
    clean_name,
    clean_roles,
    clean_skills,
)
from handoff.domain.clock import SYSTEM_CLOCK, Clock
from handoff.security.ids import new_agent_id
from handoff.store import scripts
from handoff.store.keys import Keys


class LastAdmin(AgentError):
    """The change would leave no enabled admin (nobody could manage agents any more)."""


class AgentStore:
    """Agent records: ``agent:<id>`` hashes plus a username index."""

    def __init__(self, redis: aioredis.Redis, keys: Keys, *, clock: Clock = SYSTEM_CLOCK) -> None:
        # redis-py types replies as bytes | str whatever decode_responses says; we decode.
        self.redis: Any = redis
        self.keys = keys
        self.now = clock
        self._guarded = redis.register_script(scripts.GUARDED_AGENT_CHANGE)

    async def create(
        self,
        username: str,
        *,
        name: str,
        password_hash: str,
        languages: Sequence[str],
        skills: Sequence[str],
        capacity: int,
        roles: Sequence[str] = (),
        admin_if_first: bool = False,
    ) -> AgentRecord:
        """Create an agent; ``admin_if_first`` makes the very first agent an admin (the CLI:
        someone must be able to manage the others from the console)."""
        if not USERNAME.match(username):
            raise AgentError(
                "username must be 1-32 of a-z 0-9 _ . - (lower case, starting with a letter/digit)"
            )
        clean_capacity(capacity)
        agent_id = new_agent_id()
        # HSETNX on the index makes "username taken" atomic across concurrent CLI runs.
        if not await self.redis.hsetnx(self.keys.agents_by_username, username, agent_id):
            raise AgentError(f"an agent named {username!r} already exists")
        if admin_if_first and await self.redis.hlen(self.keys.agents_by_username) == 1:
            roles = [*roles, "admin"]
        record = {
            "id": agent_id,
            "username": username,
            "name": clean_name(name, username),
            "password_hash": password_hash,
            "languages": json.dumps(clean_languages(languages) or ["en"]),
            "skills": json.dumps(clean_skills(skills)),
            "roles": json.dumps(clean_roles(roles)),
            "capacity": str(capacity),
            "disabled": "0",
            "token_gen": "1",
            "status": "online",
            "created_at": repr(self.now()),
        }
        await self.redis.hset(self.keys.agent(agent_id), mapping=record)
        return AgentRecord.from_hash(record)

    async def get(self, agent_id: str) -> AgentRecord | None:
        data = await self.redis.hgetall(self.keys.agent(agent_id))
        return AgentRecord.from_hash(data) if data else None

    async def by_username(self, username: str) -> AgentRecord | None:
        agent_id = await self.redis.hget(self.keys.agents_by_username, username)
        return await self.get(str(agent_id)) if agent_id else None

    async def all(self) -> list[AgentRecord]:
        ids = await self.redis.hvals(self.keys.agents_by_username)
        async with self.redis.pipeline(transaction=False) as pipe:
            for agent_id in ids:
                pipe.hgetall(self.keys.agent(str(agent_id)))
            found = await pipe.execute()
        return sorted((AgentRecord.from_hash(d) for d in found if d), key=lambda r: r.username)

    async def update(
        self, agent_id: str, fields: Mapping[str, str], *, revoke: bool = False
    ) -> None:
        """Change fields; ``revoke`` also invalidates every token issued so far."""
        async with self.redis.pipeline(transaction=True) as pipe:
            if fields:
                pipe.hset(self.keys.agent(agent_id), mapping=dict(fields))
            if revoke:
                pipe.hincrby(self.keys.agent(agent_id), "token_gen", 1)
            await pipe.execute()

    async def disable(self, agent_id: str) -> None:
        """Disable, revoke tokens, and ask a replica to requeue the agent's conversations."""
        await self.update(agent_id, {"disabled": "1"}, revoke=True)
        await self.redis.sadd(self.keys.requeue, agent_id)

    async def guarded_update(
        self,
        agent_id: str,
        fields: Mapping[str, str],
        *,
        stays_admin: bool,
        revoke: bool = False,
        requeue: bool = False,
    ) -> None:
        """Change fields unless that leaves no enabled admin (:class:`LastAdmin`), in one step.

        ``stays_admin``: whether the agent is an enabled admin after the change. ``requeue``
        asks a replica's sweeper to requeue the agent's conversations (a disable), as
        :meth:`disable` does."""
        pairs = [item for pair in fields.items() for item in pair]
        args = [self.keys.agent(""), "1" if stays_admin else "0", "update", "1" if revoke else "0"]
        self._check(await self._guarded(keys=self._guard_keys(agent_id), args=args + pairs))
        if requeue:
            await self.redis.sadd(self.keys.requeue, agent_id)

    async def delete(self, agent_id: str) -> None:
        """Remove the account (its username is free again) unless it is the last enabled admin.

        Call it once the agent owns nothing (``Desk.requeue_owned_by``); what they wrote keeps
        their name, which the transcript entries carry."""
        args = [self.keys.agent(""), "0", "delete", "0"]
        self._check(await self._guarded(keys=self._guard_keys(agent_id), args=args))
        await self.redis.delete(self.keys.agent_active(agent_id))

    def _guard_keys(self, agent_id: str) -> list[str]:
        return [self.keys.agents_by_username, self.keys.agent(agent_id)]

    @staticmethod
    def _check(status: object) -> None:
        if status == "not_found":
            raise AgentError("no such agent")
        if status == "last_admin":
            raise LastAdmin("this is the last enabled admin: make another agent admin first")

    async def next_to_requeue(self) -> str | None:
        """One disabled agent whose conversations still need requeueing (taken off the set)."""
        agent_id = await self.redis.spop(self.keys.requeue)
        return str(agent_id) if agent_id else None

    async def loads(self, agent_ids: Sequence[str]) -> dict[str, int]:
        """How many conversations each agent owns right now."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for agent_id in agent_ids:
                pipe.scard(self.keys.agent_active(agent_id))
            counts = await pipe.execute()
        return {agent_id: int(n) for agent_id, n in zip(agent_ids, counts, strict=True)}

    async def owners(self) -> set[str]:
        """Every agent who owns at least one conversation right now."""
        ids = [str(i) for i in await self.redis.hvals(self.keys.agents_by_username)]
        return {agent_id for agent_id, load in (await self.loads(ids)).items() if load}

    async def active(self, agent_id: str) -> list[str]:
        return sorted(str(c) for c in await self.redis.smembers(self.keys.agent_active(agent_id)))

    async def many(self, agent_ids: Sequence[str]) -> list[AgentRecord]:
        async with self.redis.pipeline(transaction=False) as pipe:
            for agent_id in agent_ids:
                pipe.hgetall(self.keys.agent(agent_id))
            found = await pipe.execute()
        return [AgentRecord.from_hash(d) for d in found if d]
