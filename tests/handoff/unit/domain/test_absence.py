"""Agents who vanish: counted from when they were first missed, requeued after the grace."""

from handoff.domain.absence import absences


def test_an_owner_without_a_console_is_counted_from_when_first_missed() -> None:
    step = absences(owners={"a_1", "a_2"}, online={"a_2"}, gone_since={}, now=100.0, grace=60)
    assert (step.newly_gone, step.overdue, step.settled) == (["a_1"], [], [])


def test_after_the_grace_their_conversations_go_back() -> None:
    gone = {"a_1": 100.0}
    assert (
        absences(owners={"a_1"}, online=set(), gone_since=gone, now=159.9, grace=60).overdue == []
    )
    step = absences(owners={"a_1"}, online=set(), gone_since=gone, now=160.0, grace=60)
    assert (step.newly_gone, step.overdue, step.settled) == ([], ["a_1"], [])


def test_coming_back_or_owning_nothing_stops_the_count() -> None:
    gone = {"a_1": 100.0, "a_2": 100.0}
    step = absences(owners={"a_1"}, online={"a_1"}, gone_since=gone, now=500.0, grace=60)
    assert (step.newly_gone, step.overdue, step.settled) == ([], [], ["a_1", "a_2"])


def test_agents_without_conversations_are_never_counted() -> None:
    step = absences(owners=set(), online=set(), gone_since={}, now=100.0, grace=60)
    assert step == absences(owners=set(), online={"a_9"}, gone_since={}, now=1.0, grace=0)
