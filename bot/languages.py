"""Which languages the bot serves and which are one group, from ``contract/languages.yml``.

Pure: no Rasa, no lingua. The language identifier, the handoff guard and the content checks
all ask this one place.

Example::

    languages = served_languages()
    languages.answer_in("bs")    # "hr": Bosnian customers get the Croatian answers
    languages.serves("bs")       # True
    languages.serves("sk")       # False: handed to a person who speaks Slovak (or Czech)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

CONTRACT = Path(__file__).resolve().parent.parent / "contract" / "languages.yml"
ENGLISH = "en"


@dataclass(frozen=True)
class Languages:
    """The served languages (English first) and the groups of related languages."""

    served: tuple[str, ...]
    groups: tuple[tuple[str, ...], ...]
    names: dict[str, str] = field(default_factory=dict)

    def name(self, code: str) -> str:
        """The language's English name ("Croatian"); the code in capitals when unknown."""
        return self.names.get(code, code.upper())

    def group_of(self, code: str) -> tuple[str, ...]:
        """The group ``code`` belongs to (itself alone when it is in none)."""
        for group in self.groups:
            if code in group:
                return group
        return (code,)

    def answer_in(self, code: str) -> str:
        """The language to answer ``code`` in: itself, or the served member of its group."""
        if code in self.served:
            return code
        for member in self.group_of(code):
            if member in self.served:
                return member
        return code

    def serves(self, code: str) -> bool:
        return self.answer_in(code) in self.served


def load(path: Path = CONTRACT) -> Languages:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    served = tuple(str(code) for code in data["served"])
    if ENGLISH not in served:
        raise ValueError(f"{path.name}: 'served' must include '{ENGLISH}'")
    groups = tuple(tuple(str(code) for code in group) for group in data.get("groups") or [])
    seen: set[str] = set()
    for group in groups:
        if seen & set(group):
            raise ValueError(f"{path.name}: {sorted(seen & set(group))} in two groups")
        seen |= set(group)
    names = {str(code): str(name) for code, name in (data.get("names") or {}).items()}
    return Languages(served=served, groups=groups, names=names)


@lru_cache(maxsize=1)
def served_languages() -> Languages:
    """The contract, read once per process."""
    return load()
