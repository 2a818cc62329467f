"""Signed email links: only the service can make one for a conversation, and a token of one
purpose (unsubscribe) never passes as another's (a follow-up answer)."""

import pytest

from handoff.security.ids import new_conversation_id
from handoff.security.link_tokens import LinkTokens, Purpose

SECRET = "s" * 32
PURPOSES: list[Purpose] = ["unsubscribe", "followup"]


@pytest.mark.parametrize("purpose", PURPOSES)
def test_a_token_names_its_conversation(purpose: Purpose) -> None:
    conversation_id = new_conversation_id()
    token = LinkTokens(SECRET, purpose).token(conversation_id)
    assert LinkTokens(SECRET, purpose).conversation_of(token) == conversation_id


@pytest.mark.parametrize("purpose", PURPOSES)
def test_forged_malformed_and_other_purpose_tokens_name_nothing(purpose: Purpose) -> None:
    conversation_id, other = new_conversation_id(), new_conversation_id()
    tokens = LinkTokens(SECRET, purpose)
    token = tokens.token(conversation_id)
    other_purpose = next(p for p in PURPOSES if p != purpose)
    assert LinkTokens("another secret of 32 characters!", purpose).conversation_of(token) is None
    assert tokens.conversation_of(other + token[len(conversation_id) :]) is None  # MAC swapped
    assert tokens.conversation_of(LinkTokens(SECRET, other_purpose).token(conversation_id)) is None
    for bad in ("", "c_x", token + "a", token.upper(), None, 42, "x" * 500):
        assert tokens.conversation_of(bad) is None
