"""Signing in and the one token check: signed, unexpired, enabled, not revoked (no I/O)."""

from __future__ import annotations

import pytest

from handoff.security.passwords import hash_password
from handoff.security.tokens import TokenSigner
from handoff.services.agent_auth import AgentAuth
from tests.handoff.unit.services.fakes import FakeAgents, agent

PASSWORD = "correct horse battery staple"
HASH = hash_password(PASSWORD, n=2**10)


def make_auth(**fields: str) -> tuple[AgentAuth, FakeAgents, list[float]]:
    agents = FakeAgents(agent("a_0123456789abcdef", password_hash=HASH, **fields))
    now = [1000.0]
    auth = AgentAuth(
        tokens=TokenSigner("s" * 32),
        agents=agents,  # type: ignore[arg-type]
        token_ttl=60,
        clock=lambda: now[0],
    )
    return auth, agents, now


@pytest.mark.asyncio
async def test_a_password_gets_a_token_that_authenticates() -> None:
    auth, _, _ = make_auth()
    signed_in = await auth.sign_in("a0123456789abcdef", PASSWORD)
    assert signed_in is not None and signed_in.expires_at == 1060
    session = await auth.authenticate(signed_in.token)
    assert session is not None and session.agent.id == "a_0123456789abcdef"
    assert session.expires_at == 1060.0


@pytest.mark.asyncio
async def test_wrong_passwords_and_unknown_names_get_nothing() -> None:
    auth, _, _ = make_auth()
    assert await auth.sign_in("a0123456789abcdef", "wrong") is None
    assert await auth.sign_in("nobody", PASSWORD) is None
    assert await auth.sign_in("NOT A USERNAME!", PASSWORD) is None
    assert await auth.authenticate(None) is None and await auth.authenticate("v1.x.y") is None


@pytest.mark.asyncio
async def test_tokens_stop_working_when_expired_disabled_or_revoked() -> None:
    auth, agents, now = make_auth()
    signed_in = await auth.sign_in("a0123456789abcdef", PASSWORD)
    assert signed_in is not None
    now[0] = 1061.0
    assert await auth.authenticate(signed_in.token) is None
    now[0] = 1000.0
    agents.records["a_0123456789abcdef"] = agent(
        "a_0123456789abcdef", password_hash=HASH, token_gen="2"
    )
    assert await auth.authenticate(signed_in.token) is None
    disabled, _, _ = make_auth(disabled="1")
    assert await disabled.sign_in("a0123456789abcdef", PASSWORD) is None
