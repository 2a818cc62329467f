"""Which Rasa instance takes a conversation's turn, and what is known of each (no I/O).

Rasa replicas that share one Redis tracker store and lock store (``bot/stores.py``) can each
take any conversation with its history. Still, a conversation keeps to one instance while that
one is healthy: rendezvous (highest-random-weight) hashing on the conversation id ranks the
instances the same way on every handoff replica, so two replicas never send one conversation's
turns to two Rasa at once, Rasa's per-conversation lock is contended only during a failover, and
one instance's logs hold the whole conversation. When an instance goes, only its conversations
move (each to its own second choice), and they come back when it does.

What is known of an instance comes from the health check (``BotClient.watch``) and from calls
that could not even connect; an instance nothing has been heard of yet counts as up.

Example::

    instances = BotInstances(["http://127.0.0.1:5005", "http://127.0.0.1:5006"])
    instances.order("c_1")              # both, the conversation's own first
    instances.mark("http://127.0.0.1:5005", up=False, detail="unreachable", at=now)
    instances.order("c_1")              # the healthy one first, then the other
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


def weight(url: str, conversation_id: str) -> int:
    """A stable pseudo-random weight of ``url`` for the conversation, the same in every process
    (Python's ``hash`` is salted per process, so it cannot be used across replicas)."""
    digest = hashlib.blake2b(f"{url}\n{conversation_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def rendezvous(conversation_id: str, urls: Sequence[str]) -> list[str]:
    """``urls`` ranked for the conversation, its preferred instance first."""
    return sorted(urls, key=lambda url: (weight(url, conversation_id), url), reverse=True)


@dataclass
class InstanceState:
    url: str
    up: bool = True
    detail: str = "not checked yet"
    checked_at: float | None = None


class BotInstances:
    """The configured Rasa instances and what the last word on each said (see the module)."""

    def __init__(self, urls: Sequence[str]) -> None:
        if not urls:
            raise ValueError("at least one Rasa URL is needed")
        self.urls = tuple(urls)
        self._state = {url: InstanceState(url) for url in self.urls}

    def order(self, conversation_id: str) -> list[str]:
        """The instances to try for this conversation: the healthy ones in its rendezvous order,
        then the others in the same order (a health check may be stale, and with none healthy
        the first one's own failure is the answer)."""
        ranked = rendezvous(conversation_id, self.urls)
        return [u for u in ranked if self._state[u].up] + [
            u for u in ranked if not self._state[u].up
        ]

    def mark(self, url: str, *, up: bool, detail: str, at: float) -> None:
        state = self._state[url]
        state.up, state.detail, state.checked_at = up, detail, at

    def is_up(self, url: str) -> bool:
        return self._state[url].up

    def all_up(self) -> bool:
        """Every instance checked and answering."""
        return all(s.up and s.checked_at is not None for s in self._state.values())

    def summary(self) -> str:
        """One phrase for ``/health``: ``ok``, the one instance's trouble, or how many are up."""
        if self.all_up():
            return "ok"
        if len(self.urls) == 1:
            return self._state[self.urls[0]].detail
        up = sum(1 for s in self._state.values() if s.up and s.checked_at is not None)
        return f"{up} of {len(self.urls)} instances up"

    def report(self, now: float) -> list[dict[str, Any]]:
        """Each instance for ``/health``: where, up or down, why, and how long ago it was heard."""
        return [
            {
                "instance": _host(s.url),
                "status": "unknown" if s.checked_at is None else ("up" if s.up else "down"),
                "detail": s.detail,
                "checked_s_ago": None if s.checked_at is None else round(now - s.checked_at, 1),
            }
            for s in self._state.values()
        ]


def _host(url: str) -> str:
    """``host:port`` of a URL, with no credentials or path (``/health`` is public)."""
    rest = url.split("://", 1)[-1].split("/", 1)[0]
    return rest.rsplit("@", 1)[-1]
