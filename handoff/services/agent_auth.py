"""Agents signing in, and who a token belongs to: the one token check of the service.

A token is only as good as the account behind it: signed and unexpired (``security.tokens``),
for an agent that exists, is enabled, and has not had its tokens revoked since (``token_gen``).
The socket connect, the transcript export and the sweeper all ask here.

Example::

    auth = AgentAuth(tokens=TokenSigner(secret), agents=agent_store, token_ttl=3600,
                     clock=time.time)
    signed_in = await auth.sign_in("ana", "correct horse battery staple")
    session = await auth.authenticate(signed_in.token)     # AgentSession or None
"""

from __future__ import annotations

import asyncio
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
        self, *, tokens: TokenSigner, agents: AgentStore, token_ttl: int, clock: Clock
    ) -> None:
        self.tokens = tokens
        self.agents = agents
        self.token_ttl = token_ttl
        self.now = clock

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
        """A token for the right password of an enabled agent; else ``None`` (same timing)."""
        record = await self.agents.by_username(username) if USERNAME.match(username) else None
        stored_hash = record.password_hash if record else _DUMMY_HASH
        # scrypt takes tens of milliseconds on purpose: never on the event loop.
        ok = await asyncio.to_thread(verify_password, password, stored_hash)
        if record is None or not ok or record.disabled:
            return None
        now = self.now()
        token = self.tokens.issue(record.id, record.token_gen, self.token_ttl, now)
        return SignedIn(token, int(now + self.token_ttl), record)
