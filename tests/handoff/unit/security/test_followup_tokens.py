"""Follow-up answer tokens: only the service can make one for a conversation, and an
unsubscribe token (another key) does not answer a follow-up."""

from handoff.security.followup_tokens import FollowUpTokens
from handoff.security.ids import new_conversation_id
from handoff.security.unsubscribe_tokens import UnsubscribeTokens

SECRET = "s" * 32


def test_a_token_names_its_conversation() -> None:
    conversation_id = new_conversation_id()
    token = FollowUpTokens(SECRET).token(conversation_id)
    assert FollowUpTokens(SECRET).conversation_of(token) == conversation_id


def test_forged_malformed_and_other_purpose_tokens_name_nothing() -> None:
    conversation_id, other = new_conversation_id(), new_conversation_id()
    tokens = FollowUpTokens(SECRET)
    token = tokens.token(conversation_id)
    assert FollowUpTokens("another secret of 32 characters!").conversation_of(token) is None
    assert tokens.conversation_of(other + token[len(conversation_id) :]) is None  # MAC swapped
    assert tokens.conversation_of(UnsubscribeTokens(SECRET).token(conversation_id)) is None
    for bad in ("", "c_x", token + "a", token.upper(), None, 42, "x" * 500):
        assert tokens.conversation_of(bad) is None
