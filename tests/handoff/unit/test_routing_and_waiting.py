from handoff.domain.routing import AgentProfile, eligible, exclusive_until, matches, need_for
from handoff.domain.waiting import describe_wait, estimate_wait, positions
from handoff.security.ratelimit import RateLimiter, take

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


def test_queue_positions_and_estimates() -> None:
    assert positions(["c_a", "c_b", "c_c"]) == {"c_a": 1, "c_b": 2, "c_c": 3}
    assert estimate_wait(position=2, agents_available=1, recent_waits=[30, 90, 60]) == 120.0
    assert estimate_wait(position=4, agents_available=2, recent_waits=[]) == 120.0
    assert estimate_wait(position=1, agents_available=0, recent_waits=[0, 0]) == 5.0
    assert describe_wait(20) == "under a minute" and describe_wait(190) == "about 3 minutes"


def test_token_bucket() -> None:
    ok, bucket = take(None, now=0.0, burst=2, per_second=1.0)
    assert ok
    ok, bucket = take(bucket, now=0.0, burst=2, per_second=1.0)
    assert ok
    ok, bucket = take(bucket, now=0.1, burst=2, per_second=1.0)
    assert not ok
    ok, _ = take(bucket, now=1.2, burst=2, per_second=1.0)
    assert ok


def test_rate_limiter_keys_are_independent_and_pruned() -> None:
    limiter = RateLimiter(burst=1, per_minute=60)
    assert limiter.allow("a", 0.0) and not limiter.allow("a", 0.0) and limiter.allow("b", 0.0)
    limiter.prune(100.0)
    assert len(limiter) == 0
