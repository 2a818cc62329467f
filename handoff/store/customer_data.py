"""One customer's data on Redis, found and erased for a privacy request (``services/privacy.py``).

A customer is ``customer:<uid>``, the conversations listed in ``customer:<uid>:convs`` and
whether (and when) a socket of theirs was connected (``customer:<uid>:sockets``, their member of
``customers:seen``); each conversation is its hash, transcript, notes and dedup table, its
places in the indexes (open, queue, tickets, what its customer was last told, follow-ups due),
the writers' inbox sightings that point at it, its email (every outbox entry and its place in
``mail:due``, the open batch, the thread, the unsubscribe mark, the Message-IDs of the customer's
emails that landed in it) and the bot's tracker and lock (``Keys.rasa_events``, ``rasa_session``,
``rasa_tracker``, ``rasa_lock``: on the service's Redis, or on Rasa's own when
``TANDEM_RASA_REDIS_URL`` gives it one). Everything here reads or deletes exactly those keys,
never by a pattern over the whole keyspace, except three searches that have no index on purpose
(an index would be one more copy to erase; privacy requests are rare, so a scan is the price):
by contact email (the conversation hashes), the outbox entries (``mail:entry:*``: a
conversation's list of them keeps the latest 50) and the landed Message-IDs (``mail:in:*``).

Example::

    data = CustomerData(redis, Keys())              # bot_redis=…: Rasa's stores elsewhere
    await data.customer_of("c_…")                   # "u_…" or None
    await data.customers_with_email("ana@example.com")
    await data.mail_entries(["c_…"])                # {"c_…": [outbox entry fields, …]}
    await data.erase("u_…", ["c_…", "c_…"])
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from handoff.store import pool
from handoff.store.keys import Keys

SCAN_COUNT = 1000  # keys per SCAN step of the email search


def bot_redis_client(rasa_redis_url: str, redis_url: str) -> Any:
    """A client of the Redis Rasa's stores use (``TANDEM_RASA_REDIS_URL``), or ``None`` when
    that is the service's own (not set, or the same URL)."""
    if not rasa_redis_url or rasa_redis_url == redis_url:
        return None
    return pool.connect(rasa_redis_url, decode_responses=True, socket_connect_timeout=5)


def bot_keys(keys: Keys, conversation_id: str) -> list[str]:
    """The keys Rasa's stores keep for one conversation (its sender id), on the bot's Redis."""
    return [
        keys.rasa_events(conversation_id),
        keys.rasa_session(conversation_id),
        keys.rasa_tracker(conversation_id),
        keys.rasa_lock(conversation_id),
    ]


def conversation_keys(keys: Keys, conversation_id: str) -> list[str]:
    """Every key of the service's that holds one conversation's data (the outbox's entries are
    found apart: ``CustomerData.mail_entries``; the bot's are :func:`bot_keys`)."""
    return [
        keys.conversation(conversation_id),
        keys.log(conversation_id),
        keys.notes(conversation_id),
        keys.dedup(conversation_id),
        keys.bot_lock(conversation_id),
        keys.inbox_seen(conversation_id),
        # Email out (store/outbox.py): the open batch, the list of entries, the agent messages
        # queued, the thread's Message-IDs and the unsubscribe mark.
        keys.mail_open(conversation_id),
        keys.mail_conversation(conversation_id),
        keys.mail_seqs(conversation_id),
        keys.mail_thread(conversation_id),
        keys.mail_off(conversation_id),
    ]


class CustomerData:
    """Finds a customer's conversations and erases them (see the module's doc).

    ``bot_redis``: where Rasa's stores keep their keys when that is not the service's Redis
    (``TANDEM_RASA_REDIS_URL``); ``None``, the same one.
    """

    def __init__(self, redis: Any, keys: Keys, *, bot_redis: Any = None) -> None:
        self.redis = redis
        self.keys = keys
        self.bot_redis = redis if bot_redis is None else bot_redis

    async def close(self) -> None:
        """Close the bot's client if it has one of its own (the service's is its owner's)."""
        if self.bot_redis is not self.redis:
            await self.bot_redis.aclose()

    async def customer_of(self, conversation_id: str) -> str | None:
        value = await self.redis.hget(self.keys.conversation(conversation_id), "customer")
        return str(value) if value else None

    async def known(self, customer_id: str) -> bool:
        """Whether Tandem holds anything under this customer id."""
        return bool(
            await self.redis.exists(
                self.keys.customer(customer_id), self.keys.customer_conversations(customer_id)
            )
        )

    async def customer_record(self, customer_id: str) -> dict[str, str]:
        return dict(await self.redis.hgetall(self.keys.customer(customer_id)))

    async def customers_with_email(self, email: str) -> list[str]:
        """The customers whose conversations carry this contact email (the offline form's, or
        the triage's in the summary), compared case-insensitively."""
        wanted = email.strip().casefold()
        found: set[str] = set()
        pattern = f"{self.keys.conversation('')}*"
        async for key in self.redis.scan_iter(match=pattern, count=SCAN_COUNT, _type="hash"):
            contact, summary, customer = await self.redis.hmget(
                key, ["contact_email", "summary", "customer"]
            )
            if customer and (
                (contact or "").strip().casefold() == wanted
                or _summary_email(summary).casefold() == wanted
            ):
                found.add(str(customer))
        return sorted(found)

    async def socket_ids(self, customer_id: str) -> list[str]:
        """The Socket.IO ids of the customer's connected sockets (on any replica)."""
        members = await self.redis.zrange(self.keys.customer_sockets(customer_id), 0, -1)
        return [str(m).rpartition("|")[2] for m in members]

    async def bot_tracker(self, conversation_id: str) -> Any:
        """The bot's tracker of the conversation, ``{"name": <id>, "events": [...]}`` as Rasa
        serialises one, or ``None``. Read from the bot's event log, or from a tracker Rasa's
        own store wrote that the bot has not read since."""
        logged = await self.bot_redis.lrange(self.keys.rasa_events(conversation_id), 0, -1)
        if logged:
            return {"name": conversation_id, "events": [_json_or_text(e) for e in logged]}
        raw = await self.bot_redis.get(self.keys.rasa_tracker(conversation_id))
        return _json_or_text(raw) if raw else None

    async def inbox_sightings(self, conversation_ids: Sequence[str]) -> dict[str, list[str]]:
        """Inbox item id -> the ``<cid>:<seq>`` sightings of these conversations in it."""
        prefixes = tuple(f"{c}:" for c in conversation_ids)
        if not prefixes:
            return {}
        item_ids = [str(i) for i in await self.redis.zrange(self.keys.inbox_items, 0, -1)]
        async with self.redis.pipeline(transaction=False) as pipe:
            for item_id in item_ids:
                pipe.lrange(self.keys.inbox_refs(item_id), 0, -1)
            refs = await pipe.execute()
        found: dict[str, list[str]] = {}
        for item_id, item_refs in zip(item_ids, refs, strict=True):
            mine = [str(r) for r in item_refs if str(r).startswith(prefixes)]
            if mine:
                found[item_id] = mine
        return found

    async def mail_entries(
        self, conversation_ids: Sequence[str]
    ) -> dict[str, list[dict[str, str]]]:
        """Conversation id -> the fields of each of its outbox entries, oldest first."""
        wanted = set(conversation_ids)
        found: dict[str, list[dict[str, str]]] = {c: [] for c in conversation_ids}
        if not wanted:
            return found
        pattern = f"{self.keys.mail_entry_prefix}*"
        async for key in self.redis.scan_iter(match=pattern, count=SCAN_COUNT, _type="hash"):
            if await self.redis.hget(key, "conversation") in wanted:
                fields = dict(await self.redis.hgetall(key))
                if fields.get("conversation") in wanted:  # not erased meanwhile
                    found[fields["conversation"]].append(fields)
        for entries in found.values():
            entries.sort(key=lambda f: float(f.get("created") or 0))
        return found

    async def _landed_mail(self, conversation_ids: Sequence[str]) -> list[str]:
        """The ``mail:in:<digest>`` keys of the customer's emails that landed in these."""
        prefixes = tuple(f"{c}:" for c in conversation_ids)
        if not prefixes:
            return []
        pattern = self.keys.mail_seen("*")
        return [
            str(key)
            async for key in self.redis.scan_iter(match=pattern, count=SCAN_COUNT, _type="string")
            if str(await self.redis.get(key) or "").startswith(prefixes)
        ]

    async def erase(self, customer_id: str, conversation_ids: Sequence[str]) -> int:
        """Delete the customer and these conversations everywhere; how many keys went.

        Run it once each conversation is closed (``Privacy.erase`` closes live ones first), so
        no script writes to them meanwhile; what an owner's console shows is told separately.
        On a Redis of its own, the bot's keys go first: if that Redis cannot be reached the
        erase fails with everything still findable, to be run again, rather than leave a
        tracker that nothing points to any more.
        """
        separate_bot = self.bot_redis is not self.redis
        bot_doomed = [k for c in conversation_ids for k in bot_keys(self.keys, c)]
        erased_bot = 0
        if separate_bot and bot_doomed:
            erased_bot = int(await self.bot_redis.delete(*bot_doomed))
        owners = [
            str(o)
            for o in await self._each_field(conversation_ids, "owner")
            if o  # the owner's load set may still name it (a live conversation just closed)
        ]
        sightings = await self.inbox_sightings(conversation_ids)
        limit_keys = [
            str(k)
            async for k in self.redis.scan_iter(
                match=f"{self.keys.limit('*', customer_id)}", count=SCAN_COUNT
            )
        ]
        entry_ids = [
            fields["id"]
            for entries in (await self.mail_entries(conversation_ids)).values()
            for fields in entries
            if fields.get("id")
        ]
        doomed = [
            self.keys.customer(customer_id),
            self.keys.customer_conversations(customer_id),
            self.keys.customer_sockets(customer_id),
            *[self.keys.mail_entry(e) for e in entry_ids],
            *await self._landed_mail(conversation_ids),
        ]
        for conversation_id in conversation_ids:
            doomed += conversation_keys(self.keys, conversation_id)
        if not separate_bot:
            doomed += bot_doomed  # in the same transaction as the rest
        async with self.redis.pipeline(transaction=True) as pipe:
            if conversation_ids:
                indexes = (self.keys.active, self.keys.queue, self.keys.tickets)
                for key in (*indexes, self.keys.queue_retell):
                    pipe.zrem(key, *conversation_ids)
                pipe.hdel(self.keys.queue_told, *conversation_ids)
                pipe.zrem(self.keys.followups, *conversation_ids)
                pipe.zrem(self.keys.followups_mail, *conversation_ids)
                for owner in set(owners):
                    pipe.srem(self.keys.agent_active(owner), *conversation_ids)
            if entry_ids:
                pipe.zrem(self.keys.mail_due, *entry_ids)
            pipe.zrem(self.keys.customers_seen, customer_id)
            for item_id, refs in sightings.items():
                for ref in refs:
                    pipe.lrem(self.keys.inbox_refs(item_id), 0, ref)
            pipe.delete(*doomed, *limit_keys)
            results = await pipe.execute()
        return erased_bot + int(results[-1])

    async def _each_field(self, conversation_ids: Sequence[str], name: str) -> list[str | None]:
        async with self.redis.pipeline(transaction=False) as pipe:
            for conversation_id in conversation_ids:
                pipe.hget(self.keys.conversation(conversation_id), name)
            return list(await pipe.execute())


def _summary_email(summary: str | None) -> str:
    try:
        value = json.loads(summary or "{}")
    except ValueError:
        return ""
    email = value.get("contact_email") if isinstance(value, dict) else None
    return email.strip() if isinstance(email, str) else ""


def _json_or_text(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw
