"""An erase that lands while agent assist is keeping the same conversation's replies: the
learning read the conversation just before the erase deleted it, and keeps its pairs just after
the erase forgot them. The keep then finds the conversation gone and forgets its own rows, so
nothing of the erased customer is left to suggest. Real Redis and the real stores; only the
moment of the erase is chosen, by running it inside the keep."""

from __future__ import annotations

from typing import Any

import pytest
import socketio

from handoff.config.faq_answers import FaqAnswers
from handoff.domain.entries import encode
from handoff.domain.past_replies import ReplyPair
from handoff.fanout.notify import Notifier
from handoff.services.assist import Assist
from handoff.store.assist import AssistStore
from handoff.store.conversations import ConversationStore
from handoff.store.customer_data import CustomerData
from handoff.store.stats import Stats
from tests.handoff.integration.store.conftest import KEYS, Clock

pytestmark = pytest.mark.asyncio
CUSTOMER = "u_0123456789abcdef01234567"


class ErasedMeanwhile(AssistStore):
    """Runs the privacy erase's two steps (``CustomerData.erase``, then ``forget``) right
    before the keep it was racing."""

    def __init__(self, redis: Any, data: CustomerData) -> None:
        super().__init__(redis, KEYS, cap=100, ttl=3600, clock=Clock())
        self.data = data

    async def keep(self, conversation_id: str, pairs: list[ReplyPair]) -> int | None:
        await self.data.erase(CUSTOMER, [conversation_id])
        await self.forget([conversation_id])
        return await super().keep(conversation_id, pairs)


async def no_parse(text: str) -> dict[str, Any]:
    return {}


async def test_replies_kept_while_their_conversation_is_erased_are_forgotten(
    redis: Any,
) -> None:
    conversations = ConversationStore(redis, KEYS, retention_seconds=3600, clock=Clock())
    cid = await conversations.start(CUSTOMER, expected_current="", day_key=KEYS.stats_day("d"))
    await conversations.append(cid, encode(author="customer", text="is the sofa in stock"))
    await conversations.append(cid, encode(author="agent", text="Yes, two left in grey."))
    assist = Assist(
        conversations=conversations,
        store=ErasedMeanwhile(redis, CustomerData(redis, KEYS)),
        stats=Stats(redis, KEYS, clock=Clock()),
        notify=Notifier(socketio.AsyncServer(async_mode="asgi")),
        parse=no_parse,
        faq=FaqAnswers({}),
        canned=[],
        faq_confidence=0.5,
        max_pairs=100,
        default_language="en",
    )
    assist.rated_later(cid, 5)
    await assist.settled()

    assert await redis.lrange(KEYS.assist_pairs, 0, -1) == []
    assert not await redis.exists(KEYS.assist_learned(cid), KEYS.conversation(cid))
    assert await assist.suggest("is the sofa in stock?", "en") == []  # the index rebuilt too
