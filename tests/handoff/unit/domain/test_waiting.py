"""The estimated wait told to queued customers: it counts down, and says so when overdue."""

from handoff.domain.waiting import (
    LONGER,
    Place,
    estimate_wait,
    next_retell,
    place_mark,
    place_now,
    places_to_tell,
    read_mark,
    remaining_wait,
    wait_band,
)


def test_queue_positions_and_estimates() -> None:
    assert estimate_wait(position=2, agents_available=1, recent_waits=[30, 90, 60]) == 120.0
    assert estimate_wait(position=4, agents_available=2, recent_waits=[]) == 120.0
    # Instant claims of late: still a minute, so "longer than usual" never comes seconds after
    # "under a minute".
    assert estimate_wait(position=1, agents_available=0, recent_waits=[0, 0]) == 59.0
    assert estimate_wait(position=3, agents_available=2, recent_waits=[10, 20]) == 59.0
    assert wait_band(59.0) == 0  # "under a minute"


def test_only_customers_whose_place_or_worded_wait_changed_are_told() -> None:
    assert [wait_band(s) for s in (-0.1, 0, 59.9, 60, 89, 91, 600)] == [LONGER, 0, 0, 1, 1, 2, 10]
    told = {f"c_{i}": place_mark(Place(i, 60.0 * i, 0.0)) for i in range(1, 5)}
    # c_2 left the line: c_3 and c_4 moved up; c_1 did not move; c_5 is new.
    queue = ["c_1", "c_3", "c_4", "c_5"]
    placed = list(zip(queue, range(1, 5), strict=True))
    changed, gone = places_to_tell(placed, told, now=0.0, agents_available=1, recent_waits=[])
    assert changed == {
        "c_3": Place(2, 120.0, 0.0),
        "c_4": Place(3, 180.0, 0.0),
        "c_5": Place(4, 240.0, 0.0),
    }
    assert gone == ["c_2"]
    # Nothing moved: nobody hears anything.
    told = {c: place_mark(p) for c, p in changed.items()} | {"c_1": told["c_1"]}
    assert places_to_tell(placed, told, now=0.0, agents_available=1, recent_waits=[])[0] == {}


def test_the_wait_counts_down_and_is_honest_when_the_line_is_stuck() -> None:
    """Number 1 in line for four minutes was told "under a minute" all along."""
    left = remaining_wait(position=1, since=0.0, now=45.0, agents_available=1, recent_waits=[])
    assert left == 15.0
    told = {"c_1": place_mark(Place(1, 60.0, 0.0))}  # "about 1 minute" on joining, at 0
    words = []
    for now in (10.0, 30.0, 59.0, 61.0, 240.0):
        place, differs = place_now(1, told["c_1"], now=now, agents_available=1, recent_waits=[])
        assert place.since == 0.0  # still number 1, since 0
        if differs:
            words.append((now, wait_band(place.wait)))
            told["c_1"] = place_mark(place)
    # "under a minute" from 10 s, "longer than usual" once past the estimate, then nothing new.
    assert words == [(10.0, 0), (61.0, LONGER)]
    assert place_now(1, told["c_1"], now=240.0, agents_available=1, recent_waits=[])[0].wait < 0
    # Moving up starts the count again from the new place's estimate.
    moved, differs = place_now(
        1, place_mark(Place(2, 120.0, 0.0)), now=90.0, agents_available=1, recent_waits=[]
    )
    assert moved == Place(1, 60.0, 90.0) and differs


def test_when_to_look_again() -> None:
    assert next_retell(-5.0) is None  # longer than usual until the line moves
    assert next_retell(30.0) == 30.1  # then it is past its estimate
    assert next_retell(75.0) == 15.1  # then "under a minute"
    assert next_retell(300.0) == 30.1  # 4.5 minutes reads "about 4 minutes"
    assert next_retell(60.05) == 1.0  # never busier than once a second


def test_marks_round_trip_and_old_marks_are_told_again() -> None:
    assert read_mark(place_mark(Place(3, 200.0, 12.5))) == (3, 3, 12.5)
    assert read_mark("3|2") is None and read_mark(None) is None and read_mark("a|b|c") is None
    place, differs = place_now(3, "3|2", now=50.0, agents_available=1, recent_waits=[])
    assert differs and place.since == 50.0
