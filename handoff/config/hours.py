"""Business hours: when people are expected to answer (pure logic).

The spec is a ``;``-separated list of ``<days> <HH:MM>-<HH:MM>`` rules, days as ``mon``..``sun``
or ranges ``mon-fri``, interpreted in one IANA time zone. An empty spec means always open.

Example::

    hours = BusinessHours.parse("mon-fri 09:00-17:30; sat 10:00-14:00", "Europe/Berlin")
    hours.is_open(datetime.now(timezone.utc))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ENGLISH_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Window:
    """One opening window on one weekday (0 = Monday); ``end`` is exclusive."""

    weekday: int
    start: time
    end: time


@dataclass(frozen=True)
class BusinessHours:
    """Opening windows in a time zone; no windows at all means always open."""

    windows: tuple[Window, ...]
    zone: str = "UTC"
    spec: str = ""

    @classmethod
    def always_open(cls) -> BusinessHours:
        return cls(windows=())

    @classmethod
    def parse(cls, spec: str, zone: str = "UTC") -> BusinessHours:
        """Parse a spec such as ``"mon-fri 09:00-17:00"``; raises ``ValueError`` with the reason."""
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {zone!r}") from None
        windows: list[Window] = []
        for rule in (r.strip() for r in spec.split(";")):
            if not rule:
                continue
            parts = rule.lower().split()
            if len(parts) != 2:
                raise ValueError(f"rule {rule!r} is not '<days> <HH:MM>-<HH:MM>'")
            days, span = parts
            start, end = _parse_span(span)
            for day in _parse_days(days):
                windows.append(Window(day, start, end))
        return cls(windows=tuple(windows), zone=zone, spec=spec.strip())

    def is_open(self, moment: datetime) -> bool:
        """True when ``moment`` (timezone-aware) falls in a window, or there are no windows."""
        if not self.windows:
            return True
        local = moment.astimezone(ZoneInfo(self.zone))
        now = local.time().replace(tzinfo=None)
        return any(w.weekday == local.weekday() and w.start <= now < w.end for w in self.windows)

    def describe(self, day_names: Sequence[str] = ENGLISH_DAYS) -> str:
        """Hours as customers read them, days named in their language (Monday first).

        Days with the same span are grouped and consecutive ones joined, e.g.
        ``Mon–Fri 09:00–17:30, Sat 10:00–14:00 (Europe/Berlin)``; times are 24-hour, which every
        served language reads. An empty spec describes as ``""`` (always open: never shown).
        """
        if not self.windows:
            return ""
        spans: dict[tuple[time, time], list[int]] = {}
        for window in sorted(self.windows, key=lambda w: (w.weekday, w.start)):
            spans.setdefault((window.start, window.end), []).append(window.weekday)
        parts = [
            f"{_days_text(sorted(set(days)), day_names)} {_clock(start)}–{_clock(end)}"
            for (start, end), days in sorted(spans.items(), key=lambda item: min(item[1]))
        ]
        return f"{', '.join(parts)} ({self.zone})"


def _days_text(days: list[int], names: Sequence[str]) -> str:
    """``[0, 1, 2, 4]`` -> ``Mon–Wed, Fri``: runs of three or more days as ranges."""
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    words = []
    for run in runs:
        if len(run) >= 3:
            words.append(f"{names[run[0]]}–{names[run[-1]]}")
        else:
            words.extend(names[day] for day in run)
    return ", ".join(words)


def _clock(moment: time) -> str:
    return "24:00" if moment == time.max else moment.strftime("%H:%M")


def _parse_span(span: str) -> tuple[time, time]:
    try:
        first, last = span.split("-")
        start, end = time.fromisoformat(first), _parse_end(last)
    except ValueError:
        raise ValueError(f"time span {span!r} is not HH:MM-HH:MM") from None
    if end <= start:
        raise ValueError(f"time span {span!r} ends before it starts")
    return start, end


def _parse_end(text: str) -> time:
    # "24:00" is the natural way to write "until midnight".
    return time.max if text == "24:00" else time.fromisoformat(text)


def _parse_days(days: str) -> list[int]:
    result: list[int] = []
    for chunk in days.split(","):
        if "-" in chunk:
            first, last = chunk.split("-", 1)
            a, b = _day(first), _day(last)
            if b < a:
                raise ValueError(f"day range {chunk!r} runs backwards")
            result.extend(range(a, b + 1))
        else:
            result.append(_day(chunk))
    return result


def _day(name: str) -> int:
    if name not in DAYS:
        raise ValueError(f"unknown day {name!r} (use {', '.join(DAYS)})")
    return DAYS.index(name)
