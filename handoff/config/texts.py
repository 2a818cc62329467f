"""The service's own customer-facing sentences, per language, from ``system_messages.yml``.

Example::

    texts = SystemTexts.load()
    texts.render("agent_joined", "de", agent="Ana")   # "Ana ist dem Gespräch beigetreten."
    texts.describe_wait(190, "hr")                    # "oko 3 minute"
    texts.describe_hours(hours, "ru")                 # "пн–пт 09:00–17:00 (Europe/Moscow)"
"""

from __future__ import annotations

from pathlib import Path

import yaml

from handoff.config.hours import ENGLISH_DAYS, BusinessHours

DEFAULT_PATH = Path(__file__).with_name("system_messages.yml")
FALLBACK = "en"


class SystemTexts:
    def __init__(self, catalog: dict[str, dict[str, str]]) -> None:
        if FALLBACK not in catalog:
            raise ValueError("system_messages.yml needs an 'en' section")
        self.catalog = catalog

    @classmethod
    def load(cls, path: Path = DEFAULT_PATH) -> SystemTexts:
        with path.open(encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
        if not isinstance(data, dict):
            raise ValueError(f"{path} must map languages to messages")
        return cls(
            {str(lang): {str(k): str(v) for k, v in msgs.items()} for lang, msgs in data.items()}
        )

    def render(self, key: str, language: str, **values: object) -> str:
        """The sentence in ``language`` (English when missing), placeholders filled in."""
        template = (
            self.catalog.get(language or FALLBACK, {}).get(key) or self.catalog[FALLBACK][key]
        )
        return template.format(**{k: str(v) for k, v in values.items()})

    def plural(self, key: str, language: str, count: int, **values: object) -> str:
        """``key_<category>`` for ``count`` when the language has that form, else ``key``."""
        own = self.catalog.get(language or FALLBACK, {})
        specific = f"{key}_{plural_category(language, count)}"
        if own.get(specific) or (not own.get(key) and self.catalog[FALLBACK].get(specific)):
            key = specific
        return self.render(key, language, **values)

    def describe_hours(self, hours: BusinessHours, language: str) -> str:
        """Business hours with the days named in ``language`` (its ``weekdays`` text)."""
        names = self.render("weekdays", language).split()
        return hours.describe(names if len(names) == 7 else ENGLISH_DAYS)

    def describe_wait(self, seconds: float, language: str) -> str:
        """``"under a minute"``, ``"about 3 minutes"`` in the customer's language; a negative
        wait (past its estimate, ``domain.waiting.LONGER``) is "taking longer than usual"."""
        if seconds < 0:
            return self.render("wait_longer", language)
        if seconds < 60:
            return self.render("wait_short", language)
        minutes = max(1, round(seconds / 60))
        return self.plural("wait_minutes", language, minutes, minutes=minutes)


def plural_category(language: str, count: int) -> str:
    """The CLDR plural category of a whole number, for the languages with texts here."""
    if language in ("hr", "bs", "sr", "ru", "uk"):
        if count % 10 == 1 and count % 100 != 11:
            return "one"
        if 2 <= count % 10 <= 4 and not 12 <= count % 100 <= 14:
            return "few"
        return "other"
    return "one" if count == 1 else "other"
