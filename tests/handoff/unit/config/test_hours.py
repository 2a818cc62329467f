"""Business hours in a time zone."""

from datetime import UTC, datetime

import pytest

from handoff.config.hours import BusinessHours


def test_business_hours() -> None:
    hours = BusinessHours.parse("mon-fri 09:00-17:30; sat 10:00-14:00", "Europe/Berlin")
    monday_morning = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)  # 09:30 in Berlin
    assert hours.is_open(monday_morning)
    assert not hours.is_open(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))  # 18:00 in Berlin
    assert not hours.is_open(datetime(2026, 11, 29, 12, 0, tzinfo=UTC))  # Sunday
    assert BusinessHours.always_open().is_open(monday_morning)
    assert BusinessHours.parse("sun 00:00-24:00").is_open(
        datetime(2026, 11, 29, 23, 59, tzinfo=UTC)
    )
    for bad in ("funday 09:00-10:00", "mon 10:00-09:00", "fri-mon 09:00-10:00", "mon"):
        with pytest.raises(ValueError):
            BusinessHours.parse(bad)


def test_hours_are_described_grouped_and_in_the_days_names_given() -> None:
    hours = BusinessHours.parse("mon-fri 09:00-17:30; sat 10:00-14:00", "Europe/Berlin")
    assert hours.describe() == "Mon–Fri 09:00–17:30, Sat 10:00–14:00 (Europe/Berlin)"
    croatian = ("pon", "uto", "sri", "čet", "pet", "sub", "ned")
    assert hours.describe(croatian) == "pon–pet 09:00–17:30, sub 10:00–14:00 (Europe/Berlin)"
    # Two days in a row stay two names; a gap splits a range; 24:00 reads as written.
    odd = BusinessHours.parse("mon,tue,thu-sun 08:00-24:00")
    assert odd.describe() == "Mon, Tue, Thu–Sun 08:00–24:00 (UTC)"
    assert BusinessHours.always_open().describe() == ""
