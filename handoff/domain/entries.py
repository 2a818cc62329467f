"""Transcript entries: how they are stored in a Redis Stream and how each side sees them.

A stream entry is flat string fields: ``seq``, ``ts``, ``author``, ``text`` and, when present,
``agent_id``, ``agent_name``, ``event``, ``cmid`` (client_msg_id), ``image`` and JSON-encoded
``buttons``, ``attachment``, ``custom`` and ``nlu`` (first bot entry of a turn; agents only).
Text is stored exactly as written and only ever sent as JSON strings; nothing here (or
anywhere) renders it as HTML.

Example::

    fields = encode(author="agent", text="Hi!", agent_id="a_…", agent_name="Ana")
    entry = decode({"seq": "4", "ts": "1764000000.5", **dict(zip(fields[::2], fields[1::2]))})
    bot_uttered("c_…", entry)   # what rasa-webchat receives
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

from handoff.protocol.customer import BotUttered, QuickReply, TandemMeta, Transcript
from handoff.protocol.types import (
    AgentEntry,
    Author,
    Button,
    Channel,
    CustomerEntry,
    Nlu,
    SystemEvent,
)

_JSON_FIELDS = ("buttons", "attachment", "custom", "nlu")


def encode(
    *,
    author: Author,
    text: str,
    agent_id: str = "",
    agent_name: str = "",
    event: str = "",
    client_msg_id: str = "",
    buttons: list[Button] | None = None,
    image: str = "",
    attachment: dict[str, Any] | None = None,
    custom: dict[str, Any] | None = None,
    meta: dict[str, Any] | None = None,
    nlu: Nlu | None = None,
    channel: Channel | None = None,
) -> list[str]:
    """Flat ``[field, value, …]`` for XADD; ``seq`` and ``ts`` are added by the append script.

    ``meta`` (the customer's message metadata) is kept for the bot only; it is never sent out.
    ``nlu`` (what the bot understood) is for agents; customers never see it. ``channel``:
    how a customer entry came in when not by the chat (``email``).
    """
    fields = ["author", author, "text", text]
    for name, value in (
        ("agent_id", agent_id),
        ("agent_name", agent_name),
        ("event", event),
        ("cmid", client_msg_id),
        ("image", image),
        ("channel", channel or ""),
    ):
        if value:
            fields += [name, value]
    for name, obj in (
        ("buttons", buttons),
        ("attachment", attachment),
        ("custom", custom),
        ("meta", meta),
        ("nlu", nlu),
    ):
        if obj:
            fields += [name, json.dumps(obj, separators=(",", ":"))]
    return fields


def decode(fields: Mapping[str, str]) -> AgentEntry:
    """A stored entry as the agent-side wire entry."""
    entry: AgentEntry = {
        "seq": int(fields["seq"]),
        "author": cast(Author, fields.get("author", "system")),
        "text": fields.get("text", ""),
        "ts": float(fields.get("ts", "0")),
    }
    if fields.get("agent_id"):
        entry["agent_id"] = fields["agent_id"]
    if fields.get("agent_name"):
        entry["agent_name"] = fields["agent_name"]
    if fields.get("event"):
        entry["event"] = cast(SystemEvent, fields["event"])
    if fields.get("cmid"):
        entry["client_msg_id"] = fields["cmid"]
    if fields.get("image"):
        entry["image"] = fields["image"]
    if fields.get("channel") == "email":
        entry["channel"] = "email"
    for name in _JSON_FIELDS:
        if fields.get(name):
            entry[name] = json.loads(fields[name])  # type: ignore[literal-required]
    return entry


def for_customer(entry: AgentEntry) -> CustomerEntry:
    """The customer never learns agent ids (only the name they introduce themselves with), nor
    what the bot made of their words."""
    visible = dict(entry)
    visible.pop("agent_id", None)
    visible.pop("nlu", None)
    return cast(CustomerEntry, visible)


def bot_uttered(conversation_id: str, entry: AgentEntry) -> BotUttered:
    """Rasa's ``bot_uttered`` shape for a bot, agent or system entry, plus ``metadata.tandem``.

    Buttons become ``quick_replies`` and images an image ``attachment``, exactly as Rasa's
    socket.io channel sends them, so stock rasa-webchat renders agent and system messages too.
    """
    author = entry["author"]
    meta: TandemMeta = {
        "conversation_id": conversation_id,
        "seq": entry["seq"],
        "author": "system" if author == "customer" else author,
        "ts": entry["ts"],
    }
    if "agent_name" in entry:
        meta["agent_name"] = entry["agent_name"]
    if "event" in entry:
        meta["event"] = entry["event"]
    message: BotUttered = {"text": entry["text"], "metadata": {"tandem": meta}}
    if entry.get("buttons"):
        message["quick_replies"] = [
            QuickReply(content_type="text", title=b["title"], payload=b["payload"])
            for b in entry["buttons"]
        ]
    if entry.get("image"):
        message["attachment"] = {"type": "image", "payload": {"src": entry["image"]}}
    elif entry.get("attachment"):
        message["attachment"] = entry["attachment"]
    if entry.get("custom"):
        message["custom"] = entry["custom"]
    return message


def preview(text: str, limit: int = 280) -> str:
    """A one-line excerpt for queue lists (``preview`` of a queued conversation or a ticket)."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def stored(fields: list[str], seq: int, ts: float) -> AgentEntry:
    """The entry just appended with ``fields`` (from :func:`encode`), without re-reading it."""
    mapping = dict(zip(fields[::2], fields[1::2], strict=True))
    mapping.update(seq=str(seq), ts=repr(ts))
    return decode(mapping)


def transcript(
    conversation_id: str | None, after_seq: int, entries: list[AgentEntry], has_more: bool
) -> Transcript:
    """What a customer gets of the transcript after ``after_seq`` (replay and sync)."""
    return {
        "conversation_id": conversation_id,
        "after_seq": after_seq,
        "last_seq": entries[-1]["seq"] if entries else after_seq,
        "messages": [for_customer(e) for e in entries],
        "has_more": has_more,
    }
