"""Agents signing in, and who a token belongs to: the one token check of the service.

A token is only as good as the account behind it: signed and unexpired (``security.tokens``),
for an agent that exists, is enabled, and has not had its tokens revoked since (``token_gen``).
The socket connect, the transcript export and the sweeper all ask here.

Every password check is a 16 MiB scrypt: at most ``hashers`` run at once (one per core: more
only queue for the CPU and take the memory) and at most ``queue`` more wait for a turn; beyond
that a login is refused at once (:class:`LoginBusy`), so a login flood cannot take the
replica's memory or every thread of the pool.

Example::

    auth = AgentAuth(tokens=TokenSigner(secret), agents=agent_store, token_ttl=3600,
                     clock=time.time)
    signed_in = await auth.sign_in("ana", "correct horse battery staple")  # LoginBusy if full
    session = await auth.authenticate(signed_in.token)     # AgentSession or None
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass

from handoff.domain.agents import USERNAME, AgentRecord
from handoff.domain.clock import Clock
from handoff.security.passwords import verify_password
from handoff.security.tokens import TokenSigner
from handoff.store.agents import AgentStore

# A hash to check against when the username does not exist, so the answer takes as long.
_DUMMY_HASH = (
    "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
)


class LoginBusy(Exception):
    """Every hashing slot is taken and the queue for them is full: try again in a moment."""


class HashGate:
    """At most ``hashers`` password hashes at once, at most ``queue`` waiting for a turn."""

    def __init__(self, *, hashers: int = 0, queue: int = 32) -> None:
        self.hashers = hashers or os.cpu_count() or 1
        self.queue = queue
        self._slots = asyncio.Semaphore(self.hashers)
        self._inside = 0  # hashing or waiting

    async def verify(self, password: str, stored_hash: str) -> bool:
        if self._inside >= self.hashers + self.queue:
            raise LoginBusy
        self._inside += 1
        try:
            async with self._slots:
                # scrypt takes tens of milliseconds on purpose: never on the event loop.
                return await asyncio.to_thread(verify_password, password, stored_hash)
        finally:
            self._inside -= 1


@dataclass(frozen=True)
class AgentSession:
    """A valid token's agent and when the token runs out."""

    agent: AgentRecord
    expires_at: float


@dataclass(frozen=True)
class SignedIn:
    token: str
    expires_at: int
    agent: AgentRecord


class AgentAuth:
    """Issues tokens for passwords and tells whose a token is (see the module's doc)."""

    def __init__(
        self,
        *,
        tokens: TokenSigner,
        agents: AgentStore,
        token_ttl: int,
        clock: Clock,
        gate: HashGate | None = None,
    ) -> None:
        self.tokens = tokens
        self.agents = agents
        self.token_ttl = token_ttl
        self.now = clock
        self.gate = gate or HashGate()

    async def authenticate(self, token: object) -> AgentSession | None:
        """The session of a valid token of an enabled, unrevoked agent; else ``None``."""
        claims = self.tokens.verify(token, self.now())
        if claims is None:
            return None
        record = await self.agents.get(claims.agent_id)
        if record is None or record.disabled or record.token_gen != claims.generation:
            return None
        return AgentSession(record, claims.expires_at)

    async def sign_in(self, username: str, password: str) -> SignedIn | None:
        """A token for the right password of an enabled agent; else ``None`` (same timing).

        Raises :class:`LoginBusy` when too many logins are being checked already.
        """
        record = await self.agents.by_username(username) if USERNAME.match(username) else None
        stored_hash = record.password_hash if record else _DUMMY_HASH
        ok = await self.gate.verify(password, stored_hash)
        if record is None or not ok or record.disabled:
            return None
        now = self.now()
        token = self.tokens.issue(record.id, record.token_gen, self.token_ttl, now)
        return SignedIn(token, int(now + self.token_ttl), record)
