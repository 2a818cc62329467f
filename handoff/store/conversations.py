"""Conversations on Redis: creation, appending entries, ownership changes, reading transcripts.

Example::

    store = ConversationStore(redis, Keys("tandem:"), retention_seconds=90 * 86400,
                              clock=time.time)
    conversation_id = await store.start("u_…", expected_current="", day_key=stats.day_key())
    result = await store.append(conversation_id, encode(author="customer", text="hi"), cmid="m1")
    result.seq   # 1

With ``wait_replicas`` (``TANDEM_REDIS_WAIT_REPLICAS``) an append is acknowledged only once that
many Redis replicas hold it: the script and a ``WAIT`` go on one connection, in one round trip,
and a replica that does not confirm within ``wait_timeout_ms`` makes the append raise
:class:`NotReplicated`. The entry is on the primary by then, so the client is told to retry
(``internal``), and its resend, with the same ``client_msg_id``, is a duplicate that waits again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import NoScriptError, RedisError

from handoff.domain.clock import SYSTEM_CLOCK, Clock
from handoff.domain.entries import decode
from handoff.domain.ownership import Action, State, rule_for
from handoff.protocol.types import AgentEntry, AgentRef, Note
from handoff.security.ids import new_conversation_id
from handoff.store import scripts
from handoff.store.bot_lease import BotWork, LeaseOffer, TakenWork, work_from_reply
from handoff.store.keys import Keys
from handoff.store.limits import BucketRef
from handoff.store.stats import DAY_TTL


class NotReplicated(RedisError):
    """An append the primary holds but fewer replicas than asked confirmed in time."""


DEDUP_TTL = 24 * 3600  # a client resends within seconds; a day is generous
REPLAY_LIMIT = 500  # entries per read; clients ask again for the rest


@dataclass(frozen=True)
class AppendResult:
    status: str  # ok | dup | missing | state | owner | limited
    seq: int = 0
    state: str = ""
    version: int = 0
    owner: str = ""
    first_response_queued_at: float | None = None
    ts: float = 0.0
    customer: str = ""
    retry_after: float = 0.0  # limited: seconds until the sender has a token again
    taken: TakenWork | None = None  # ok with ``lease``: the bridge's lease and first work
    answered: AgentEntry | None = None  # ok with ``answers``: the customer entry just before

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True)
class Committed:
    """A stored bot turn: its entries' seqs and timestamp, and the bridge's next piece of work
    when it was asked for (``None`` otherwise)."""

    seqs: list[int]
    ts: float
    next: BotWork | None = None


@dataclass(frozen=True)
class TransitionResult:
    status: str  # ok | missing | state | owner | version | capacity
    previous_state: str = ""
    version: int = 0
    seq: int = 0
    owner: str = ""
    owner_name: str = ""
    ts: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class ConversationStore:
    """All reads and writes of conversation data go through here."""

    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
        *,
        retention_seconds: int,
        clock: Clock = SYSTEM_CLOCK,
        wait_replicas: int = 0,
        wait_timeout_ms: int = 1000,
    ) -> None:
        # redis-py types replies as bytes | str whatever decode_responses says; we decode.
        self.redis: Any = redis
        self.keys = keys
        self.retention = retention_seconds
        self.now = clock
        self.wait_replicas = wait_replicas
        self.wait_timeout_ms = wait_timeout_ms
        self._append = redis.register_script(scripts.APPEND)
        self._transition = redis.register_script(scripts.TRANSITION)
        self._commit = redis.register_script(scripts.COMMIT_BOT_TURN)
        self._start = redis.register_script(scripts.START_CONVERSATION)
        self._release_lock = redis.register_script(scripts.RELEASE_BOT_LOCK)

    # -- customers ------------------------------------------------------------------------------
    async def current(self, customer_id: str) -> str | None:
        value = await self.redis.hget(self.keys.customer(customer_id), "current")
        return str(value) if value else None

    async def start(
        self, customer_id: str, *, expected_current: str, day_key: str, language: str = ""
    ) -> str:
        """Start the customer's next conversation, unless another tab just did (then that one).

        ``day_key`` is today's stats hash (``Stats.day_key()``); a new conversation counts there.
        """
        new_id = new_conversation_id()
        keys = [
            self.keys.customer(customer_id),
            self.keys.customer_conversations(customer_id),
            self.keys.conversation(new_id),
            self.keys.stats_states,
            day_key,
            self.keys.active,
        ]
        args: list[str | int] = [
            expected_current,
            new_id,
            customer_id,
            repr(self.now()),
            language,
            self.retention,
            DAY_TTL,
        ]
        _, conversation_id = await self._start(keys=keys, args=args)
        return str(conversation_id)

    async def customer_conversations(self, customer_id: str) -> list[str]:
        return [
            str(c)
            for c in await self.redis.lrange(self.keys.customer_conversations(customer_id), 0, -1)
        ]

    # -- reading --------------------------------------------------------------------------------
    async def get(self, conversation_id: str) -> dict[str, str] | None:
        data = await self.redis.hgetall(self.keys.conversation(conversation_id))
        return data or None

    async def get_many(self, conversation_ids: Sequence[str]) -> list[dict[str, str]]:
        """The hashes that still exist, in the order asked."""
        if not conversation_ids:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for conversation_id in conversation_ids:
                pipe.hgetall(self.keys.conversation(conversation_id))
            found = await pipe.execute()
        return [data for data in found if data]

    async def read_log(
        self, conversation_id: str, after_seq: int = 0, limit: int = REPLAY_LIMIT
    ) -> tuple[list[AgentEntry], bool]:
        """Entries with seq > ``after_seq``, oldest first, and whether more remain."""
        rows = await self.redis.xrange(
            self.keys.log(conversation_id), min=f"{after_seq + 1}-0", count=limit + 1
        )
        entries = [decode(fields) for _, fields in rows[:limit]]
        return entries, len(rows) > limit

    async def read_entry(self, conversation_id: str, seq: int) -> AgentEntry | None:
        """The entry stored at ``seq`` (None once it expired with its conversation)."""
        rows = await self.redis.xrange(
            self.keys.log(conversation_id), min=f"{seq}-0", max=f"{seq}-0", count=1
        )
        return decode(rows[0][1]) if rows else None

    async def read_whole_log(self, conversation_id: str) -> list[AgentEntry]:
        """Every entry, oldest first (for exports; clients page with :meth:`read_log`)."""
        entries: list[AgentEntry] = []
        after, more = 0, True
        while more:
            chunk, more = await self.read_log(conversation_id, after)
            entries += chunk
            after = chunk[-1]["seq"] if chunk else after
            more = more and bool(chunk)
        return entries

    async def fields(self, conversation_id: str, *names: str) -> list[str | None]:
        """Some fields of the conversation's hash (``None`` where missing)."""
        values = await self.redis.hmget(self.keys.conversation(conversation_id), list(names))
        return [None if v is None else str(v) for v in values]

    async def read_notes(self, conversation_id: str) -> list[Note]:
        rows = await self.redis.xrange(self.keys.notes(conversation_id), count=REPLAY_LIMIT)
        return [note_from_fields(entry_id, fields) for entry_id, fields in rows]

    async def queue(self) -> list[tuple[str, float]]:
        """Queued conversation ids with their queue score, longest waiting first."""
        return [
            (str(m), float(s))
            for m, s in await self.redis.zrange(self.keys.queue, 0, -1, withscores=True)
        ]

    async def tickets(self, limit: int = 200) -> list[tuple[str, float]]:
        rows = await self.redis.zrange(self.keys.tickets, 0, limit - 1, withscores=True)
        return [(str(m), float(s)) for m, s in rows]

    async def queue_position(self, conversation_id: str) -> int | None:
        """The 1-based place in the queue, ``None`` when not queued."""
        rank = await self.redis.zrank(self.keys.queue, conversation_id)
        return None if rank is None else int(rank) + 1

    async def queued_before(self, cutoff: float) -> list[str]:
        return [str(m) for m in await self.redis.zrangebyscore(self.keys.queue, "-inf", cutoff)]

    async def idle_since(self, cutoff: float, limit: int) -> list[str]:
        """Open conversations (bot, queued, agent) with no activity since ``cutoff``, the
        longest idle first, at most ``limit``: read from the index, not by scanning."""
        rows = await self.redis.zrangebyscore(self.keys.active, "-inf", cutoff, start=0, num=limit)
        return [str(m) for m in rows]

    async def tickets_before(self, cutoff: float, limit: int) -> list[str]:
        """Offline tickets nobody has claimed since ``cutoff``, oldest first, at most ``limit``."""
        rows = await self.redis.zrangebyscore(self.keys.tickets, "-inf", cutoff, start=0, num=limit)
        return [str(m) for m in rows]

    async def index_open(self, count: int = 500) -> int:
        """Put open conversations stored before the ``active`` index existed into it, scored
        by their last update (once, after upgrading: it scans every conversation); how many
        were added. Ones already indexed keep their score."""
        prefix = self.keys.conversation("")
        added = 0
        batch: list[str] = []

        async def flush() -> int:
            async with self.redis.pipeline(transaction=False) as pipe:
                for key in batch:
                    pipe.hmget(key, "id", "state", "updated_at", "created_at")
                rows = await pipe.execute()
            scores = {
                cid: float(updated or created or 0)
                for cid, state, updated, created in rows
                if cid and state in (State.BOT, State.QUEUED, State.AGENT)
            }
            batch.clear()
            return int(await self.redis.zadd(self.keys.active, scores, nx=True)) if scores else 0

        async for key in self.redis.scan_iter(match=f"{prefix}*", count=count, _type="hash"):
            if ":" not in str(key)[len(prefix) :]:  # the hash itself, not its :dedup
                batch.append(str(key))
            if len(batch) >= count:
                added += await flush()
        if batch:
            added += await flush()
        return added

    async def unindex(self, conversation_ids: Sequence[str]) -> None:
        """Forget ids whose conversation is gone (expired, or deleted by an operator)."""
        if conversation_ids:
            await self.redis.zrem(self.keys.active, *conversation_ids)
            await self.redis.zrem(self.keys.tickets, *conversation_ids)

    # -- writing --------------------------------------------------------------------------------
    async def append(
        self,
        conversation_id: str,
        fields: Sequence[str],
        *,
        cmid: str = "",
        allowed: Iterable[str] = (),
        required_owner: str = "",
        first_response: bool = False,
        answers: bool = False,
        for_bot: bool = False,
        bucket: BucketRef | None = None,
        also: Sequence[BucketRef] = (),
        lease: LeaseOffer | None = None,
        conversation_fields: Mapping[str, str] | None = None,
    ) -> AppendResult:
        """Append one entry (next seq) if the state allows it; a known ``cmid`` is stored once.

        ``conversation_fields`` are set on the conversation in the same step, only when the
        entry is stored: never the entry without them.

        With ``answers`` (an agent's message) the result carries the entry just before this
        one when it is the customer's (``AppendResult.answered``): the message a person
        answered, read in the same step.

        With ``bucket`` (and ``also``: the sender's address's) the entry also costs one token of
        each, in the same step: ``limited`` when one is empty (nothing stored, nothing spent).

        With ``lease`` (``for_bot`` only) the same step takes the bot bridge's lease on the
        conversation if it is free and the bot answers in this state, and returns the first
        work under it (``AppendResult.taken``, for ``BotBridge.kick``): the caller must hand it
        to the bridge, or the conversation waits for the lease to expire.
        """
        buckets = ([bucket] if bucket is not None else []) + list(also)
        keys = [
            self.keys.conversation(conversation_id),
            self.keys.log(conversation_id),
            self.keys.dedup(conversation_id),
            self.keys.active,
            self.keys.bot_lock(conversation_id),
            *(b.key for b in buckets),
        ]
        now = self.now()
        args: list[str | int] = [
            cmid,
            ",".join(allowed),
            required_owner,
            repr(now),
            DEDUP_TTL,
            ("f" if first_response else "") + ("a" if answers else "") + ("c" if for_bot else ""),
            len(buckets),
            lease.token if lease is not None and for_bot else "",
            lease.lease_ms if lease is not None else 0,
            len(conversation_fields or ()),
            *(arg for b in buckets for arg in (b.burst, repr(b.per_second))),
            *(arg for pair in (conversation_fields or {}).items() for arg in pair),
            *fields,
        ]
        if self.wait_replicas:
            reply = await self._append_replicated(keys, args, lease)
        else:
            reply = await self._append(keys=keys, args=args)
        status = str(reply[0])
        if status == "missing":
            return AppendResult(status, ts=now)
        if status == "limited":
            return AppendResult(status, retry_after=int(reply[1]) / 1000.0, ts=now)
        queued_at = str(reply[5])
        taken = None
        if lease is not None and len(reply) > 7 and reply[7]:
            taken = TakenWork(lease.token, work_from_reply(reply[7]))
        answered = None
        if answers and len(reply) > 8 and reply[8]:
            flat = [str(v) for v in reply[8]]
            answered = decode(dict(zip(flat[::2], flat[1::2], strict=True)))
        return AppendResult(
            status=status,
            seq=int(reply[1]),
            state=str(reply[2]),
            version=int(reply[3]),
            owner=str(reply[4]),
            first_response_queued_at=float(queued_at) if queued_at else None,
            ts=now,
            customer=str(reply[6]),
            taken=taken,
            answered=answered,
        )

    async def _append_replicated(
        self, keys: list[str], args: list[str | int], lease: LeaseOffer | None
    ) -> Any:
        """The APPEND script, then ``WAIT`` on the same connection (a pipeline: WAIT counts the
        writes of its own connection), in one round trip."""
        for attempt in (1, 2):
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.evalsha(self._append.sha, len(keys), *keys, *args)
                pipe.execute_command("WAIT", self.wait_replicas, self.wait_timeout_ms)
                reply, confirmed = await pipe.execute(raise_on_error=False)
            if isinstance(reply, NoScriptError) and attempt == 1:
                # A new primary (a failover) or a restart: scripts are not replicated.
                await self.redis.script_load(scripts.APPEND)
                continue
            break
        for answer in (reply, confirmed):
            if isinstance(answer, Exception):
                raise answer
        if str(reply[0]) in ("ok", "dup") and int(confirmed) < self.wait_replicas:
            if lease is not None and len(reply) > 7 and reply[7]:
                # The client is told to retry; its resend (a duplicate) kicks the bridge, which
                # must find the lease free, not held by a token nobody has.
                await self._release_lock(keys=[keys[4], keys[0]], args=[lease.token])
            raise NotReplicated(
                f"{int(confirmed)} of {self.wait_replicas} Redis replicas confirmed the append "
                f"within {self.wait_timeout_ms} ms"
            )
        return reply

    async def transition(
        self,
        conversation_id: str,
        action: Action,
        *,
        actor: str = "",
        expected_version: int | None = None,
        new_owner: str = "",
        new_owner_name: str = "",
        capacity: int | None = None,
        queue_score: float | None = None,
        fields: Mapping[str, str] | None = None,
        entry: Sequence[str] | None = None,
        handoff_reason: str = "",
    ) -> TransitionResult:
        """Apply ``action`` atomically if its rule (``handoff.domain.ownership``) holds now."""
        rule = rule_for(action)
        keys = [
            self.keys.conversation(conversation_id),
            self.keys.log(conversation_id),
            self.keys.queue,
            self.keys.tickets,
            self.keys.stats_states,
            self.keys.agent_active(actor or "-"),
            self.keys.agent_active(new_owner or "-"),
            self.keys.stats_handoffs,
            self.keys.active,
        ]
        now = self.now()
        args = [
            conversation_id,
            ",".join(sorted(s.value for s in rule.from_states)),
            actor if rule.owner_must_act else "",
            "" if expected_version is None else str(expected_version),
            rule.to_state.value,
            new_owner,
            new_owner_name,
            "" if capacity is None else str(capacity),
            repr(now),
            repr(now if queue_score is None else queue_score),
            json.dumps(dict(fields)) if fields else "",
            json.dumps(list(entry)) if entry else "",
            handoff_reason,
        ]
        reply = await self._transition(keys=keys, args=args)
        status = str(reply[0])
        if status != "ok":
            return TransitionResult(
                status, previous_state=str(reply[1]), owner=str(reply[2]), owner_name=str(reply[3])
            )
        return TransitionResult(
            status,
            ts=now,
            previous_state=str(reply[1]),
            version=int(reply[2]),
            seq=int(reply[3]),
            owner=str(reply[4]),
            owner_name=str(reply[5]),
        )

    async def commit_bot_turn(
        self,
        conversation_id: str,
        *,
        version: int,
        processed_seq: int,
        entries: Sequence[Sequence[str]],
        lease_token: str,
        taken_bot_seq: int,
        fields: Mapping[str, str] | None = None,
        clear_event: str = "",
        take_next_ms: int | None = None,
    ) -> Committed | None:
        """Store the bot's answer if the conversation is still at the same version, and this
        replica still holds the bridge's lease (``lease_token``) with ``bot_seq`` where it was
        when the work was taken (``taken_bot_seq``).

        The same version means the same state: the bot's, or waiting for a person (then the bot
        answers FAQ questions only, ``handoff.services.bridge``). The lease and ``bot_seq``
        fence a replica that stalled past its lease: another one answered meanwhile.

        With ``take_next_ms`` the same step also takes the bridge's next piece of work under the
        same lease, renewed for that long, or releases the lease when nothing is left
        (``Committed.next``, as ``BotLease.take`` would return it): one round trip less per turn.

        Returns the new entries' seqs and their timestamp, or ``None`` when the answer is stale
        (a person took over while the bot was thinking, or the work was taken over): then
        nothing is stored and the answer is dropped.
        """
        keys = [
            self.keys.conversation(conversation_id),
            self.keys.log(conversation_id),
            self.keys.bot_lock(conversation_id),
            self.keys.active,
        ]
        now = self.now()
        args = [
            str(version),
            str(processed_seq),
            repr(now),
            json.dumps(dict(fields)) if fields else "",
            clear_event,
            json.dumps([list(e) for e in entries]),
            lease_token,
            str(taken_bot_seq),
            "" if take_next_ms is None else str(take_next_ms),
        ]
        reply = await self._commit(keys=keys, args=args)
        if str(reply[0]) != "ok":
            return None
        following = work_from_reply(reply[3]) if reply[3] else None
        return Committed(seqs=[int(s) for s in reply[2]], ts=now, next=following)

    async def set_fields(self, conversation_id: str, fields: Mapping[str, str]) -> None:
        await self.redis.hset(self.keys.conversation(conversation_id), mapping=dict(fields))

    async def rate(self, conversation_id: str, rating: int, comment: str) -> bool:
        """Keep the customer's rating (and comment); False if it was rated already."""
        key = self.keys.conversation(conversation_id)
        if not await self.redis.hsetnx(key, "csat", str(rating)):
            return False
        if comment:
            await self.redis.hset(key, "csat_comment", comment)
        return True

    async def add_note(self, conversation_id: str, agent: AgentRef, text: str, cmid: str) -> Note:
        fields: dict[str, Any] = {
            "agent_id": agent["id"],
            "agent_name": agent["name"],
            "text": text,
            "ts": repr(self.now()),
        }
        if cmid:
            fields["cmid"] = cmid
        entry_id = await self.redis.xadd(self.keys.notes(conversation_id), fields)
        return note_from_fields(str(entry_id), {k: str(v) for k, v in fields.items()})

    async def expire(self, conversation_id: str) -> None:
        """A closed conversation is kept for the retention period, then Redis forgets it."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for key in (
                self.keys.conversation(conversation_id),
                self.keys.log(conversation_id),
                self.keys.notes(conversation_id),
                self.keys.dedup(conversation_id),
            ):
                pipe.expire(key, self.retention)
            await pipe.execute()

    async def keep(self, conversation_id: str) -> None:
        """A closed conversation that opened again is no longer set to expire."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for key in (
                self.keys.conversation(conversation_id),
                self.keys.log(conversation_id),
                self.keys.notes(conversation_id),
                self.keys.dedup(conversation_id),
            ):
                pipe.persist(key)
            await pipe.execute()


def note_from_fields(entry_id: str, fields: Mapping[str, str]) -> Note:
    note: Note = {
        "id": entry_id,
        "agent": {"id": fields.get("agent_id", ""), "name": fields.get("agent_name", "")},
        "text": fields.get("text", ""),
        "ts": float(fields.get("ts", "0")),
    }
    if fields.get("cmid"):
        note["client_msg_id"] = fields["cmid"]
    return note
