"""The sustained benchmark's accounting: a customer's ledger against their transcript."""

from __future__ import annotations

from typing import Any

from bench.ledger import COUNTERS, Ledger, answered_cmid, judge


def _entry(seq: int, author: str, text: str, cmid: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"seq": seq, "author": author, "text": text}
    if cmid is not None:
        entry["client_msg_id"] = cmid
    return entry


def _ledger(*cmids: str) -> Ledger:
    ledger = Ledger(key="w0c1", conversation_id="c-1")
    for n, cmid in enumerate(cmids):
        ledger.sent[cmid] = float(n)
    return ledger


def test_a_clean_transcript_counts_nothing_lost_or_twice() -> None:
    ledger = _ledger("m-1", "m-2")
    ledger.acked.update({"m-1": 1, "m-2": 3})
    ledger.live.update({2: 1, 4: 1})
    entries = [
        _entry(1, "customer", "m-1 hello there", "m-1"),
        _entry(2, "bot", "You said: m-1 hello there"),
        _entry(3, "customer", "m-2 hello there", "m-2"),
        _entry(4, "agent", "re:m-2", "a-m-2"),
    ]
    counts, duplicates = judge(ledger, entries)
    assert duplicates == []
    assert set(COUNTERS) <= set(counts)  # zeros are reported as zeros
    assert counts["sent"] == 2 and counts["delivered_expected"] == 2
    for key in ("lost_stored", "lost_reply", "seq_gaps", "live_missed"):
        assert counts[key] == 0, key
    assert counts["duplicated_stored"] == 0 and counts["duplicated_live"] == 0


def test_an_entry_received_twice_is_named_with_the_message_it_answers() -> None:
    ledger = _ledger("m-1")
    ledger.acked["m-1"] = 1
    ledger.resent.add("m-1")
    ledger.live.update({2: 2})
    entries = [
        _entry(1, "customer", "m-1 hello there", "m-1"),
        _entry(2, "agent", "re:m-1", "a-m-1"),
    ]
    counts, duplicates = judge(ledger, entries)
    assert counts["duplicated_live"] == 1
    assert duplicates == [
        {
            "kind": "live",
            "customer": "w0c1",
            "conversation_id": "c-1",
            "seq": 2,
            "times": 2,
            "author": "agent",
            "client_msg_id": "a-m-1",
            "answers": "m-1",
            "answers_a_resend": True,
        }
    ]


def test_a_message_stored_twice_is_named_with_both_seqs() -> None:
    ledger = _ledger("m-1")
    ledger.acked["m-1"] = 1
    entries = [
        _entry(1, "customer", "m-1 hello there", "m-1"),
        _entry(2, "bot", "You said: m-1 hello there"),
        _entry(3, "customer", "m-1 hello there", "m-1"),
    ]
    counts, duplicates = judge(ledger, entries)
    assert counts["duplicated_stored"] == 1
    assert [(d["kind"], d["client_msg_id"], d["seqs"]) for d in duplicates] == [
        ("stored", "m-1", [1, 3])
    ]


def test_lost_and_unacknowledged_are_told_apart() -> None:
    ledger = _ledger("m-1", "m-2", "m-3")
    ledger.acked.update({"m-1": 1, "m-2": 2})  # m-3's ack never came
    entries = [
        _entry(1, "customer", "m-1 hello there", "m-1"),  # its answer is missing
        _entry(4, "customer", "m-3 hello there", "m-3"),  # seqs 2 and 3 are gone
    ]
    counts, _ = judge(ledger, entries)
    assert counts["lost_reply"] == 1  # m-1
    assert counts["lost_stored"] == 1  # m-2
    assert counts["seq_gaps"] == 2
    assert counts["unacked"] == 1 and counts["unacked_stored"] == 1  # m-3


def test_an_answer_that_did_not_arrive_live_is_missed_not_lost() -> None:
    ledger = _ledger("m-1")
    ledger.acked["m-1"] = 1
    entries = [_entry(1, "customer", "m-1 hi", "m-1"), _entry(2, "bot", "You said: m-1 hi")]
    counts, duplicates = judge(ledger, entries)
    assert counts["live_missed"] == 1 and counts["lost_reply"] == 0 and duplicates == []


def test_answered_cmid_reads_the_bot_and_agent_echoes_only() -> None:
    assert answered_cmid({"author": "bot", "text": "You said: m-1 hello there"}) == "m-1"
    assert answered_cmid({"author": "agent", "text": "re:m-2"}) == "m-2"
    assert answered_cmid({"author": "system", "text": "re:m-2"}) is None
    assert answered_cmid({"author": "bot", "text": "Hello!"}) is None
