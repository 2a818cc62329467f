"""Follow-ups after a resolution, on Redis: scheduled by due time, taken when due, answered once.

A follow-up is durable: the conversation's hash says where it stands (``followup``:
``scheduled`` → ``due`` → ``yes`` | ``no``, or ``cancelled`` when the customer came back first)
and a sorted set by due time is what the sweeper reads, so no replica's memory holds one.

Example::

    followups = FollowUpStore(redis, keys, clock=time.time)
    await followups.schedule("c_…", due=time.time() + 24 * 3600)
    await followups.take_due()              # ["c_…"] once due: marked "due"
    await followups.answer("c_…", "u_…", solved=False, day_key=stats.day_key())   # "ok"
    await followups.take_for_mail()         # due ones with a contact email, for the outbox
"""

from __future__ import annotations

from typing import Any

from handoff.domain.clock import Clock
from handoff.store import scripts
from handoff.store.keys import Keys
from handoff.store.stats import DAY_TTL

BATCH = 100  # follow-ups taken per sweep; the rest the next second


class FollowUpStore:
    """The follow-up schedule and answers (see the module's doc)."""

    def __init__(self, redis: Any, keys: Keys, *, clock: Clock) -> None:
        self.redis = redis
        self.keys = keys
        self.now = clock
        self._take = redis.register_script(scripts.TAKE_DUE_FOLLOWUPS)
        self._answer = redis.register_script(scripts.ANSWER_FOLLOWUP)

    async def schedule(self, conversation_id: str, *, due: float) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(
                self.keys.conversation(conversation_id),
                mapping={"followup": "scheduled", "followup_due": repr(due)},
            )
            pipe.zadd(self.keys.followups, {conversation_id: due})
            await pipe.execute()

    async def cancel(self, conversation_id: str) -> None:
        """The customer came back before answering: nothing left to ask."""
        key = self.keys.conversation(conversation_id)
        if await self.redis.hget(key, "followup") in ("scheduled", "due"):
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.hset(key, "followup", "cancelled")
                pipe.zrem(self.keys.followups, conversation_id)
                pipe.zrem(self.keys.followups_mail, conversation_id)
                await pipe.execute()

    async def take_due(self, limit: int = BATCH) -> list[str]:
        """The follow-ups due by now, marked ``due`` (each taken by one replica only)."""
        taken = await self._take(
            keys=[self.keys.followups, self.keys.followups_mail],
            args=[repr(self.now()), limit, self.keys.conversation("")],
        )
        return [str(t) for t in taken]

    async def take_for_mail(self, limit: int = BATCH) -> list[str]:
        """Due follow-ups whose customer left an email, oldest first, each given out once."""
        popped = await self.redis.zpopmin(self.keys.followups_mail, limit)
        return [str(member) for member, _ in popped]

    async def answer(
        self, conversation_id: str, customer_id: str, *, solved: bool, day_key: str
    ) -> str:
        """Record the answer, counted all-time and in today's stats (``day_key``:
        ``Stats.day_key()``). ``ok``, or why not: ``missing`` (not this customer's),
        ``none``/``scheduled`` (not asked), ``yes``/``no`` (answered already), ``cancelled``."""
        status = await self._answer(
            keys=[
                self.keys.conversation(conversation_id),
                self.keys.followups,
                self.keys.followups_mail,
                self.keys.stats_followups,
                day_key,
            ],
            args=[
                conversation_id,
                "yes" if solved else "no",
                repr(self.now()),
                customer_id,
                DAY_TTL,
            ],
        )
        return str(status)
