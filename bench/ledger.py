"""What one benchmark customer sent and received live, checked against their transcript.

The sustained benchmark (``bench.sustained``) keeps a :class:`Ledger` per customer while the
load runs, then reads the customer's whole transcript with ``tandem_sync`` and hands both to
:func:`judge`, which counts what was lost and what came twice and names each duplicate (the
conversation, the seq, the ``client_msg_id``), so a figure that is not zero can be traced to a
message.

Example::

    ledger = Ledger(key="w0c1", conversation_id="c-1")
    ledger.acked["m-1"] = 3
    counts, duplicates = judge(ledger, entries)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

COUNTERS = (
    "sent",
    "unacked",
    "unacked_stored",
    "lost_stored",
    "lost_reply",
    "seq_gaps",
    "duplicated_stored",
    "duplicated_live",
    "delivered_expected",
    "live_missed",
    "stored_entries",
)
BOT_ECHO = "You said: "  # the stand-in Rasa's answer: "You said: <text>"
AGENT_ECHO = "re:"  # the benchmark's agents answer "re:<client_msg_id>"


@dataclass
class Ledger:
    """One customer's side of the load: sent, acknowledged, resent, received live."""

    key: str
    conversation_id: str = ""
    sent: dict[str, float] = field(default_factory=dict)  # cmid -> when sent (perf_counter)
    acked: dict[str, int] = field(default_factory=dict)  # cmid -> seq
    resent: set[str] = field(default_factory=set)  # cmids sent a second time (a retry)
    live: Counter[int] = field(default_factory=Counter)  # seq -> times received live


def answered_cmid(entry: dict[str, Any]) -> str | None:
    """The ``client_msg_id`` a bot or agent entry answers (``None``: it answers none)."""
    text = entry.get("text", "")
    if entry.get("author") == "bot" and text.startswith(BOT_ECHO):
        return str(text[len(BOT_ECHO) :].split(" ", 1)[0])
    if entry.get("author") == "agent" and text.startswith(AGENT_ECHO):
        return str(text[len(AGENT_ECHO) :])
    return None


def judge(
    ledger: Ledger, entries: list[dict[str, Any]]
) -> tuple[Counter[str], list[dict[str, Any]]]:
    """Counts for one customer's transcript ``entries``, and each duplicate described.

    - lost: an acknowledged message missing from the transcript (``lost_stored``), a stored
      message without its answer (``lost_reply``), a seq gap (``seq_gaps``); a message never
      acknowledged is the widget's to resend (``unacked``), not judged;
    - duplicated: a ``client_msg_id`` stored twice (``duplicated_stored``), an entry received
      live more than once by this customer's socket (``duplicated_live``);
    - ``live_missed``: stored answers that did not arrive live (``tandem_sync`` recovers them).
    """
    # Every counter present, zeros too: the details say "0", not nothing.
    result: Counter[str] = Counter(dict.fromkeys(COUNTERS, 0))
    duplicates: list[dict[str, Any]] = []
    by_seq = {e["seq"]: e for e in entries}
    result["seq_gaps"] = (max(by_seq) - len(by_seq)) if by_seq else 0
    stored: dict[str, list[int]] = {}
    for entry in entries:
        if entry["author"] == "customer":
            stored.setdefault(entry.get("client_msg_id") or "", []).append(entry["seq"])
    answered = {answered_cmid(e) for e in entries} - {None}
    for cmid in ledger.sent:
        result["sent"] += 1
        seqs = stored.get(cmid, [])
        if len(seqs) > 1:
            result["duplicated_stored"] += len(seqs) - 1
            duplicates.append(
                _described(ledger, "stored", client_msg_id=cmid, seqs=seqs, times=len(seqs))
            )
        if cmid not in ledger.acked:
            # Never acknowledged: the widget still holds it and resends it (same id); stored
            # or not, nothing is lost. Counted, not judged.
            result["unacked"] += 1
            result["unacked_stored"] += int(bool(seqs))
            continue
        if not seqs:
            result["lost_stored"] += 1  # acknowledged, yet not in the transcript
        elif cmid not in answered:
            result["lost_reply"] += 1  # stored, but the bot / agent answer never was
    first_seq = min(ledger.acked.values(), default=0)
    for entry in entries:
        if entry["seq"] < first_seq or entry["author"] == "customer":
            continue  # setup traffic; own messages are known from the acks
        result["delivered_expected"] += 1
        if ledger.live[entry["seq"]] == 0:
            result["live_missed"] += 1
    for seq, times in sorted(ledger.live.items()):
        if times > 1:
            result["duplicated_live"] += times - 1
            entry = by_seq.get(seq, {})
            cmid = entry.get("client_msg_id") or ""
            answers = answered_cmid(entry) if entry else None
            duplicates.append(
                _described(
                    ledger,
                    "live",
                    seq=seq,
                    times=times,
                    author=entry.get("author", "?"),
                    client_msg_id=cmid,
                    answers=answers,
                    answers_a_resend=answers in ledger.resent,
                )
            )
    result["stored_entries"] = sum(1 for e in entries if e["seq"] >= first_seq)
    return result, duplicates


def _described(ledger: Ledger, kind: str, **detail: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "customer": ledger.key,
        "conversation_id": ledger.conversation_id,
        **detail,
    }
