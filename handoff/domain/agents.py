"""Agent accounts as the service sees them, and the rules for their names, languages, skills.

Example::

    record = AgentRecord.from_hash({"id": "a_…", "username": "ana", "languages": '["en"]'})
    record.profile(load=2)            # what routing needs
    clean_languages(["EN", " de "])   # ["de", "en"]
    clean_roles(["writer"])           # ["writer"]; record.can_write for the workbench
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from handoff.domain.routing import AgentProfile

USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,31}$")
LANGUAGE = re.compile(r"^[a-z]{2,3}$")
SKILL = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
# What an agent may do besides answering customers: ``writer`` edits the bot's training data in
# the workbench, ``admin`` may do everything a writer may, manage agents and answer privacy
# requests (``docs/console.md``, "Administration").
ROLES = ("admin", "writer")  # sorted, as clean_roles keeps them
WRITER_ROLES = frozenset(ROLES)


def is_available(*, disabled: bool, status: str) -> bool:
    """Whether an agent with a live console (presence says who has one) can take work now:
    enabled and not set to away. The one definition of "available agent"."""
    return not disabled and status == "online"


class AgentError(ValueError):
    """A CLI/login input that cannot be applied; the message says why."""


@dataclass(frozen=True)
class AgentRecord:
    id: str
    username: str
    name: str
    password_hash: str
    languages: tuple[str, ...]
    skills: tuple[str, ...]
    capacity: int
    disabled: bool
    token_gen: int
    status: str
    created_at: float
    roles: tuple[str, ...] = ()

    @classmethod
    def from_hash(cls, data: Mapping[str, str]) -> AgentRecord:
        return cls(
            id=data["id"],
            username=data["username"],
            name=data.get("name") or data["username"],
            password_hash=data.get("password_hash", ""),
            languages=tuple(json.loads(data.get("languages", "[]"))),
            skills=tuple(json.loads(data.get("skills", "[]"))),
            capacity=int(data.get("capacity", "3")),
            disabled=data.get("disabled") == "1",
            token_gen=int(data.get("token_gen", "1")),
            status=data.get("status") or "online",
            created_at=float(data.get("created_at", "0")),
            roles=tuple(json.loads(data.get("roles") or "[]")),
        )

    @property
    def available(self) -> bool:
        """Enabled and not away (see :func:`is_available`)."""
        return is_available(disabled=self.disabled, status=self.status)

    @property
    def is_admin(self) -> bool:
        """May manage agents and answer privacy requests (``services/admin.py``)."""
        return "admin" in self.roles

    @property
    def can_write(self) -> bool:
        """May use the writers' workbench (``docs/workbench.md``)."""
        return bool(WRITER_ROLES.intersection(self.roles))

    def profile(self, load: int = 0) -> AgentProfile:
        return AgentProfile(
            self.id, frozenset(self.languages), frozenset(self.skills), self.capacity, load
        )


def clean_capacity(value: object) -> int:
    """A whole number of conversations at once, 1 to 50."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 50:
        raise AgentError("capacity must be 1 to 50")
    return value


def clean_name(value: str, username: str) -> str:
    """Shown to customers: at most 80 characters, the username when empty."""
    return value.strip()[:80] or username


def clean_languages(values: Iterable[str]) -> list[str]:
    result = sorted({v.strip().lower() for v in values if v.strip()})
    bad = [v for v in result if not LANGUAGE.match(v)]
    if bad:
        raise AgentError(f"languages must be ISO 639-1 codes such as en, de: {', '.join(bad)}")
    return result


def clean_skills(values: Iterable[str]) -> list[str]:
    result = sorted({v.strip().lower() for v in values if v.strip()})
    bad = [v for v in result if not SKILL.match(v)]
    if bad:
        raise AgentError(f"skills must be lower-case words (a-z 0-9 _ -): {', '.join(bad)}")
    return result


def clean_roles(values: Iterable[str]) -> list[str]:
    result = sorted({v.strip().lower() for v in values if v.strip()})
    bad = [v for v in result if v not in ROLES]
    if bad:
        raise AgentError(f"roles are {', '.join(ROLES)}: not {', '.join(bad)}")
    return result
