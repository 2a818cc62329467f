"""Reply addresses: round trip, case-insensitive, and refused when forged, altered or expired."""

from __future__ import annotations

from handoff.security.ids import new_conversation_id
from handoff.security.reply_tokens import ReplyTokens

NOW = 1_780_000_000.0
DAY = 86_400


def test_an_address_names_its_conversation_whatever_the_case() -> None:
    tokens = ReplyTokens("s" * 32)
    conversation = new_conversation_id()
    address = tokens.address(conversation, "reply.example.org", ttl_days=30, now=NOW)
    local = address.split("@")[0]
    assert address.endswith("@reply.example.org") and len(local) <= 64
    assert tokens.conversation_of(address, now=NOW) == conversation
    assert tokens.conversation_of(address.upper(), now=NOW) == conversation
    assert tokens.conversation_of(f"<{address}>", now=NOW + 29 * DAY) == conversation


def test_expired_forged_and_altered_tokens_are_refused() -> None:
    tokens = ReplyTokens("s" * 32)
    conversation = new_conversation_id()
    token = tokens.token(conversation, ttl_days=1, now=NOW)
    assert tokens.conversation_of(token, now=NOW + 3 * DAY) is None
    assert ReplyTokens("t" * 32).conversation_of(token, now=NOW) is None
    flipped = token[:-1] + ("a" if token[-1] != "a" else "b")
    assert tokens.conversation_of(flipped, now=NOW) is None
    for junk in (None, 42, "", "reply+", "reply+" + "!" * 48, "x" * 400, token[:-2]):
        assert tokens.conversation_of(junk, now=NOW) is None
