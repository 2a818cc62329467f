"""Every Redis key name the handoff service uses, in one place.

The layout is documented in ``docs/architecture.md`` ("Redis key layout"); keep them in step.
All keys share a prefix (``TANDEM_REDIS_PREFIX``, default ``tandem:``) so that one Redis can
hold several deployments, and tests can isolate themselves.

Example::

    keys = Keys("tandem:")
    keys.conversation("c_abc")   # -> "tandem:conv:c_abc"
"""

from __future__ import annotations

from dataclasses import dataclass

# The bot keeps a tracker as a list of events and the index of its last session
# (bot/event_log_store.py); Rasa's own ``RedisTrackerStore`` kept it as one string, which the bot
# moves into the list when it reads it; locks are Rasa's ``<key_prefix>:lock:`` with prefix
# "rasa" (bot/stores.py). tests/handoff/unit/store/test_rasa_keys.py keeps the names equal.
RASA_EVENTS_PREFIX = "rasa:events:"
RASA_SESSION_PREFIX = "rasa:session:"
RASA_TRACKER_PREFIX = "rasa:tracker:"
RASA_LOCK_PREFIX = "rasa:lock:"


@dataclass(frozen=True)
class Keys:
    """Builds key names under one prefix."""

    prefix: str = "tandem:"

    # -- conversations -------------------------------------------------------------------------
    def conversation(self, conversation_id: str) -> str:
        """Hash: state, version, owner, seq, bot cursor, handoff details, timestamps."""
        return f"{self.prefix}conv:{conversation_id}"

    def log(self, conversation_id: str) -> str:
        """Stream: every customer-visible entry; stream id ``<seq>-0``."""
        return f"{self.prefix}conv:{conversation_id}:log"

    def notes(self, conversation_id: str) -> str:
        """Stream: internal agent notes (never shown to the customer)."""
        return f"{self.prefix}conv:{conversation_id}:notes"

    def dedup(self, conversation_id: str) -> str:
        """Hash: client_msg_id -> seq, so a resent message is stored once."""
        return f"{self.prefix}conv:{conversation_id}:dedup"

    def bot_lock(self, conversation_id: str) -> str:
        """String: lease held by the replica currently feeding this conversation to the bot."""
        return f"{self.prefix}conv:{conversation_id}:botlock"

    # -- customers -----------------------------------------------------------------------------
    def customer(self, customer_id: str) -> str:
        """Hash: ``current`` conversation id, created_at."""
        return f"{self.prefix}customer:{customer_id}"

    def customer_conversations(self, customer_id: str) -> str:
        """List: the customer's conversation ids, oldest first."""
        return f"{self.prefix}customer:{customer_id}:convs"

    # -- queue and tickets ---------------------------------------------------------------------
    @property
    def active(self) -> str:
        """Sorted set: open conversations (bot, queued, agent) scored by their last activity,
        so that the sweeper finds idle ones without reading the others."""
        return f"{self.prefix}active"

    @property
    def queue(self) -> str:
        """Sorted set: queued conversation ids scored by queued_at (oldest first)."""
        return f"{self.prefix}queue"

    @property
    def queue_told(self) -> str:
        """Hash: queued conversation id -> ``<position>|<wait band>|<since>`` its customer was
        last told (``handoff.domain.waiting.place_mark``)."""
        return f"{self.prefix}queue:told"

    @property
    def queue_retell(self) -> str:
        """Sorted set: queued conversation id -> when its customer's worded wait is next due
        to change (``handoff.domain.waiting.next_retell``), so that time passing costs only
        the customers it changes."""
        return f"{self.prefix}queue:retell"

    @property
    def tickets(self) -> str:
        """Sorted set: offline conversation ids scored by when they went offline."""
        return f"{self.prefix}tickets"

    # -- agents --------------------------------------------------------------------------------
    def agent(self, agent_id: str) -> str:
        """Hash: username, name, password hash, languages, skills, capacity, disabled, token_gen."""
        return f"{self.prefix}agent:{agent_id}"

    def agent_active(self, agent_id: str) -> str:
        """Set: conversation ids the agent owns right now (its load, checked against capacity)."""
        return f"{self.prefix}agent:{agent_id}:active"

    @property
    def agents_by_username(self) -> str:
        """Hash: username -> agent id."""
        return f"{self.prefix}agents"

    @property
    def presence(self) -> str:
        """Sorted set: ``<agent_id>@<replica>`` scored by the heartbeat's expiry time."""
        return f"{self.prefix}presence"

    @property
    def agents_gone(self) -> str:
        """Sorted set: agents who own conversations but have no console, scored by since when."""
        return f"{self.prefix}agents:gone"

    @property
    def requeue(self) -> str:
        """Set: agent ids whose conversations must go back to the queue (agent disabled)."""
        return f"{self.prefix}agents:requeue"

    # -- administration ------------------------------------------------------------------------
    @property
    def audit(self) -> str:
        """Stream: every admin action (who, what, which agent or customer, when), capped
        (``handoff.store.audit``); never the content of an export."""
        return f"{self.prefix}audit"

    # -- flood protection ----------------------------------------------------------------------
    def limit(self, rule: str, key: str) -> str:
        """Hash: one token bucket (``t`` tokens, ``u`` updated); expires once full again."""
        return f"{self.prefix}limit:{rule}:{key}"

    def address_sockets(self, address: str) -> str:
        """Sorted set: ``<replica>|<sid>`` of one client address, scored by the lease's expiry."""
        return f"{self.prefix}sockets:{address}"

    # -- statistics ----------------------------------------------------------------------------
    @property
    def stats_states(self) -> str:
        """Hash: state -> number of conversations in it."""
        return f"{self.prefix}stats:states"

    @property
    def stats_handoffs(self) -> str:
        """Hash: reason -> handoffs so far."""
        return f"{self.prefix}stats:handoffs"

    def stats_histogram(self, name: str) -> str:
        """Hash: bucket -> count, plus ``sum`` and ``count`` (``wait``, ``first_response``)."""
        return f"{self.prefix}stats:hist:{name}"

    @property
    def stats_csat(self) -> str:
        """Hash: rating (1-5) -> count."""
        return f"{self.prefix}stats:csat"

    def stats_day(self, day: str) -> str:
        """Hash for one day (``YYYY-MM-DD`` in TANDEM_TIMEZONE): ``conversations``,
        ``handoff:<reason>``, ``csat_sum``, ``csat_count``; kept a week."""
        return f"{self.prefix}stats:day:{day}"

    def stats_day_samples(self, day: str, name: str) -> str:
        """List: that day's latest samples in seconds (``wait``, ``first_response``)."""
        return f"{self.prefix}stats:day:{day}:{name}"

    @property
    def recent_waits(self) -> str:
        """List: the latest queue waits in seconds (for the estimated wait)."""
        return f"{self.prefix}stats:recent_waits"

    # -- the writers' inbox -------------------------------------------------------------------
    def inbox_item(self, item_id: str) -> str:
        """Hash: one inbox item (masked text, count, ``reason:<r>`` counts, latest NLU, status)."""
        return f"{self.prefix}inbox:item:{item_id}"

    def inbox_refs(self, item_id: str) -> str:
        """List: ``<cid>:<seq>`` of the item's latest sightings, newest first."""
        return f"{self.prefix}inbox:item:{item_id}:refs"

    @property
    def inbox_items(self) -> str:
        """Sorted set: inbox item ids, score = how many customer messages it stands for."""
        return f"{self.prefix}inbox:items"

    @property
    def inbox_last_seen(self) -> str:
        """Sorted set: inbox item ids, score = their latest sighting (what expires them)."""
        return f"{self.prefix}inbox:last_seen"

    @property
    def inbox_resolved(self) -> str:
        """Sorted set: saved and ignored inbox item ids, score = when (trimmed first)."""
        return f"{self.prefix}inbox:resolved"

    def inbox_seen(self, conversation_id: str) -> str:
        """Set: ``<seq>`` and ``<seq>|<reason>`` of a conversation already in the inbox, so a
        message is counted once (and once per reason); expires with the inbox's sightings."""
        return f"{self.prefix}inbox:seen:{conversation_id}"

    # -- the bot's own keys (Rasa's, outside the prefix) -----------------------------------------
    @staticmethod
    def rasa_events(conversation_id: str) -> str:
        """List: the bot's tracker of a conversation (its sender id is the conversation id), one
        JSON event per element, kept by ``bot/event_log_store.py`` when Rasa shares this Redis
        (``make run`` does). Only the privacy export and erase touch it."""
        return f"{RASA_EVENTS_PREFIX}{conversation_id}"

    @staticmethod
    def rasa_session(conversation_id: str) -> str:
        """String: the index in ``rasa_events`` where the conversation's last session starts."""
        return f"{RASA_SESSION_PREFIX}{conversation_id}"

    @staticmethod
    def rasa_tracker(conversation_id: str) -> str:
        """String: a tracker as Rasa's own ``RedisTrackerStore`` wrote it, before the bot kept
        event logs (the bot moves it into ``rasa_events`` when it next reads it)."""
        return f"{RASA_TRACKER_PREFIX}{conversation_id}"

    @staticmethod
    def rasa_lock(conversation_id: str) -> str:
        """String: Rasa's lock on a conversation (``RedisLockStore``, ``bot/stores.py``)."""
        return f"{RASA_LOCK_PREFIX}{conversation_id}"

    # -- the workbench's check & train job ------------------------------------------------------
    @property
    def train_job_lease(self) -> str:
        """String: the id of the check & train job running (one at a time across replicas),
        with an expiry its replica renews while it runs."""
        return f"{self.prefix}workbench:job:lease"

    @property
    def train_job(self) -> str:
        """String: the latest check & train job as the page shows it (JSON), from any replica."""
        return f"{self.prefix}workbench:job"

    # -- email in and follow-ups ---------------------------------------------------------------
    def mail_seen(self, digest: str) -> str:
        """String: ``<cid>:<seq>`` an email (by the digest of its Message-ID) became, so a
        redelivered email lands once; kept for the retention period."""
        return f"{self.prefix}mail:in:{digest}"

    @property
    def followups(self) -> str:
        """Sorted set: closed conversation ids with a follow-up question, score = when due."""
        return f"{self.prefix}followups"

    @property
    def followups_mail(self) -> str:
        """Sorted set: due follow-ups whose customer left an email, for the outbox to send
        (``services/followup.py: due_followups``), score = when they came due."""
        return f"{self.prefix}followups:mail"

    @property
    def stats_followups(self) -> str:
        """Hash: ``yes`` / ``no`` -> follow-up answers so far (was the problem solved?)."""
        return f"{self.prefix}stats:followups"

    # -- email out (docs/email.md) ------------------------------------------------------------
    def mail_entry(self, entry_id: str) -> str:
        """Hash: one outbox email (conversation, kind, to, seqs, status, tries, reason, due,
        message_id, lease); kept for the conversation's retention."""
        return f"{self.prefix}mail:entry:{entry_id}"

    @property
    def mail_entry_prefix(self) -> str:
        """What ``mail_entry`` puts before an id (the enqueue script finds the open batch)."""
        return f"{self.prefix}mail:entry:"

    def mail_open(self, conversation_id: str) -> str:
        """String: the id of the conversation's email still taking agent messages (a batch)."""
        return f"{self.prefix}mail:open:{conversation_id}"

    @property
    def mail_due(self) -> str:
        """Sorted set: outbox ids to send, scored by when they are due; a claimed one is scored
        by its lease's end, so it is due again only if its sender died."""
        return f"{self.prefix}mail:due"

    def mail_conversation(self, conversation_id: str) -> str:
        """List: the conversation's outbox ids, newest first (the console's email status)."""
        return f"{self.prefix}mail:conv:{conversation_id}"

    def mail_seqs(self, conversation_id: str) -> str:
        """Set: the conversation's agent messages (seqs) already in the outbox, so a resent
        message is queued once."""
        return f"{self.prefix}mail:seqs:{conversation_id}"

    def mail_thread(self, conversation_id: str) -> str:
        """List: Message-IDs of the emails sent in the conversation, oldest first (threading)."""
        return f"{self.prefix}mail:thread:{conversation_id}"

    @property
    def dev_mailbox(self) -> str:
        """List: developer mode only, the emails the built-in sink received (JSON), newest
        first, at most 100."""
        return f"{self.prefix}dev:mailbox"

    def mail_off(self, conversation_id: str) -> str:
        """String: the customer unsubscribed; no more email in this conversation."""
        return f"{self.prefix}mail:off:{conversation_id}"

    def customer_sockets(self, customer_id: str) -> str:
        """Sorted set: ``<replica>|<sid>`` of the customer's connected sockets, scored by the
        lease's end (renewed by their replica's sweeper)."""
        return f"{self.prefix}customer:{customer_id}:sockets"

    @property
    def customers_seen(self) -> str:
        """Sorted set: customer id -> when a socket of theirs was last connected (moved on
        while one is), so "away for N seconds" holds across replicas."""
        return f"{self.prefix}customers:seen"

    # -- agent assist ---------------------------------------------------------------------------
    @property
    def assist_pairs(self) -> str:
        """List: JSON (customer message -> agent reply) pairs of well-rated closed conversations,
        oldest first, capped (``TANDEM_ASSIST_MAX_PAIRS``); every replica indexes it at start."""
        return f"{self.prefix}assist:pairs"

    @property
    def assist_pairs_total(self) -> str:
        """String: how many pairs were ever appended to ``assist_pairs``; a replica that has
        indexed fewer reads the difference from the list's tail."""
        return f"{self.prefix}assist:pairs_total"

    @property
    def assist_pairs_erased(self) -> str:
        """String: how many erases ever removed pairs from ``assist_pairs`` (privacy on request);
        a replica that indexed the list at another count rebuilds its index from the list."""
        return f"{self.prefix}assist:pairs_erased"

    def assist_learned(self, conversation_id: str) -> str:
        """String: set once a conversation's pairs were kept (a rating and a close both count,
        the pairs only once); expires with the conversation."""
        return f"{self.prefix}assist:learned:{conversation_id}"

    # -- socket.io -----------------------------------------------------------------------------
    @property
    def socketio_channel(self) -> str:
        """Pub/sub channel python-socketio's Redis manager uses between replicas."""
        return f"{self.prefix}socketio"

    def room_replicas(self, namespace: str, room: str) -> str:
        """Set: the manager host ids of the replicas with a member of this room here
        (``handoff.fanout.membership``)."""
        return f"{self.prefix}room:{namespace}:{room}"

    @property
    def replica_rooms_prefix(self) -> str:
        """``replica_rooms`` without the host id (the sweep builds the name in Lua)."""
        return f"{self.prefix}replica:"

    def replica_rooms(self, host_id: str) -> str:
        """Set: the ``room_replicas`` keys this replica is a member of, for its cleanup."""
        return f"{self.replica_rooms_prefix}{host_id}:rooms"

    @property
    def replicas(self) -> str:
        """Sorted set: manager host id -> when its heartbeat runs out (ms, Redis's clock)."""
        return f"{self.prefix}replicas"
