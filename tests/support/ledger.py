"""Counting messages through a fault: what was sent, acknowledged, stored and received.

A :class:`Ledger` is kept per direction of one conversation (a customer's messages to the agent,
the agent's to the customer). Each message is sent the way the widget's and the console's
outboxes send (:func:`send_until_acked`: the same ``client_msg_id`` until an ok ack, so a resend
is safe), then :meth:`Ledger.figures` compares the acknowledged messages with the stream in
Redis and with what the other side holds. The promise (``docs/reliability.md``): every
acknowledged message is stored exactly once, in the order sent, and reaches the other side.

Example::

    ledger = Ledger("customer -> agent")
    await send_until_acked(ledger, lambda text, cmid: alice.say(text, cmid), "hello")
    figures = ledger.figures(stored=await stored_entries(redis_url, cid),
                             received=ana.transcript(cid))
    assert figures.lost == figures.duplicated == 0 and figures.order_kept
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import redis.asyncio as aioredis

from handoff.domain.entries import decode
from handoff.store.keys import Keys

Send = Callable[[str, str], Awaitable[Any]]
_ids = itertools.count(1)


@dataclass(frozen=True)
class Figures:
    sent: int  # distinct messages the client tried to send
    acked: int  # of those, acknowledged (stored, says the server)
    stored: int  # of those, found in the stream (once or more)
    received: int  # acknowledged messages the other side holds
    lost: int  # acknowledged, but not stored or not received
    duplicated: int  # stored more than once
    order_kept: bool  # the acknowledged messages are stored in the order they were sent
    attempts: int  # sends, resends included

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Ledger:
    name: str
    sent: list[tuple[str, str]] = field(default_factory=list)  # (cmid, text), in send order
    acked: dict[str, int] = field(default_factory=dict)  # cmid -> seq
    attempts: int = 0

    def new_message(self, text: str) -> str:
        cmid = f"{self.name.split()[0][:8]}-{next(_ids)}"
        self.sent.append((cmid, text))
        return cmid

    def acknowledged(self, cmid: str, seq: int) -> None:
        self.acked[cmid] = seq

    def figures(
        self, *, stored: list[dict[str, Any]], received: dict[int, dict[str, Any]]
    ) -> Figures:
        texts = dict(self.sent)
        in_stream: dict[str, list[int]] = {}
        for entry in stored:
            cmid = entry.get("client_msg_id")
            if cmid in texts:
                in_stream.setdefault(cmid, []).append(entry["seq"])
        acked_stored = [c for c in self.acked if c in in_stream]
        got = [
            c
            for c, seq in self.acked.items()
            if seq in received and received[seq].get("text") == texts[c]
        ]
        order = [in_stream[c][0] for c, _ in self.sent if c in self.acked and c in in_stream]
        return Figures(
            sent=len(self.sent),
            acked=len(self.acked),
            stored=len(in_stream),
            received=len(got),
            lost=len(self.acked) - min(len(acked_stored), len(got)),
            duplicated=sum(len(seqs) - 1 for seqs in in_stream.values()),
            order_kept=order == sorted(order),
            attempts=self.attempts,
        )


async def send_until_acked(
    ledger: Ledger, send: Send, text: str, *, give_up_after: float = 60.0, pause: float = 0.2
) -> int:
    """Send one message until the server acknowledges it (same ``client_msg_id`` each time);
    its seq. Errors and timeouts are retried, as the outboxes do."""
    cmid = ledger.new_message(text)
    deadline = time.monotonic() + give_up_after
    while True:
        ledger.attempts += 1
        try:
            ack = await send(text, cmid)
        except Exception:  # noqa: BLE001 - disconnected, timed out: the outbox retries
            ack = None
        if isinstance(ack, dict) and ack.get("ok"):
            ledger.acknowledged(cmid, int(ack["seq"]))
            return int(ack["seq"])
        if time.monotonic() > deadline:
            raise AssertionError(f"{ledger.name}: {text!r} never acknowledged; last ack {ack}")
        await asyncio.sleep(pause)


async def stored_entries(
    redis_url: str, conversation_id: str, prefix: str = "tandem:"
) -> list[dict[str, Any]]:
    """The conversation's stream as entries, oldest first (read straight from Redis)."""
    redis = aioredis.Redis.from_url(redis_url, decode_responses=True)
    try:
        rows = await redis.xrange(Keys(prefix).log(conversation_id))
    finally:
        await redis.aclose()
    return [dict(decode(fields)) for _, fields in rows]
