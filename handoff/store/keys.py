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

    def inbox_seen(self, conversation_id: str) -> str:
        """Set: ``<seq>`` and ``<seq>|<reason>`` of a conversation already in the inbox, so a
        message is counted once (and once per reason); expires with the conversation."""
        return f"{self.prefix}inbox:seen:{conversation_id}"

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

    def assist_learned(self, conversation_id: str) -> str:
        """String: set once a conversation's pairs were kept (a rating and a close both count,
        the pairs only once); expires with the conversation."""
        return f"{self.prefix}assist:learned:{conversation_id}"

    # -- socket.io -----------------------------------------------------------------------------
    @property
    def socketio_channel(self) -> str:
        """Pub/sub channel python-socketio's Redis manager uses between replicas."""
        return f"{self.prefix}socketio"
