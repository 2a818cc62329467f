"""The words the triage form reads and says in each served language.

One file per language: ``actions/locales/<code>.yml``.

Answers are matched without case and without Latin diacritics, so "jucer" reads like "jučer"
and "еще" like "ещё"; the scripts' own marks (Tamil vowel signs) are kept. A language without a
file falls back to English, and English words are understood in every language (customers
switch: "yes", "order", "refund").

Example::

    words = locale_for("hr")
    words.says_yes("da, jesam")             # True
    words.when(3)                            # "prije 3 dana"
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.text import fold

LOCALES = Path(__file__).with_name("locales")
ENGLISH = "en"
# A word starts where no letter (nor a mark of an Indic script) precedes it. Python's \b treats
# Tamil vowel signs as non-word characters and would cut words in the middle.
LETTER = r"\w\u0900-\u0dff"
START = rf"(?<![{LETTER}])"
END = rf"(?![{LETTER}])"


def words_pattern(words: list[str], *, whole_words: bool = True) -> re.Pattern[str] | None:
    """One pattern matching any of ``words`` (folded), longest first; None for no words."""
    if not words:
        return None
    alternatives = "|".join(re.escape(fold(w)) for w in sorted(set(words), key=len, reverse=True))
    return re.compile(f"{START}(?:{alternatives}){END if whole_words else ''}")


def plural_category(language: str, n: int) -> str:
    """The CLDR plural category of ``n`` for the forms a locale's ``days_ago`` offers."""
    if language in ("hr", "bs", "sr", "ru", "uk"):
        if n % 10 == 1 and n % 100 != 11:
            return "one"
        if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
            return "few"
        return "other"
    return "one" if n == 1 else "other"


class LocaleError(ValueError):
    """A locale file is incomplete or malformed; the message names the file and the key."""


@dataclass(frozen=True)
class Locale:
    """One language's triage vocabulary, compiled."""

    code: str
    data: dict[str, Any]
    agglutinative: bool
    yes: re.Pattern[str] | None
    no: re.Pattern[str] | None
    categories: tuple[tuple[re.Pattern[str], str], ...]

    def says_yes(self, text: str) -> bool | None:
        """True for a yes, False for a no, None when it is neither or both ("yes and no"),
        unless the answer leads with one and a comma: "Yes, it didn't help" is a yes."""
        folded = fold(text).strip()
        yes = self.yes.search(folded) if self.yes else None
        no = self.no.search(folded) if self.no else None
        if yes and no:
            first = min(yes, no, key=lambda m: m.start())
            if first.start() == 0 and folded[first.end() : first.end() + 1] in (",", ".", "!"):
                return first is yes
            return None
        return True if yes else False if no else None

    def category(self, text: str) -> str | None:
        folded = fold(text)
        for pattern, category in self.categories:
            if pattern.search(folded):
                return category
        return None

    def when(self, days: int) -> str:
        """How to say when the order was placed ("3 days ago")."""
        when = self.data["when"]
        if days == 0:
            return str(when["today"])
        if days == 1:
            return str(when["yesterday"])
        forms = when["days_ago"]
        form = forms.get(plural_category(self.code, days)) or forms["other"]
        return str(form).format(n=days)

    def recap_text(self, key: str, **values: object) -> str:
        return str(self.data["recap"][key]).format(**values)


def _as_words(path: Path, key: str, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(w, (str, int)) for w in value):
        raise LocaleError(f"{path.name}: '{key}' must be a list of words (quote yes/no/on/off)")
    return [str(w) for w in value]


def _load(code: str) -> Locale:
    path = LOCALES / f"{code}.yml"
    import yaml  # actions run in Rasa's environment, which has PyYAML

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise LocaleError(f"{path.name}: must be a mapping")
    # YAML 1.1 reads a bare `yes:` / `no:` key as a boolean.
    booleans: dict[Any, str] = {True: "yes", False: "no"}
    data = {booleans.get(k, k): v for k, v in data.items()}
    for key in ("yes", "no", "dates", "when", "categories", "recap"):
        if key not in data:
            raise LocaleError(f"{path.name}: missing '{key}'")
    whole = not data.get("agglutinative", False)
    categories = []
    for category, fragments in data["categories"].items():
        for fragment in _as_words(path, f"categories.{category}", fragments):
            categories.append((re.compile(fold(fragment)), str(category)))
    return Locale(
        code=code,
        data=data,
        agglutinative=not whole,
        yes=words_pattern(_as_words(path, "yes", data["yes"]), whole_words=whole),
        no=words_pattern(_as_words(path, "no", data["no"]), whole_words=whole),
        categories=tuple(categories),
    )


@lru_cache(maxsize=32)
def locale_for(code: str | None) -> Locale:
    """The locale of ``code`` (an ISO 639-1 code); English when there is no file for it."""
    code = (code or ENGLISH).lower()
    if not re.fullmatch(r"[a-z]{2}", code) or not (LOCALES / f"{code}.yml").exists():
        code = ENGLISH
    return _load(code)


def served_locales() -> list[str]:
    """The codes that have a locale file."""
    return sorted(p.stem for p in LOCALES.glob("*.yml"))
