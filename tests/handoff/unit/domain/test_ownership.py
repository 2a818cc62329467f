"""Who owns a conversation, and which changes of owner the rules allow."""

import pytest

from handoff.domain.ownership import (
    RULES,
    Action,
    AlreadyClaimed,
    InvalidState,
    NotOwner,
    State,
    check,
    handoff_target,
    is_allowed,
)


def test_the_lifecycle_of_design_md() -> None:
    assert (
        RULES[Action.HANDOFF].from_states == {State.BOT, State.OFFLINE}
        and RULES[Action.HANDOFF].to_state is State.QUEUED
    )
    assert RULES[Action.CLAIM].from_states == {State.QUEUED, State.OFFLINE}
    assert RULES[Action.CLAIM].to_state is State.AGENT
    assert (
        RULES[Action.HAND_BACK].to_state is State.BOT
        and RULES[Action.CLOSE].to_state is State.CLOSED
    )
    assert RULES[Action.GO_OFFLINE].to_state is State.OFFLINE


@pytest.mark.parametrize(
    "action", [Action.TRANSFER, Action.HAND_BACK, Action.CLOSE, Action.REQUEUE]
)
def test_only_the_owner_acts_on_an_owned_conversation(action: Action) -> None:
    assert is_allowed(action, state="agent", owner="a_1", actor="a_1")
    with pytest.raises(NotOwner):
        check(action, state="agent", owner="a_1", actor="a_2")


def test_claiming_a_claimed_conversation_names_the_winner() -> None:
    with pytest.raises(AlreadyClaimed) as caught:
        check(Action.CLAIM, state="agent", owner="a_1", actor="a_2")
    assert caught.value.owner == "a_1" and caught.value.code == "already_claimed"


@pytest.mark.parametrize("state", ["bot", "closed"])
def test_nothing_to_claim(state: str) -> None:
    with pytest.raises(InvalidState):
        check(Action.CLAIM, state=state, owner="", actor="a_1")


def test_closed_is_final_but_for_the_customer_coming_back() -> None:
    allowed = {a for a in Action if is_allowed(a, state="closed", owner="", actor="")}
    assert allowed == {Action.REOPEN, Action.REOPEN_TICKET}
    assert RULES[Action.REOPEN].to_state is State.QUEUED
    assert RULES[Action.REOPEN_TICKET].to_state is State.OFFLINE
    # A conversation an agent holds is theirs: a reply by email reaches them where it is.
    assert not is_allowed(Action.REOPEN, state="agent", owner="a_1", actor="")


def test_handoff_target() -> None:
    assert handoff_target(open_now=True, agents_available=2) == (State.QUEUED, "")
    # A customer in another language: only someone who speaks it can help.
    assert handoff_target(open_now=True, agents_available=2, speakers_available=0) == (
        State.OFFLINE,
        "no_speaker",
    )
    assert handoff_target(open_now=True, agents_available=2, speakers_available=1) == (
        State.QUEUED,
        "",
    )
    assert handoff_target(open_now=True, agents_available=0) == (State.OFFLINE, "no_agents")
    assert handoff_target(open_now=False, agents_available=5) == (State.OFFLINE, "closed_hours")
