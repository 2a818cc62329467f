"""Which emails have landed already, by Message-ID: a redelivered email appears once.

Mail is delivered at least once: a forwarder that lost our ``250`` (a timeout, a restart)
sends the same message again, hours or days later. The append script deduplicates by a
``client_msg_id`` made from the Message-ID (atomic, so two deliveries at the same moment store
one entry), but that memory lasts a day; this one lasts the retention period.

Example::

    seen = MailSeen(redis, keys, ttl_seconds=90 * 86400)
    await seen.landed_as("CAF=abc@mail.gmail.com")        # None: new
    await seen.remember("CAF=abc@mail.gmail.com", "c_…", 7)
    await seen.landed_as("CAF=abc@mail.gmail.com")        # ("c_…", 7)
"""

from __future__ import annotations

import hashlib
from typing import Any

from handoff.store.keys import Keys


def digest(message_id: str) -> str:
    """A fixed-length name for a Message-ID (which the sender chose, at any length)."""
    return hashlib.sha256(message_id.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def client_msg_id(message_id: str) -> str:
    """The append's deduplication id for an email (never a widget's: those are not ``mail:``)."""
    return "mail:" + digest(message_id)


class MailSeen:
    """Remembers the conversation entry each Message-ID became (see the module's doc)."""

    def __init__(self, redis: Any, keys: Keys, *, ttl_seconds: int) -> None:
        self.redis = redis
        self.keys = keys
        self.ttl = ttl_seconds

    async def landed_as(self, message_id: str) -> tuple[str, int] | None:
        value = await self.redis.get(self.keys.mail_seen(digest(message_id)))
        if not value:
            return None
        conversation_id, _, seq = str(value).rpartition(":")
        return conversation_id, int(seq)

    async def remember(self, message_id: str, conversation_id: str, seq: int) -> None:
        await self.redis.set(
            self.keys.mail_seen(digest(message_id)),
            f"{conversation_id}:{seq}",
            ex=self.ttl,
            nx=True,
        )
