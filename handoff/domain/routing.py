"""Which agents a queued conversation goes to first (pure logic).

A conversation in another language, or whose triage names a skill (``summary.skill``, which the
bot derives from the problem's category), goes first to agents who have that language and skill.
Related languages count as one (contract/languages.yml): an agent who lists ``hr`` speaks
Bosnian and Serbian too.
If one of them is online it is theirs alone for ``TANDEM_ROUTING_WAIT`` seconds
(``exclusive_until``); after that, or when nobody with the match is online at handoff time, any
agent may take it.

Example::

    need = need_for(language="de", summary={"skill": "billing"})
    agent = AgentProfile("a_1", languages=frozenset({"en", "de"}), skills=frozenset({"billing"}))
    matches(agent, need)                                      # True
    eligible(agent, need, exclusive_until=100.0, now=50.0)   # True: a specialist
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from handoff.config.languages import shared_languages


@dataclass(frozen=True)
class AgentProfile:
    """What routing needs to know about an agent."""

    agent_id: str
    languages: frozenset[str]
    skills: frozenset[str]
    capacity: int = 3
    load: int = 0

    @property
    def has_room(self) -> bool:
        return self.load < self.capacity


@dataclass(frozen=True)
class Need:
    """What a conversation asks of the agent who takes it."""

    language: str
    skill: str = ""


def need_for(*, language: str, summary: Mapping[str, object]) -> Need:
    """The language (ISO 639-1, lower case) and the skill the triage summary names."""
    named = summary.get("skill")
    skill = named.strip().lower() if isinstance(named, str) else ""
    return Need(language=language.strip().lower(), skill=skill[:64])


def speaks(agent: AgentProfile, language: str) -> bool:
    """Does the agent speak ``language``, or a language of its group (hr/bs/sr, ms/id, …)?"""
    if not language:
        return True
    return bool(shared_languages().group_of(language) & agent.languages)


def matches(agent: AgentProfile, need: Need) -> bool:
    if not speaks(agent, need.language):
        return False
    return not need.skill or need.skill in agent.skills


def exclusive_until(
    need: Need, online: Iterable[AgentProfile], queued_at: float, routing_wait: float
) -> float:
    """Until when only matching agents may claim; ``queued_at`` when nobody matching is online."""
    if any(matches(agent, need) for agent in online):
        return queued_at + routing_wait
    return queued_at


def eligible(agent: AgentProfile, need: Need, *, exclusive_until: float, now: float) -> bool:
    """May ``agent`` claim a conversation with ``need`` at ``now``?"""
    return now >= exclusive_until or matches(agent, need)
