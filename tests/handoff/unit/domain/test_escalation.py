"""Before the offline offer, the agents who could take the conversation are alerted."""

from handoff.domain.escalation import Step, capable_agents, expiry_step
from handoff.domain.routing import AgentProfile, Need


def test_only_agents_with_room_the_language_and_the_skill_are_alerted() -> None:
    available = [
        AgentProfile("a_hr", frozenset({"hr"}), frozenset(), capacity=2, load=1),
        AgentProfile("a_full", frozenset({"hr"}), frozenset(), capacity=2, load=2),
        AgentProfile("a_en", frozenset({"en"}), frozenset(), capacity=2),
        AgentProfile("a_bs_billing", frozenset({"bs"}), frozenset({"billing"}), capacity=2),
    ]
    assert capable_agents(Need("hr"), available) == ["a_hr", "a_bs_billing"]  # bs: hr's group
    assert capable_agents(Need("hr", "billing"), available) == ["a_bs_billing"]
    assert capable_agents(Need("ta"), available) == []


def test_alert_then_grace_then_the_offline_offer() -> None:
    def step(capable: bool, alerted_at: float | None, now: float) -> Step:
        return expiry_step(
            capable=capable, alerted_at=alerted_at, queued_at=100.0, now=now, grace=60.0
        )

    assert step(False, None, 400.0) is Step.OFFLINE  # nobody could come: the form at once
    assert step(True, None, 400.0) is Step.ALERT
    assert step(True, 400.0, 459.0) is Step.WAIT
    assert step(True, 400.0, 460.0) is Step.OFFLINE
    assert step(True, 50.0, 400.0) is Step.ALERT  # an alert from an earlier stay: alert again
    assert step(False, 400.0, 410.0) is Step.OFFLINE  # the alerted agent filled up or left
