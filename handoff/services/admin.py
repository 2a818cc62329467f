"""Agent administration: what an admin does to the other accounts from the console.

List, create, edit (name, languages, skills, capacity, roles), disable, enable, delete, and a new
password (typed by the admin, or generated and shown once). The caller is an admin: the edge
checks the role on every request (``edges/admin_api.py``); here every change is checked against
the account rules (``domain/agents.py``), never leaves the service without an enabled admin
(``LastAdmin``, one atomic step in Redis), and is written to the audit trail.

Disabling or deleting revokes the agent's tokens at once (every replica's sweeper then cuts their
consoles within ``TANDEM_AGENT_CHECK_INTERVAL``) and their conversations go back to the queue
with the history; a deleted agent's name stays on what they wrote (the transcript keeps it).

Example::

    admin = AgentAdmin(agents=agent_store, presence=presence, desk=desk, audit=audit,
                       clock=time.time)
    created = await admin.create(me, {"username": "ben", "languages": ["en"], "capacity": 3})
    created.password          # generated, shown once
    await admin.disable(me, "ben")
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from handoff.domain.agents import (
    AgentError,
    AgentRecord,
    clean_capacity,
    clean_languages,
    clean_name,
    clean_roles,
    clean_skills,
)
from handoff.domain.clock import Clock
from handoff.protocol.errors import ErrorCode, ProtocolError
from handoff.security.passwords import MIN_LENGTH, hash_password
from handoff.services.desk import Desk
from handoff.store.agents import AgentStore, LastAdmin
from handoff.store.audit import AuditLog
from handoff.store.presence import Presence

MAX_PASSWORD = 256  # the longest a login accepts (``edges/http_api.py``)
EDITABLE = ("name", "languages", "skills", "capacity", "roles")


@dataclass(frozen=True)
class Changed:
    """An account as the admin page shows it, and a generated password (shown once) if any."""

    agent: dict[str, Any]
    password: str = ""


def admin_view(record: AgentRecord, *, online: bool) -> dict[str, Any]:
    """An account on the admin page: never its password hash or token generation."""
    return {
        "id": record.id,
        "username": record.username,
        "name": record.name,
        "languages": list(record.languages),
        "skills": list(record.skills),
        "capacity": record.capacity,
        "roles": list(record.roles),
        "disabled": record.disabled,
        "online": online,
        "created_at": record.created_at,
    }


def check_password(password: object) -> str:
    """The password rules of the CLI and the login: text, 8 to 256 characters."""
    if not isinstance(password, str):
        raise AgentError("the password must be text")
    if len(password) < MIN_LENGTH:
        raise AgentError(f"the password must have at least {MIN_LENGTH} characters")
    if len(password) > MAX_PASSWORD:
        raise AgentError(f"the password must have at most {MAX_PASSWORD} characters")
    return password


def _strings(value: object, what: str) -> list[str]:
    if isinstance(value, str):
        return [v for v in value.split(",") if v.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise AgentError(f"{what} must be a list of strings")


class AgentAdmin:
    """An admin's operations on agent accounts (see the module's doc)."""

    def __init__(
        self,
        *,
        agents: AgentStore,
        presence: Presence,
        desk: Desk,
        audit: AuditLog,
        clock: Clock,
    ) -> None:
        self.agents = agents
        self.presence = presence
        self.desk = desk
        self.audit = audit
        self.now = clock

    async def list(self) -> list[dict[str, Any]]:
        online = await self.presence.online(self.now())
        return [admin_view(r, online=r.id in online) for r in await self.agents.all()]

    async def create(self, actor: AgentRecord, body: Mapping[str, Any]) -> Changed:
        username = body.get("username")
        if not isinstance(username, str):
            raise AgentError("username must be text")
        generated = body.get("password") in (None, "")
        password = secrets.token_urlsafe(12) if generated else check_password(body["password"])
        fields = _profile(body, username)
        record = await self.agents.create(
            username,
            name=fields.get("name", username),
            password_hash=await asyncio.to_thread(hash_password, password),
            languages=json.loads(fields.get("languages", '["en"]')),
            skills=json.loads(fields.get("skills", "[]")),
            capacity=int(fields.get("capacity", "3")),
            roles=json.loads(fields.get("roles", "[]")),
        )
        await self._audit(actor, "agent.create", username, {"roles": list(record.roles)})
        return Changed(await self._view(record), password if generated else "")

    async def update(self, actor: AgentRecord, username: str, body: Mapping[str, Any]) -> Changed:
        record = await self._find(username)
        unknown = sorted(set(body) - set(EDITABLE))
        if unknown:
            raise AgentError(f"only {', '.join(EDITABLE)} can be changed, not {', '.join(unknown)}")
        fields = _profile(body, record.username)
        roles = json.loads(fields["roles"]) if "roles" in fields else list(record.roles)
        await self._guarded(record, fields, stays_admin="admin" in roles and not record.disabled)
        await self._audit(actor, "agent.update", username, {"fields": sorted(fields)})
        return Changed(await self._view(await self._find(username)))

    async def disable(self, actor: AgentRecord, username: str) -> Changed:
        record = await self._find(username)
        await self._guarded(record, {"disabled": "1"}, stays_admin=False, revoke=True, requeue=True)
        moved = await self.desk.requeue_owned_by(record.id)
        await self._audit(actor, "agent.disable", username, {"requeued": moved})
        return Changed(await self._view(await self._find(username)))

    async def enable(self, actor: AgentRecord, username: str) -> Changed:
        record = await self._find(username)
        await self.agents.update(record.id, {"disabled": "0"})
        await self._audit(actor, "agent.enable", username)
        return Changed(await self._view(await self._find(username)))

    async def delete(self, actor: AgentRecord, username: str) -> int:
        """Delete the account; how many conversations went back to the queue."""
        record = await self._find(username)
        # Disabled first (tokens revoked, no new claims), then what they own goes back, then
        # the account goes: a crash in between leaves a disabled agent, never a lost customer.
        await self._guarded(record, {"disabled": "1"}, stays_admin=False, revoke=True, requeue=True)
        moved = await self.desk.requeue_owned_by(record.id)
        await self.agents.delete(record.id)
        await self._audit(actor, "agent.delete", username, {"requeued": moved, "id": record.id})
        return moved

    async def reset_password(
        self, actor: AgentRecord, username: str, password: object = None
    ) -> Changed:
        record = await self._find(username)
        generated = password in (None, "")
        new = secrets.token_urlsafe(12) if generated else check_password(password)
        hashed = await asyncio.to_thread(hash_password, new)
        await self.agents.update(record.id, {"password_hash": hashed}, revoke=True)
        await self._audit(actor, "agent.password", username, {"generated": generated})
        return Changed(await self._view(record), new if generated else "")

    async def _find(self, username: str) -> AgentRecord:
        record = await self.agents.by_username(username)
        if record is None:
            raise ProtocolError(ErrorCode.NOT_FOUND, f"no agent named {username!r}")
        return record

    async def _view(self, record: AgentRecord) -> dict[str, Any]:
        return admin_view(record, online=record.id in await self.presence.online(self.now()))

    async def _guarded(self, record: AgentRecord, fields: Mapping[str, str], **how: Any) -> None:
        try:
            await self.agents.guarded_update(record.id, fields, **how)
        except LastAdmin as exc:
            raise ProtocolError(ErrorCode.LAST_ADMIN, str(exc)) from None

    async def _audit(
        self, actor: AgentRecord, action: str, target: str, details: Mapping[str, Any] | None = None
    ) -> None:
        await self.audit.record(actor=actor.username, action=action, target=target, details=details)


def _profile(body: Mapping[str, Any], username: str) -> dict[str, str]:
    """The editable fields present in ``body``, checked, as the agent hash stores them."""
    fields: dict[str, str] = {}
    if "name" in body:
        if not isinstance(body["name"], str):
            raise AgentError("name must be text")
        fields["name"] = clean_name(body["name"], username)
    if "languages" in body:
        languages = clean_languages(_strings(body["languages"], "languages")) or ["en"]
        fields["languages"] = json.dumps(languages)
    if "skills" in body:
        fields["skills"] = json.dumps(clean_skills(_strings(body["skills"], "skills")))
    if "capacity" in body:
        fields["capacity"] = str(clean_capacity(body["capacity"]))
    if "roles" in body:
        fields["roles"] = json.dumps(clean_roles(_strings(body["roles"], "roles")))
    return fields
