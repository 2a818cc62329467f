"""The languages the bot serves, the groups one person can serve together, and their names.

Read from ``contract/languages.yml`` at the repository root, the file the bot reads too
(``bot/languages.py``), so routing and the bot agree on what "speaks Croatian" covers.

Example::

    languages = shared_languages()
    languages.group_of("bs")       # frozenset({"hr", "bs", "sr"})
    languages.name("sw")           # "Swahili"
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

CONTRACT = Path(__file__).resolve().parents[2] / "contract" / "languages.yml"


@dataclass(frozen=True)
class Languages:
    """Served languages, groups of related languages, English names (ISO 639-1 codes)."""

    served: frozenset[str]
    groups: tuple[frozenset[str], ...]
    names: dict[str, str]

    def group_of(self, code: str) -> frozenset[str]:
        """The languages a speaker of ``code`` serves: its group, or itself alone."""
        code = code.strip().lower()
        for group in self.groups:
            if code in group:
                return group
        return frozenset({code}) if code else frozenset()

    def name(self, code: str) -> str:
        return self.names.get(code, code.upper())


def load_languages(path: Path = CONTRACT) -> Languages:
    """The contract; raises ``ValueError`` naming what is malformed."""
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, dict) or not isinstance(data.get("served"), list):
        raise ValueError(f"{path}: expected a mapping with a 'served' list")
    groups = tuple(frozenset(str(c) for c in group) for group in data.get("groups") or [])
    names = {str(code): str(name) for code, name in (data.get("names") or {}).items()}
    return Languages(frozenset(str(c) for c in data["served"]), groups, names)


@lru_cache(maxsize=1)
def shared_languages() -> Languages:
    """The contract, read once per process."""
    return load_languages()
