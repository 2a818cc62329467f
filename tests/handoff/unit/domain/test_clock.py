"""The one clock every part is given."""

import time

from handoff.domain.clock import SYSTEM_CLOCK


def test_the_system_clock_is_seconds_since_the_epoch() -> None:
    before = time.time()
    assert before <= SYSTEM_CLOCK() <= time.time()
