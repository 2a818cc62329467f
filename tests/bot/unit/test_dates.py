"""Reading "when did you order" answers."""

from __future__ import annotations

from datetime import date

import pytest

from actions.dates import days_since

MONDAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("today", 0),
        ("yesterday", 1),
        ("the day before yesterday", 2),
        ("3 days ago", 3),
        ("about two weeks ago", 14),
        ("a couple of days ago", 2),
        ("a month ago", 30),
        ("last week", 7),
        ("on Friday", 3),
        ("last Monday", 7),
        ("12 November", 11),
        ("Nov 20th", 3),
        ("2026-11-01", 22),
        ("on the 12th of december", 346),  # a future date means last year's
    ],
)
def test_dates_are_read_relative_to_today(text: str, days: int) -> None:
    assert days_since(text, MONDAY) == days


@pytest.mark.parametrize("text", ["no idea", "TD-482913", "5 business days", "2026-13-45"])
def test_text_without_a_date_gives_none(text: str) -> None:
    assert days_since(text, MONDAY) is None
