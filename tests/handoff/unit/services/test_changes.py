"""One change of owner: how a refusal is explained, and that a refused change tells nobody."""

from __future__ import annotations

import pytest

from handoff.config.texts import SystemTexts
from handoff.domain.ownership import Action
from handoff.protocol.errors import ErrorCode, ProtocolError
from handoff.services.changes import Changes, refusal
from handoff.store.conversations import TransitionResult
from tests.handoff.unit.services.fakes import FakeConversations, Recorder, agent


def test_refusals_are_explained_by_the_ownership_rules() -> None:
    missing = refusal(TransitionResult("missing"), Action.CLAIM)
    assert missing.code is ErrorCode.NOT_FOUND
    claimed = refusal(
        TransitionResult("state", previous_state="agent", owner="a_1", owner_name="Ana"),
        Action.CLAIM,
        "a_2",
    )
    assert claimed.code is ErrorCode.ALREADY_CLAIMED and claimed.message.startswith("Ana ")
    assert claimed.details == {"by": {"id": "a_1", "name": "Ana"}}
    stranger = refusal(
        TransitionResult("owner", previous_state="agent", owner="a_1"), Action.CLOSE, "a_2"
    )
    assert stranger.code is ErrorCode.NOT_OWNER
    too_early = refusal(TransitionResult("state", previous_state="queued"), Action.CLOSE, "a_1")
    assert too_early.code is ErrorCode.INVALID_STATE and too_early.details == {"state": "queued"}
    full = refusal(TransitionResult("capacity", previous_state="agent"), Action.TRANSFER, "a_1")
    assert full.code is ErrorCode.AT_CAPACITY
    # The rules allow it, so the conversation changed in between (e.g. another version).
    moved = refusal(TransitionResult("version", previous_state="bot"), Action.HANDOFF)
    assert moved.code is ErrorCode.INVALID_STATE


@pytest.mark.asyncio
async def test_a_change_is_announced_only_once_it_happened() -> None:
    store, notify = FakeConversations(), Recorder()
    changes = Changes(store, notify, SystemTexts.load())  # type: ignore[arg-type]
    conversation = {"id": "c_1", "customer": "u_1", "state": "queued", "language": "de"}
    entry = changes.notice("de", "agent_joined", agent_name="Ana", agent="Ana")
    store.results.append(TransitionResult("state", previous_state="bot"))
    refused = await changes.apply(conversation, Action.CLAIM, entry, refuse=False)
    assert refused.status == "state" and notify.calls == []
    with pytest.raises(ProtocolError) as caught:
        store.results.append(TransitionResult("state", previous_state="bot"))
        await changes.apply(conversation, Action.CLAIM, entry)
    assert caught.value.code is ErrorCode.INVALID_STATE and notify.calls == []
    await changes.apply(
        conversation, Action.CLAIM, entry, new_owner=agent("a_1", name="Ana"), updated=True
    )
    assert notify.names() == ["entry", "conversation_updated"]
    said = notify.calls[0][1][3]
    assert said["text"] == "Ana ist dem Gespräch beigetreten." and said["event"] == "agent_joined"
    assert notify.calls[1][1][0]["owner"] == {"id": "a_1", "name": "Ana"}
