"""The estimated wait told to queued customers."""

from handoff.domain.waiting import estimate_wait, place_mark, places_to_tell, wait_band


def test_queue_positions_and_estimates() -> None:
    assert estimate_wait(position=2, agents_available=1, recent_waits=[30, 90, 60]) == 120.0
    assert estimate_wait(position=4, agents_available=2, recent_waits=[]) == 120.0
    assert estimate_wait(position=1, agents_available=0, recent_waits=[0, 0]) == 5.0


def test_only_customers_whose_place_or_worded_wait_changed_are_told() -> None:
    assert [wait_band(s) for s in (0, 59.9, 60, 89, 91, 600)] == [0, 0, 1, 1, 2, 10]
    told = {f"c_{i}": place_mark(i, 60.0 * i) for i in range(1, 5)}
    # c_2 left the line: c_3 and c_4 moved up; c_1 did not move; c_5 is new.
    changed, gone = places_to_tell(
        ["c_1", "c_3", "c_4", "c_5"], told, agents_available=1, recent_waits=[]
    )
    assert changed == {"c_3": (2, 120.0), "c_4": (3, 180.0), "c_5": (4, 240.0)}
    assert gone == ["c_2"]
    # Nothing moved: nobody hears anything.
    told = {c: place_mark(p, w) for c, (p, w) in changed.items()} | {"c_1": told["c_1"]}
    assert (
        places_to_tell(["c_1", "c_3", "c_4", "c_5"], told, agents_available=1, recent_waits=[])[0]
        == {}
    )
