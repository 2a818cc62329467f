"""The durable outbox of emails to customers, on Redis.

An entry is one email: a batch of an agent's replies (``kind="reply"``), a transcript, or the
follow-up question after a resolution (``kind="followup"``, queued once per follow-up). It is
written before the agent's message is acknowledged, so a replica that dies loses no email.
Senders on any replica claim due entries (``claim``: a lease, in one script), send, and record
the outcome with the lease's token (``finish``); a sender that dies mid-send leaves its lease
to run out, and the entry is sent again with the same ``Message-ID``.

Example::

    outbox = Outbox(redis, keys, retention_seconds=90 * 86400, lease_seconds=120)
    entry_id = await outbox.queue_reply("c_…", to="sam@example.org", language="en", seq=7,
                                        now=now, batch=10, not_before=0, domain="shop.example")
    for entry_id in await outbox.due(now):
        entry = await outbox.claim(entry_id, now=now, token="replica-1:42")
        ...
        await outbox.finish(entry, token="replica-1:42", status="sent", now=now)
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any, cast

from handoff.domain.mail import MailKind
from handoff.protocol.agent import EmailInfo, EmailStatusName
from handoff.store.keys import Keys
from handoff.store.scripts import CLAIM_MAIL, ENQUEUE_REPLY, FINISH_MAIL, QUEUE_MAIL_ONCE

MAX_HOLD_FACTOR = 6  # a batch goes out at the latest this many batch windows after its first


@dataclass(frozen=True)
class MailEntry:
    """One outbox email as stored (``fields``: every field, strings)."""

    id: str
    conversation_id: str
    kind: str
    why: str
    to: str
    language: str
    from_seq: int
    to_seq: int
    status: str
    tries: int
    reason: str
    created: float
    updated: float
    message_id: str

    def info(self) -> EmailInfo:
        """How the console sees it."""
        return {
            "id": self.id,
            "kind": mail_kind(self.kind),
            "status": cast(EmailStatusName, self.status),
            "to": self.to,
            "tries": self.tries,
            "reason": self.reason,
            "created_at": self.created,
            "updated_at": self.updated,
            "seqs": [self.from_seq, self.to_seq],
        }

    @classmethod
    def from_fields(cls, fields: dict[str, str]) -> MailEntry:
        return cls(
            id=fields.get("id", ""),
            conversation_id=fields.get("conversation", ""),
            kind=fields.get("kind", "reply"),
            why=fields.get("why", ""),
            to=fields.get("to", ""),
            language=fields.get("language", ""),
            from_seq=int(fields.get("from_seq") or 0),
            to_seq=int(fields.get("to_seq") or 0),
            status=fields.get("status", ""),
            tries=int(fields.get("tries") or 0),
            reason=fields.get("reason", ""),
            created=float(fields.get("created") or 0),
            updated=float(fields.get("updated") or 0),
            message_id=fields.get("message_id", ""),
        )


def mail_kind(kind: str) -> MailKind:
    """An entry's kind as the protocol names it (entries older than follow-ups: a reply)."""
    return cast(MailKind, kind) if kind in ("transcript", "followup") else "reply"


def new_entry_id() -> str:
    return "m" + secrets.token_hex(8)


def followup_entry_id(conversation_id: str, due: float) -> str:
    """The same for every replica and every try: one follow-up is one email."""
    digest = hashlib.sha256(f"followup|{conversation_id}|{due!r}".encode()).hexdigest()
    return "f" + digest[:16]


def message_id_for(entry_id: str, conversation_id: str, domain: str) -> str:
    """Stable per entry: a retry (or a second sender after a crash) reuses it."""
    return f"<{entry_id}.{conversation_id}@{domain}>"


class Outbox:
    def __init__(
        self, redis: Any, keys: Keys, *, retention_seconds: int, lease_seconds: float
    ) -> None:
        self.redis = redis
        self.keys = keys
        self.ttl = retention_seconds
        self.lease = lease_seconds
        self._enqueue = redis.register_script(ENQUEUE_REPLY)
        self._claim = redis.register_script(CLAIM_MAIL)
        self._finish = redis.register_script(FINISH_MAIL)
        self._once = redis.register_script(QUEUE_MAIL_ONCE)

    async def queue_reply(
        self,
        conversation_id: str,
        *,
        to: str,
        language: str,
        seq: int,
        now: float,
        batch: float,
        not_before: float,
        domain: str,
        why: str = "away",
    ) -> tuple[str, bool]:
        """Add an agent's message (``seq``) to the conversation's open batch, or start one.
        Returns the entry's id and whether it is new; ``("", False)`` for a seq queued before."""
        entry_id = new_entry_id()
        reply = await self._enqueue(
            keys=[
                self.keys.mail_open(conversation_id),
                self.keys.mail_due,
                self.keys.mail_conversation(conversation_id),
                self.keys.mail_entry(entry_id),
                self.keys.mail_seqs(conversation_id),
            ],
            args=[
                entry_id,
                conversation_id,
                to,
                language,
                seq,
                repr(now),
                repr(batch),
                repr(batch * MAX_HOLD_FACTOR),
                repr(not_before),
                self.ttl,
                message_id_for(entry_id, conversation_id, domain),
                self.keys.mail_entry_prefix,
                why,
            ],
        )
        return str(reply[0]), bool(int(reply[1]))

    async def queue_transcript(
        self, conversation_id: str, *, to: str, language: str, seq: int, now: float, domain: str
    ) -> str:
        """A transcript of the conversation up to ``seq``, due now."""
        entry_id = new_entry_id()
        fields = {
            "id": entry_id,
            "conversation": conversation_id,
            "kind": "transcript",
            "why": "transcript",
            "to": to,
            "language": language,
            "from_seq": "1",
            "to_seq": str(seq),
            "status": "queued",
            "tries": "0",
            "created": repr(now),
            "updated": repr(now),
            "due": repr(now),
            "message_id": message_id_for(entry_id, conversation_id, domain),
        }
        key, listed = self.keys.mail_entry(entry_id), self.keys.mail_conversation(conversation_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=fields)
            pipe.expire(key, self.ttl)
            pipe.lpush(listed, entry_id)
            pipe.ltrim(listed, 0, 49)
            pipe.expire(listed, self.ttl)
            pipe.zadd(self.keys.mail_due, {entry_id: now})
            await pipe.execute()
        return entry_id

    async def queue_followup(
        self, conversation_id: str, *, to: str, language: str, due: float, now: float, domain: str
    ) -> tuple[str, bool]:
        """The follow-up question of the conversation's follow-up due at ``due``, due now;
        queued once (the id comes from both). Returns the id and whether it is new."""
        entry_id = followup_entry_id(conversation_id, due)
        fields = {
            "id": entry_id,
            "conversation": conversation_id,
            "kind": "followup",
            "why": "followup",
            "to": to,
            "language": language,
            "from_seq": "0",
            "to_seq": "0",
            "status": "queued",
            "tries": "0",
            "created": repr(now),
            "updated": repr(now),
            "due": repr(now),
            "message_id": message_id_for(entry_id, conversation_id, domain),
        }
        pairs = [item for pair in fields.items() for item in pair]
        new = await self._once(
            keys=[
                self.keys.mail_entry(entry_id),
                self.keys.mail_due,
                self.keys.mail_conversation(conversation_id),
            ],
            args=[entry_id, self.ttl, repr(now), *pairs],
        )
        return entry_id, bool(int(new))

    async def due(self, now: float, limit: int = 20) -> list[str]:
        return list(await self.redis.zrangebyscore(self.keys.mail_due, "-inf", repr(now), 0, limit))

    async def next_due(self) -> float | None:
        """When the earliest entry is due (None: nothing to send)."""
        found = await self.redis.zrange(self.keys.mail_due, 0, 0, withscores=True)
        return float(found[0][1]) if found else None

    async def claim(self, entry_id: str, *, now: float, token: str) -> MailEntry | None:
        """Take a due entry for ``lease_seconds``; None when another sender has it (or it is
        done)."""
        reply = await self._claim(
            keys=[self.keys.mail_entry(entry_id), self.keys.mail_due],
            args=[entry_id, repr(now), repr(now + self.lease), token],
        )
        if not reply:
            return None
        return MailEntry.from_fields(dict(zip(reply[::2], reply[1::2], strict=True)))

    async def finish(
        self,
        entry: MailEntry,
        *,
        token: str,
        status: EmailStatusName,
        now: float,
        reason: str = "",
        retry_at: float | None = None,
    ) -> bool:
        """Record what became of a claimed entry; False if the lease was lost meanwhile."""
        done = await self._finish(
            keys=[
                self.keys.mail_entry(entry.id),
                self.keys.mail_due,
                self.keys.mail_thread(entry.conversation_id),
            ],
            args=[
                entry.id,
                token,
                status,
                reason,
                repr(now),
                repr(retry_at) if retry_at is not None else "",
                entry.message_id,
            ],
        )
        return bool(done)

    async def stop(self, conversation_id: str) -> None:
        """The customer unsubscribed: no more email in this conversation."""
        await self.redis.set(self.keys.mail_off(conversation_id), "1", ex=self.ttl)

    async def stopped(self, conversation_id: str) -> bool:
        return bool(await self.redis.exists(self.keys.mail_off(conversation_id)))

    async def thread(self, conversation_id: str) -> list[str]:
        """The Message-IDs already sent in the conversation, oldest first."""
        return list(await self.redis.lrange(self.keys.mail_thread(conversation_id), 0, -1))

    async def get(self, entry_id: str) -> MailEntry | None:
        fields = await self.redis.hgetall(self.keys.mail_entry(entry_id))
        return MailEntry.from_fields(fields) if fields else None

    async def of_conversation(self, conversation_id: str, limit: int = 20) -> list[MailEntry]:
        """The conversation's emails, newest first."""
        ids = await self.redis.lrange(self.keys.mail_conversation(conversation_id), 0, limit - 1)
        if not ids:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for entry_id in ids:
                pipe.hgetall(self.keys.mail_entry(entry_id))
            found = await pipe.execute()
        return [MailEntry.from_fields(f) for f in found if f]
