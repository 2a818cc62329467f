"""Which agents a queued conversation goes to first."""

from handoff.domain.routing import AgentProfile, eligible, exclusive_until, matches, need_for

GERMAN = AgentProfile("a_de", frozenset({"de", "en"}), frozenset({"billing"}))
ENGLISH = AgentProfile("a_en", frozenset({"en"}), frozenset())


def test_need_comes_from_language_and_the_skill_in_the_triage_summary() -> None:
    summary = {"skill": " Billing ", "problem_category": "double_charge"}
    need = need_for(language="DE", summary=summary)
    assert need.language == "de" and need.skill == "billing"
    assert need_for(language="en", summary={"skill": 3}).skill == ""


def test_matching_agents_go_first_then_everyone() -> None:
    need = need_for(language="de", summary={"skill": "billing"})
    assert matches(GERMAN, need) and not matches(ENGLISH, need)
    until = exclusive_until(need, [GERMAN, ENGLISH], queued_at=100.0, routing_wait=60.0)
    assert until == 160.0
    assert eligible(GERMAN, need, exclusive_until=until, now=101.0)
    assert not eligible(ENGLISH, need, exclusive_until=until, now=101.0)
    assert eligible(ENGLISH, need, exclusive_until=until, now=160.0)


def test_nobody_matching_online_means_open_to_all_at_once() -> None:
    need = need_for(language="ja", summary={})
    assert exclusive_until(need, [GERMAN, ENGLISH], queued_at=100.0, routing_wait=60.0) == 100.0
