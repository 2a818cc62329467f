import pytest

from handoff.security.ids import SessionSigner, is_conversation_id, new_conversation_id
from handoff.security.passwords import hash_password, verify_password
from handoff.security.tokens import TokenSigner

SECRET = "s" * 32


def test_session_ids_are_signed_and_unguessable() -> None:
    signer = SessionSigner(SECRET)
    session = signer.issue()
    assert signer.verify(session) and session != signer.issue()
    body, mac = session.split(".")
    assert not signer.verify(
        f"{body}.{mac[:-1]}A" if not mac.endswith("A") else f"{body}.{mac[:-1]}B"
    )
    assert not SessionSigner("t" * 32).verify(session)
    for junk in (None, 3, "", "a.b", "x" * 45, session + "x"):
        assert not signer.verify(junk)


def test_customer_id_is_stable_and_not_the_session() -> None:
    signer = SessionSigner(SECRET)
    session = signer.issue()
    assert signer.customer_id(session) == signer.customer_id(session)
    assert session not in signer.customer_id(session)


def test_conversation_ids() -> None:
    assert is_conversation_id(new_conversation_id())
    assert not is_conversation_id("c_../../etc") and not is_conversation_id(None)


def test_tokens_expire_and_cannot_be_forged() -> None:
    tokens = TokenSigner(SECRET)
    token = tokens.issue("a_0123456789abcdef", generation=3, ttl=60, now=1000.0)
    claims = tokens.verify(token, now=1030.0)
    assert claims is not None and claims.agent_id == "a_0123456789abcdef" and claims.generation == 3
    assert tokens.verify(token, now=1061.0) is None
    assert TokenSigner("o" * 32).verify(token, now=1030.0) is None
    head, body, mac = token.split(".")
    assert tokens.verify(f"{head}.{body}x.{mac}", now=1030.0) is None
    for junk in (None, "", "v1..", "v2.a.b", "x" * 2000):
        assert tokens.verify(junk, now=1030.0) is None


@pytest.mark.parametrize("password", ["correct horse battery staple", "ünïcødé pass"])
def test_scrypt_passwords(password: str) -> None:
    stored = hash_password(password)
    assert stored.startswith("scrypt$16384$8$1$")
    assert verify_password(password, stored)
    assert not verify_password(password + "!", stored)
    assert not verify_password(password, "md5$nonsense")
