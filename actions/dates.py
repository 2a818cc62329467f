"""Reads "when did you order" answers: "3 days ago", "last Monday", "12 November", "2026-11-02"."""

from __future__ import annotations

import re
from datetime import date

_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14,
    "couple of": 2, "few": 3,
}  # fmt: skip
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    )
}
_AMOUNT = r"(\d{1,3}|" + "|".join(sorted(map(re.escape, _NUMBERS), key=len, reverse=True)) + ")"
_RELATIVE = re.compile(_AMOUNT + r"\s+(day|week|month)s?\s+ago")
_LAST_UNIT = re.compile(r"\b(last|past)\s+(week|month)\b")
_WEEKDAY = re.compile(r"\b(?:(last|on|this)\s+)?(" + "|".join(_WEEKDAYS) + r")\b")
_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_DAY_MONTH = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?([a-z]{3})[a-z]*\b")
_MONTH_DAY = re.compile(r"\b([a-z]{3})[a-z]*\s+(\d{1,2})(?:st|nd|rd|th)?\b")
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30}


def _amount(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBERS[word]


def _from_date(day: date, today: date) -> int | None:
    if day > today:  # "12 December" said in November means last year's
        day = day.replace(year=day.year - 1)
    return (today - day).days


def _calendar_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def days_since(text: str, today: date) -> int | None:
    """Days between the date ``text`` mentions and ``today``; None when it names no date."""
    text = text.lower()
    if re.search(r"\btoday\b|\bthis morning\b|\bjust now\b", text):
        return 0
    if "day before yesterday" in text:
        return 2
    if re.search(r"\byesterday\b|\blast night\b", text):
        return 1
    if match := _RELATIVE.search(text):
        return _amount(match.group(1)) * _UNIT_DAYS[match.group(2)]
    if match := _ISO.search(text):
        found = _calendar_date(*(int(g) for g in match.groups()))
        return _from_date(found, today) if found else None
    for pattern, day_group, month_group in ((_DAY_MONTH, 1, 2), (_MONTH_DAY, 2, 1)):
        for match in pattern.finditer(text):
            month = _MONTHS.get(match.group(month_group))
            if month:
                found = _calendar_date(today.year, month, int(match.group(day_group)))
                if found:
                    return _from_date(found, today)
    if match := _WEEKDAY.search(text):
        back = (today.weekday() - _WEEKDAYS.index(match.group(2))) % 7
        return back or 7  # "on Monday" said on a Monday means a week ago
    if match := _LAST_UNIT.search(text):
        return _UNIT_DAYS[match.group(2)]
    return None
