"""Signed, expiring agent tokens."""

from handoff.security.tokens import TokenSigner

SECRET = "s" * 32


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


def test_a_signature_with_non_ascii_characters_is_refused_not_an_error() -> None:
    tokens = TokenSigner(SECRET)
    token = tokens.issue("a_0123456789abcdef", generation=3, ttl=60, now=1000.0)
    head, body, mac = token.split(".")
    for forged in (
        f"{head}.{body}.{mac[:-1]}é",
        f"{head}.{body}.\ud800",
        f"{head}.{body}é.{mac}",
        f"{head}.\ud800.{mac}",
    ):
        assert tokens.verify(forged, now=1030.0) is None
