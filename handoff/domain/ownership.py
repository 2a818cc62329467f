"""Who owns a conversation, and which changes of owner are allowed (pure logic).

States: ``bot`` -> ``queued`` -> ``agent`` -> (``bot`` | ``closed``), plus ``offline`` when no
person can take it now (it becomes a ticket). Exactly one owner at a time: the bot in ``bot``,
nobody in ``queued``/``offline``/``closed`` (a person is being looked for, or it is over), one
agent in ``agent``. Closed is over for everything but the customer coming back to it
(``REOPEN``: an email reply, or "no" to the follow-up question).

The rules live here, once. The Redis scripts (``handoff.store.scripts``) only enforce the
preconditions this module computes (allowed from-states, required owner, expected version), so
the check and the change happen in one atomic step on Redis.

Example::

    rule = rule_for(Action.CLAIM)
    rule.from_states   # frozenset({State.QUEUED, State.OFFLINE})
    check(Action.HAND_BACK, state=State.AGENT, owner="a_1", actor="a_2")  # raises NotOwner
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class State(StrEnum):
    BOT = "bot"
    QUEUED = "queued"
    AGENT = "agent"
    OFFLINE = "offline"
    CLOSED = "closed"


class Action(StrEnum):
    # bot|offline -> queued: the bot, the customer, or a failing bot asks for a person; from
    # offline only the customer, asking again after leaving a message ("Talk to a person")
    HANDOFF = "handoff"
    GO_OFFLINE = "go_offline"  # bot|queued -> offline: nobody can take it now; leave a message
    CLAIM = "claim"  # queued|offline -> agent: exactly one agent wins
    TRANSFER = "transfer"  # agent -> agent: the owner passes it to a colleague
    HAND_BACK = "hand_back"  # agent -> bot: the owner returns it to the assistant
    CLOSE = "close"  # agent -> closed: the owner resolves it
    REQUEUE = "requeue"  # agent -> queued: the owner was disabled; someone else must take it
    # any open state -> closed: nobody wrote for TANDEM_IDLE_CLOSE_HOURS (tickets: nobody
    # claimed it for TANDEM_TICKET_CLOSE_DAYS); the sweeper names the owner it found ("" none)
    CLOSE_IDLE = "close_idle"
    # any open state -> closed: an admin erases the customer's data (``services/privacy.py``);
    # the owner it found is told, then everything is deleted
    ERASE = "erase"
    # closed|offline|bot -> queued: the customer came back after it was over (a reply by email,
    # or "no" to the follow-up question): people look at it again, with its history
    REOPEN = "reopen"
    # closed|bot -> offline: the same when nobody can take it now; it is a ticket again
    REOPEN_TICKET = "reopen_ticket"


# States in which the bot answers the customer's messages: all of them while it owns the
# conversation, FAQ questions only while the customer waits for a person
# (``handoff.services.bridge``).
BOT_ANSWERS = frozenset({State.BOT, State.QUEUED})


@dataclass(frozen=True)
class Rule:
    from_states: frozenset[State]
    to_state: State
    owner_must_act: bool  # only the current owner may do it (identity from the token)


RULES: dict[Action, Rule] = {
    Action.HANDOFF: Rule(frozenset({State.BOT, State.OFFLINE}), State.QUEUED, False),
    Action.GO_OFFLINE: Rule(frozenset({State.BOT, State.QUEUED}), State.OFFLINE, False),
    Action.CLAIM: Rule(frozenset({State.QUEUED, State.OFFLINE}), State.AGENT, False),
    Action.TRANSFER: Rule(frozenset({State.AGENT}), State.AGENT, True),
    Action.HAND_BACK: Rule(frozenset({State.AGENT}), State.BOT, True),
    Action.CLOSE: Rule(frozenset({State.AGENT}), State.CLOSED, True),
    Action.REQUEUE: Rule(frozenset({State.AGENT}), State.QUEUED, True),
    Action.CLOSE_IDLE: Rule(
        frozenset({State.BOT, State.QUEUED, State.AGENT, State.OFFLINE}), State.CLOSED, True
    ),
    Action.ERASE: Rule(
        frozenset({State.BOT, State.QUEUED, State.AGENT, State.OFFLINE}), State.CLOSED, True
    ),
    Action.REOPEN: Rule(frozenset({State.CLOSED, State.OFFLINE, State.BOT}), State.QUEUED, False),
    Action.REOPEN_TICKET: Rule(frozenset({State.CLOSED, State.BOT}), State.OFFLINE, False),
}


class TransitionError(Exception):
    """A change of owner that the rules forbid; ``code`` is the protocol error code."""

    code = "invalid_state"

    def __init__(self, message: str, state: str = "", owner: str = "") -> None:
        super().__init__(message)
        self.state = state
        self.owner = owner


class InvalidState(TransitionError):
    code = "invalid_state"


class AlreadyClaimed(TransitionError):
    code = "already_claimed"


class NotOwner(TransitionError):
    code = "not_owner"


def rule_for(action: Action) -> Rule:
    return RULES[action]


def check(action: Action, *, state: str, owner: str, actor: str) -> None:
    """Raise the matching :class:`TransitionError` if ``actor`` may not do ``action`` now.

    ``owner`` and ``actor`` are agent ids ("" for none / the system). The atomic Redis check
    enforces the same rules; this explains its refusals (``handoff.services.desk.refusal``)
    and answers questions asked before a change (:func:`is_allowed`).
    """
    rule = RULES[action]
    if state not in {s.value for s in rule.from_states}:
        if action is Action.CLAIM and state == State.AGENT:
            raise AlreadyClaimed("another agent already claimed this conversation", state, owner)
        raise InvalidState(f"the conversation is {state}; that is not possible now", state, owner)
    if rule.owner_must_act and owner != actor:
        raise NotOwner("only the agent who owns this conversation can do that", state, owner)


def is_allowed(action: Action, *, state: str, owner: str, actor: str) -> bool:
    try:
        check(action, state=state, owner=owner, actor=actor)
    except TransitionError:
        return False
    return True


def handoff_target(
    *, open_now: bool, agents_available: int, speakers_available: int | None = None
) -> tuple[State, str]:
    """Where a conversation handed to people goes: the queue, or offline (with why).

    Offline when outside business hours or nobody is online to take it; the customer is told
    honestly and can leave a message that becomes a ticket. ``speakers_available``: for a
    customer the bot cannot talk to (another language), how many of those online speak theirs;
    queueing them for nobody who understands them would only be a longer wait for the same form.
    """
    if not open_now:
        return State.OFFLINE, "closed_hours"
    if agents_available <= 0:
        return State.OFFLINE, "no_agents"
    if speakers_available is not None and speakers_available <= 0:
        return State.OFFLINE, "no_speaker"
    return State.QUEUED, ""
