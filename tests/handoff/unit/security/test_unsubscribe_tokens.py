"""Unsubscribe tokens: only the service can make one for a conversation."""

from handoff.security.ids import new_conversation_id
from handoff.security.unsubscribe_tokens import UnsubscribeTokens

SECRET = "s" * 32


def test_a_token_names_its_conversation() -> None:
    conversation_id = new_conversation_id()
    token = UnsubscribeTokens(SECRET).token(conversation_id)
    assert UnsubscribeTokens(SECRET).conversation_of(token) == conversation_id


def test_forged_and_malformed_tokens_name_nothing() -> None:
    conversation_id, other = new_conversation_id(), new_conversation_id()
    token = UnsubscribeTokens(SECRET).token(conversation_id)
    tokens = UnsubscribeTokens(SECRET)
    assert UnsubscribeTokens("another secret of 32 characters!").conversation_of(token) is None
    assert tokens.conversation_of(other + token[len(conversation_id) :]) is None  # MAC swapped
    for bad in ("", "c_x", token + "a", token.upper(), None, 42, "x" * 500):
        assert tokens.conversation_of(bad) is None
