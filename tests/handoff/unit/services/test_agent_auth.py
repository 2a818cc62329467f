"""Signing in and the one token check: signed, unexpired, enabled, not revoked (no I/O)."""

from __future__ import annotations

import asyncio

import pytest

from handoff.security.passwords import hash_password
from handoff.security.tokens import TokenSigner
from handoff.services.agent_auth import AgentAuth, HashGate, LoginBusy
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


@pytest.mark.asyncio
async def test_hashing_is_bounded_and_a_full_queue_refuses_at_once() -> None:
    gate = HashGate(hashers=1, queue=1)
    slow = hash_password(PASSWORD)  # the real cost: tens of milliseconds
    first = asyncio.create_task(gate.verify(PASSWORD, slow))
    second = asyncio.create_task(gate.verify("wrong password", slow))
    await asyncio.sleep(0)  # both are inside: one hashing, one waiting for the slot
    with pytest.raises(LoginBusy):
        await gate.verify(PASSWORD, slow)
    assert await first is True and await second is False
    assert await gate.verify(PASSWORD, HASH) is True  # room again
    assert HashGate().hashers >= 1  # one per core by default
