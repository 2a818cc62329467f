"""The estimated wait told to queued customers."""

from handoff.domain.waiting import estimate_wait


def test_queue_positions_and_estimates() -> None:
    assert estimate_wait(position=2, agents_available=1, recent_waits=[30, 90, 60]) == 120.0
    assert estimate_wait(position=4, agents_available=2, recent_waits=[]) == 120.0
    assert estimate_wait(position=1, agents_available=0, recent_waits=[0, 0]) == 5.0
