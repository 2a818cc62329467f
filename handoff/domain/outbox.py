"""The outbox's rules: who gets an email, when a failed send is retried, when it gives up.

Pure functions; the store (``handoff.store.outbox``) keeps the entries and the sender
(``handoff.services.mail_out``) applies these.

Example::

    why_email(conversation, connected=False, last_seen=t, away_seconds=120)  # ("away", t + 120)
    contact_address({"contact_email": "sam@example.org"})        # "sam@example.org"
    next_attempt(tries=2, smtp_code=421, max_tries=8, base=30)   # Attempt("retrying", 60.0)
    next_attempt(tries=1, smtp_code=550, max_tries=8, base=30)   # Attempt("failed", 0.0)
    mask_address("sam.k@example.org")                            # "s***@example.org"
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from handoff.protocol.customer import EMAIL

MAX_RETRY_DELAY = 3600.0
MARK_EVERY = 5.0  # seconds between a replica's renewals of its customers' socket leases
MAX_REASON_CHARS = 300


@dataclass(frozen=True)
class Attempt:
    """What follows a failed send: try again after ``delay`` seconds, or give up."""

    status: Literal["retrying", "failed"]
    delay: float = 0.0


def contact_address(conversation: Mapping[str, str]) -> str | None:
    """The customer's address: from the offline form, else from the bot's triage."""
    candidates = [conversation.get("contact_email") or ""]
    try:
        summary = json.loads(conversation.get("summary") or "{}")
    except ValueError:
        summary = {}
    if isinstance(summary, dict) and isinstance(summary.get("contact_email"), str):
        candidates.append(summary["contact_email"])
    for candidate in candidates:
        candidate = candidate.strip()
        if len(candidate) <= 254 and EMAIL.match(candidate):
            return candidate
    return None


def why_email(
    conversation: Mapping[str, str],
    *,
    connected: bool,
    last_seen: float | None,
    away_seconds: float,
) -> tuple[str, float] | None:
    """Whether an agent's new message in ``conversation`` is emailed: ``(why, not before)``.

    Never while the customer has a socket connected: they read it in the chat. An offline
    ticket (the customer left the form) is answered by email at once ("ticket"); otherwise the
    customer must have been away ``away_seconds`` ("away"; not before then). No contact
    address: no email.
    """
    if contact_address(conversation) is None:
        return None
    if connected:
        return None
    if conversation.get("offline_reason") and conversation.get("contact_email"):
        return "ticket", 0.0
    return "away", (last_seen or 0.0) + away_seconds


def retry_delay(tries: int, base: float) -> float:
    """Exponential backoff: ``base`` after the first failure, doubling, at most an hour."""
    return float(min(MAX_RETRY_DELAY, base * 2 ** max(0, tries - 1)))


def next_attempt(*, tries: int, smtp_code: int | None, max_tries: int, base: float) -> Attempt:
    """After the ``tries``-th failed send: ``smtp_code`` is the server's reply (None: no
    answer at all, e.g. connection refused). A 5xx is permanent (RFC 5321): sending it again
    gets the same refusal. A 4xx or no answer is worth another try, until ``max_tries``."""
    if smtp_code is not None and 500 <= smtp_code < 600:
        return Attempt("failed")
    if tries >= max_tries:
        return Attempt("failed")
    return Attempt("retrying", retry_delay(tries, base))


def reason_text(smtp_code: int | None, message: str) -> str:
    """A short, one-line reason for the console (``550 mailbox unavailable``)."""
    text = re.sub(r"\s+", " ", message).strip()
    reason = f"{smtp_code} {text}" if smtp_code is not None else text
    return reason[:MAX_REASON_CHARS] or "unknown error"


def mask_address(address: str) -> str:
    """For logs: the first letter and the domain (``s***@example.org``)."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"
