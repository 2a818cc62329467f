"""How one change of owner happens, and who is told: the desk's one helper.

Every change is one atomic transition on Redis (``ConversationStore.transition``, with the
rules of ``handoff.domain.ownership`` as preconditions) that also stores the system entry;
only then is anyone told, so nobody hears of a change that did not happen. The order is always
the same: the desk first (the queue changed: what a handoff exists for), then the note for a
new owner, the system entry, the customer's new state, and the consoles that have the
conversation open (``conversation_updated``).

Example::

    changes = Changes(conversations, notify, texts)
    entry = changes.notice("en", "agent_joined", agent_name="Ana", agent="Ana")
    result = await changes.apply(conversation, Action.CLAIM, entry, new_owner=ana,
                                 dequeue_by={"id": ana.id, "name": ana.name})
"""

from __future__ import annotations

from collections.abc import Mapping

from handoff.config.texts import SystemTexts
from handoff.domain import views
from handoff.domain.agents import AgentRecord
from handoff.domain.entries import encode, stored
from handoff.domain.ownership import Action, AlreadyClaimed, TransitionError, check, rule_for
from handoff.fanout.notify import Notifier
from handoff.protocol.customer import StateChange
from handoff.protocol.errors import ErrorCode, ProtocolError
from handoff.protocol.types import AgentRef
from handoff.store.conversations import ConversationStore, TransitionResult


def refusal(result: TransitionResult, action: Action, actor: str = "") -> ProtocolError:
    """Explain a transition the atomic check refused, with the rules of ``ownership.check``."""
    if result.status == "missing":
        return ProtocolError(ErrorCode.NOT_FOUND, "no such conversation")
    if result.status == "capacity":
        return ProtocolError(
            ErrorCode.AT_CAPACITY, "that agent already has as many conversations as allowed"
        )
    state = result.previous_state
    try:
        check(action, state=state, owner=result.owner, actor=actor)
    except AlreadyClaimed:
        by: AgentRef = {"id": result.owner, "name": result.owner_name}
        return ProtocolError(
            ErrorCode.ALREADY_CLAIMED,
            f"{result.owner_name} already took this conversation",
            {"by": by},
        )
    except TransitionError as exc:
        details = {"state": state} if exc.code == ErrorCode.INVALID_STATE else None
        return ProtocolError(ErrorCode(exc.code), str(exc), details)
    # The rules allow it; the script refused for what they leave to it (another version, or
    # an owner where nobody should own it).
    if result.status == "owner":
        return ProtocolError(
            ErrorCode.NOT_OWNER, "only the agent who owns this conversation can do that"
        )
    return ProtocolError(
        ErrorCode.INVALID_STATE,
        f"the conversation is {state}; that is not possible now",
        {"state": state},
    )


class Changes:
    """Applies changes of owner and tells everyone concerned (see the module's doc)."""

    def __init__(
        self, conversations: ConversationStore, notify: Notifier, texts: SystemTexts
    ) -> None:
        self.store = conversations
        self.notify = notify
        self.texts = texts

    async def apply(
        self,
        conversation: Mapping[str, str],
        action: Action,
        entry: list[str] | None,
        *,
        actor: str = "",
        new_owner: AgentRecord | None = None,
        expected_version: int | None = None,
        queue_score: float | None = None,
        fields: Mapping[str, str] | None = None,
        handoff_reason: str = "",
        queue_position: int | None = None,
        dequeue_by: AgentRef | None = None,
        state: StateChange | None = None,
        note: tuple[AgentRef, str] | None = None,
        updated: bool = False,
        refuse: bool = True,
    ) -> TransitionResult:
        """Transition atomically (with the system ``entry``), then tell everyone concerned.

        A refusal raises (``refuse``) or comes back in the result, and then nobody is told.
        Then, in this order: the desk (``queue_position``: the conversation joins the queue or
        the tickets at that place; ``dequeue_by``: it left the queue, taken by that agent), the
        ``note`` (author, text) for the new owner, the system entry, the customer's new
        ``state``, and the owner's and watchers' consoles (``updated``: the conversation's
        details changed in a way no other event tells them: ``conversation_updated``).
        """
        conversation_id = conversation["id"]
        result = await self.store.transition(
            conversation_id,
            action,
            actor=actor,
            expected_version=expected_version,
            new_owner=new_owner.id if new_owner else "",
            new_owner_name=new_owner.name if new_owner else "",
            capacity=new_owner.capacity if new_owner else None,
            queue_score=queue_score,
            fields=fields,
            entry=entry,
            handoff_reason=handoff_reason,
        )
        if not result.ok:
            if refuse:
                raise refusal(result, action, actor)
            return result
        owner = new_owner.id if new_owner else ""
        current = {
            **conversation,
            **(fields or {}),
            "state": rule_for(action).to_state.value,
            "version": str(result.version),
            "owner": owner,
            "owner_name": new_owner.name if new_owner else "",
        }
        if entry is not None:
            current["seq"] = str(result.seq)
        customer_id = conversation.get("customer", "")
        if queue_position is not None:
            await self.notify.queue_added(views.queue_item(current, position=queue_position))
        if dequeue_by is not None:
            await self.notify.queue_removed(conversation_id, "agent", dequeue_by)
        if note is not None:
            saved = await self.store.add_note(conversation_id, note[0], note[1], "")
            await self.notify.note(conversation_id, owner, saved)
        if entry is not None:
            said = stored(entry, result.seq, result.ts)
            await self.notify.entry(conversation_id, customer_id, owner, said)
        if state is not None:
            await self.notify.customer_state(customer_id, state)
        if updated:
            await self.notify.conversation_updated(views.conversation_info(current))
        return result

    def notice(
        self,
        language: str,
        key: str,
        *,
        event: str = "",
        agent_name: str = "",
        **values: object,
    ) -> list[str]:
        """The system entry of a change: ``key``'s sentence in the conversation's language."""
        text = self.texts.render(key, language, **values)
        return encode(author="system", text=text, event=event or key, agent_name=agent_name)

    async def unassigned(self, agent_id: str, conversation_id: str, reason: str) -> None:
        await self.notify.to_agent(
            agent_id,
            "conversation_unassigned",
            {"conversation_id": conversation_id, "reason": reason},
        )
