"""Reads "when did you order" answers in any served language: "3 days ago", "prije 3 dana",
"3 дня назад", "last Monday", "12 November", "12.11.", "2026-11-02".

The words come from the language's locale (``actions/locales/<code>.yml``, key ``dates``); the
rules are the same for every language:
- today / yesterday / the day before / last week / last month, as phrases;
- a number (digits or a number word) next to a unit (day, week, month), counted only with an
  "ago" word in the message (the count nearest it), unless ``asked`` (the customer is answering
  the date question: "3 days" then means three days ago); a count comes before everything else,
  since "10 days ago, and today still nothing" means ten days;
- a weekday ("on Friday", "last Monday": the latest one before today);
- a day and a month name in either order ("12 November", "Nov 12th"), a date in digits in the
  language's order (``numeric: dmy`` or ``mdy``), or an ISO date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from actions.locale import END, START, Locale, locale_for, words_pattern
from bot.text import fold

_UNIT_DAYS = {"day": 1, "week": 7, "month": 30}
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_NUMERIC = re.compile(r"(?<![\d.])(\d{1,2})[./](\d{1,2})(?:[./](\d{2,4}))?\.?(?![\d/])")
_ORDINAL = r"(?:st|nd|rd|th|hb|-?го|-?е|\.)?"


@dataclass(frozen=True)
class DateReader:
    """The compiled date words of one language."""

    phrases: tuple[tuple[re.Pattern[str], int], ...]
    ago: re.Pattern[str] | None
    numbers: dict[str, int]
    units: dict[str, str]
    relative: re.Pattern[str]
    unit_alone: re.Pattern[str]
    weekdays: tuple[re.Pattern[str] | None, ...]
    day_month: re.Pattern[str]
    month_day: re.Pattern[str]
    months: dict[str, int]
    numeric: str

    def days_since(self, text: str, today: date, *, asked: bool) -> int | None:
        # A count comes first: "10 days ago, and today still nothing" means ten days.
        if days := self._count(text, asked=asked):
            return days
        if match := _ISO.search(text):
            found = _calendar_date(*(int(g) for g in match.groups()))
            return _from_date(found, today) if found else None
        for pattern, day_group, month_group in ((self.day_month, 1, 2), (self.month_day, 2, 1)):
            for match in pattern.finditer(text):
                month = self.months.get(match.group(month_group))
                found = _calendar_date(today.year, month, int(match.group(day_group)))
                if month and found:
                    return _from_date(found, today)
        if self.numeric != "none" and (match := _NUMERIC.search(text)):
            first, second, year = match.groups()
            day, number = (first, second) if self.numeric == "dmy" else (second, first)
            found = _calendar_date(_year(year, today), int(number), int(day))
            if found:
                return _from_date(found, today)
        for pattern, days in self.phrases:
            if pattern.search(text):
                return days
        for index, weekday in enumerate(self.weekdays):
            if weekday and weekday.search(text):
                back = (today.weekday() - index) % 7
                return back or 7  # "on Monday" said on a Monday means a week ago
        if asked and (match := self.unit_alone.search(text)):
            unit = self.units[match.group(1)]
            if unit != "day":  # "a week" is a date; "days" alone ("it's been days") is not
                return _UNIT_DAYS[unit]
        return None

    def _count(self, text: str, *, asked: bool) -> int | None:
        """ "3 days ago": the count nearest an "ago" word (or the first, when asked)."""
        agos = [m.start() for m in self.ago.finditer(text)] if self.ago else []
        if not agos and not asked:
            return None
        matches = list(self.relative.finditer(text))
        if not matches:
            return None
        if agos:
            matches.sort(key=lambda m: min(abs(m.start() - a) for a in agos))
        match = matches[0]
        amount, unit = match.group("n1") or match.group("n2"), match["u1"] or match["u2"]
        return self._amount(amount) * _UNIT_DAYS[self.units[unit]]

    def _amount(self, word: str) -> int:
        return int(word) if word.isdigit() else self.numbers[word]


def _year(text: str | None, today: date) -> int:
    if not text:
        return today.year
    year = int(text)
    return year + 2000 if year < 100 else year


def _from_date(day: date, today: date) -> int:
    if day > today:  # "12 December" said in November means last year's
        day = day.replace(year=day.year - 1)
    return (today - day).days


def _calendar_date(year: int, month: int | None, day: int) -> date | None:
    try:
        return date(year, month, day) if month else None
    except ValueError:
        return None


def _alternatives(words: Any) -> str:
    return "|".join(re.escape(fold(str(w))) for w in sorted(words, key=lambda w: -len(str(w))))


@lru_cache(maxsize=32)
def reader_for(language: str | None) -> DateReader:
    """The date reader of a language; English words are understood in every language."""
    native = locale_for(language)
    return _compile(native, locale_for("en") if native.code != "en" else None)


# Short English words collide with other languages' words (Croatian "sat" is an hour, Tagalog
# "may" means "there is", "a" is Croatian for "and"), so in another language's conversation
# English contributes only its longer words, plus its units and "ago" ("3 days ago").
_SECONDARY_MIN_LETTERS = 4
_SECONDARY_WHOLE_LISTS = ("units", "ago")


def _words(primary: Locale, secondary: Locale | None, key: str) -> list[str]:
    words = [str(w) for w in primary.data["dates"].get(key) or []]
    if secondary is not None:
        more = [str(w) for w in secondary.data["dates"].get(key) or []]
        if key not in _SECONDARY_WHOLE_LISTS:
            more = [w for w in more if len(w) >= _SECONDARY_MIN_LETTERS]
        words += more
    return words


def _table(primary: Locale, secondary: Locale | None, key: str) -> dict[str, Any]:
    table: dict[str, Any] = {}
    for loc in (secondary, primary):  # the conversation's language wins a clash
        if loc is None:
            continue
        for word, value in (loc.data["dates"].get(key) or {}).items():
            if loc is primary or key in _SECONDARY_WHOLE_LISTS or len(str(word)) >= 4:
                table[fold(str(word))] = value
    return table


def _names(primary: Locale, secondary: Locale | None, key: str, count: int) -> list[list[str]]:
    lists: list[list[str]] = [[] for _ in range(count)]
    for loc in (primary, secondary):
        if loc is None:
            continue
        for index, names in enumerate(loc.data["dates"].get(key) or []):
            lists[index] += [
                str(n) for n in names if loc is primary or len(str(n)) >= _SECONDARY_MIN_LETTERS
            ]
    return lists


def _compile(primary: Locale, secondary: Locale | None) -> DateReader:
    whole = not primary.agglutinative
    end = END if whole else ""
    phrases = []
    for key, days in (
        ("day_before_yesterday", 2),
        ("today", 0),
        ("yesterday", 1),
        ("last_week", 7),
        ("last_month", 30),
    ):
        if pattern := words_pattern(_words(primary, secondary, key), whole_words=whole):
            phrases.append((pattern, days))
    numbers: dict[str, int] = _table(primary, secondary, "numbers")
    units: dict[str, str] = _table(primary, secondary, "units")
    amount = r"\d{1,3}" + (f"|{_alternatives(numbers)}" if numbers else "")
    unit = _alternatives(units)
    # "3 days", "3 business days", "prije 3 dana", "tri dana"; and the rarer unit-first order.
    relative = re.compile(
        rf"{START}(?P<n1>{amount})\s*(?:\S+\s+)?(?P<u1>{unit}){end}"
        rf"|{START}(?P<u2>{unit})\s+(?P<n2>{amount}){END}"
    )
    months: dict[str, int] = {}
    for index, names in enumerate(_names(primary, secondary, "months", 12)):
        for name in names:
            months.setdefault(fold(name), index + 1)
    month = f"({_alternatives(months)})"
    return DateReader(
        phrases=tuple(phrases),
        ago=words_pattern(_words(primary, secondary, "ago"), whole_words=whole),
        numbers=numbers,
        units=units,
        relative=relative,
        unit_alone=re.compile(rf"{START}({unit}){end}"),
        weekdays=tuple(
            words_pattern(names, whole_words=whole)
            for names in _names(primary, secondary, "weekdays", 7)
        ),
        day_month=re.compile(rf"{START}(\d{{1,2}}){_ORDINAL}\s+(?:of\s+)?{month}{end}"),
        month_day=re.compile(rf"{START}{month}\s+(\d{{1,2}}){_ORDINAL}{END}"),
        months=months,
        numeric=str(primary.data["dates"].get("numeric", "none")),
    )


def days_since(
    text: str, today: date, language: str | None = None, *, asked: bool = False
) -> int | None:
    """Days between the date ``text`` mentions and ``today``; None when it names no date.

    ``language``: the conversation's (English words are read in every language). ``asked``: the
    message answers "when did you order?", so "3 days" means three days ago.
    """
    return reader_for(language).days_since(fold(text), today, asked=asked)
