"""Which Rasa instance takes a conversation: stable per conversation, spread, healthy first."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

from handoff.domain.bot_instances import BotInstances, rendezvous

A, B, C = "http://127.0.0.1:5005", "http://127.0.0.1:5006", "http://127.0.0.1:5007"
CONVERSATIONS = [f"c_{i:04d}" for i in range(600)]


def test_one_conversation_always_ranks_the_instances_the_same_way() -> None:
    for cid in CONVERSATIONS[:50]:
        assert rendezvous(cid, [A, B, C]) == rendezvous(cid, [C, A, B])  # listing order is moot
        assert sorted(rendezvous(cid, [A, B, C])) == [A, B, C]


def test_the_ranking_is_the_same_in_another_process() -> None:
    # Every handoff replica must send one conversation to the same Rasa: no per-process salt.
    code = (
        "from handoff.domain.bot_instances import rendezvous;"
        f"print([rendezvous(c, {[A, B, C]!r})[0] for c in {CONVERSATIONS[:20]!r}])"
    )
    other = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert other == repr([rendezvous(c, [A, B, C])[0] for c in CONVERSATIONS[:20]])


def test_conversations_spread_over_the_instances() -> None:
    firsts = Counter(rendezvous(cid, [A, B, C])[0] for cid in CONVERSATIONS)
    assert set(firsts) == {A, B, C}
    assert min(firsts.values()) > len(CONVERSATIONS) / 3 * 0.75, firsts


def test_losing_an_instance_moves_only_its_own_conversations() -> None:
    before = {cid: rendezvous(cid, [A, B, C])[0] for cid in CONVERSATIONS}
    after = {cid: rendezvous(cid, [A, C])[0] for cid in CONVERSATIONS}
    moved = {cid for cid in CONVERSATIONS if before[cid] != after[cid]}
    assert moved == {cid for cid in CONVERSATIONS if before[cid] == B}
    # Each goes to its own second choice, so B's conversations spread over A and C too.
    assert {after[cid] for cid in moved} == {A, C}


def test_a_down_instance_is_tried_last_and_an_up_one_gets_its_conversations_back() -> None:
    instances = BotInstances([A, B])
    on_a = next(cid for cid in CONVERSATIONS if rendezvous(cid, [A, B])[0] == A)
    assert instances.order(on_a) == [A, B]
    instances.mark(A, up=False, detail="unreachable (ClientConnectorError)", at=10.0)
    assert instances.order(on_a) == [B, A]
    instances.mark(A, up=True, detail="ok", at=12.0)
    assert instances.order(on_a) == [A, B]


def test_with_none_healthy_every_instance_is_still_tried_in_order() -> None:
    instances = BotInstances([A, B])
    cid = CONVERSATIONS[0]
    for url in (A, B):
        instances.mark(url, up=False, detail="HTTP 503", at=1.0)
    assert instances.order(cid) == rendezvous(cid, [A, B])


def test_health_sums_up_and_reports_each_instance() -> None:
    instances = BotInstances([A, "http://user:pw@10.0.0.2:5005/base"])
    assert not instances.all_up()  # nothing heard yet
    assert instances.report(now=5.0)[0] == {
        "instance": "127.0.0.1:5005",
        "status": "unknown",
        "detail": "not checked yet",
        "checked_s_ago": None,
    }
    instances.mark(A, up=True, detail="ok", at=4.0)
    instances.mark(instances.urls[1], up=False, detail="HTTP 503", at=4.5)
    assert not instances.all_up() and instances.summary() == "1 of 2 instances up"
    # /health is public: no credentials or paths of the internal URLs.
    report = instances.report(now=5.0)
    assert [r["instance"] for r in report] == ["127.0.0.1:5005", "10.0.0.2:5005"]
    assert [(r["status"], r["checked_s_ago"]) for r in report] == [("up", 1.0), ("down", 0.5)]
    instances.mark(instances.urls[1], up=True, detail="ok", at=6.0)
    assert instances.all_up() and instances.summary() == "ok"


def test_one_instance_reports_its_own_trouble() -> None:
    instances = BotInstances([A])
    instances.mark(A, up=False, detail="unreachable (ClientConnectorError)", at=1.0)
    assert instances.summary() == "unreachable (ClientConnectorError)"
