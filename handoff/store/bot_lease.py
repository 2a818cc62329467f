"""The bridge's lease on a conversation, and its next piece of work, in one round trip each.

Per conversation one replica talks to the bot at a time: it holds a short lease (a Redis
string with an expiry). ``TAKE_BOT_WORK`` takes or renews the lease and returns the next piece
of work in the same step; when there is none it releases the lease, so a message stored after
that look starts a new pump (``handoff.services.bridge``).

Example::

    lease = BotLease(redis, keys, lease_ms=17_000)
    work = await lease.take("c_…", token, renew=False)
    if work.status == "work":
        ...
    left = await lease.release("c_…", token)
    left.work_left
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from handoff.domain.ownership import BOT_ANSWERS, State
from handoff.store.keys import Keys
from handoff.store.scripts import RELEASE_BOT_LOCK, TAKE_BOT_WORK


@dataclass(frozen=True)
class BotWork:
    """What ``take`` found: ``busy`` (another replica holds the lease for ``busy_ms`` more),
    ``lost`` (our lease ran out and someone else has it), ``done`` (nothing to do; the lease is
    released), or ``work``: the conversation, its first unanswered customer entry (empty when
    only other entries remain) and the last seq read."""

    status: str
    busy_ms: int = 0
    conversation: dict[str, str] = field(default_factory=dict)
    message: dict[str, str] = field(default_factory=dict)
    last_seq: int = 0


@dataclass(frozen=True)
class LeaseOffer:
    """What ``APPEND`` needs to take the lease for the bridge when it is free: a fresh token and
    the lease's length (``ConversationStore.append(lease=…)``)."""

    token: str
    lease_ms: int


@dataclass(frozen=True)
class TakenWork:
    """A lease taken on the bridge's behalf (by ``APPEND``) and the first work under it: the
    bridge starts with it instead of acquiring (``BotBridge.kick(taken=…)``)."""

    token: str
    work: BotWork


def new_token() -> str:
    return secrets.token_hex(8)


@dataclass(frozen=True)
class Released:
    """Where the conversation stood when the lease was given back."""

    state: str
    bot_seq: int
    customer_seq: int
    bot_event: str

    @property
    def work_left(self) -> bool:
        """Something for the bot after all (a message, or a hand-back that came meanwhile)."""
        unanswered = self.customer_seq > self.bot_seq
        return (self.state in BOT_ANSWERS and unanswered) or (
            self.state == State.BOT and self.bot_event == "handback"
        )


class BotLease:
    """Takes, renews and releases the bridge's per-conversation lease."""

    def __init__(self, redis: Any, keys: Keys, *, lease_ms: int) -> None:
        self.keys = keys
        self.lease_ms = lease_ms
        self._take = redis.register_script(TAKE_BOT_WORK)
        self._release = redis.register_script(RELEASE_BOT_LOCK)

    def offer(self) -> LeaseOffer:
        return LeaseOffer(new_token(), self.lease_ms)

    async def take(self, conversation_id: str, token: str, *, renew: bool) -> BotWork:
        keys = [
            self.keys.bot_lock(conversation_id),
            self.keys.conversation(conversation_id),
            self.keys.log(conversation_id),
        ]
        reply = await self._take(
            keys=keys, args=[token, self.lease_ms, "renew" if renew else "acquire"]
        )
        return work_from_reply(reply)

    async def release(self, conversation_id: str, token: str) -> Released:
        keys = [self.keys.bot_lock(conversation_id), self.keys.conversation(conversation_id)]
        state, bot_seq, customer_seq, event = await self._release(keys=keys, args=[token])
        return Released(
            state=str(state or ""),
            bot_seq=int(bot_seq or 0),
            customer_seq=int(customer_seq or 0),
            bot_event=str(event or ""),
        )


def work_from_reply(reply: list[Any]) -> BotWork:
    """A ``TAKE_BOT_WORK`` reply (or the next work ``COMMIT_BOT_TURN`` and ``APPEND`` return, see
    ``next_bot_work`` in ``handoff.store.scripts``) as a :class:`BotWork`."""
    status = str(reply[0])
    if status == "busy":
        return BotWork(status, busy_ms=int(reply[1]))
    if status != "work":
        return BotWork(status)
    return BotWork(
        status,
        conversation=_pairs(reply[1]),
        message=_pairs(reply[2]),
        last_seq=int(reply[3] or 0),
    )


def _pairs(flat: list[str]) -> dict[str, str]:
    """A Redis ``[field, value, ...]`` reply as a dict."""
    return dict(zip(flat[::2], flat[1::2], strict=True))
