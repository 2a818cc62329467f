"""Agent accounts: defaults of a stored record, availability, and the rules for profiles."""

import pytest

from handoff.domain.agents import (
    AgentError,
    AgentRecord,
    clean_languages,
    clean_skills,
    is_available,
)


def test_a_sparse_record_gets_defaults() -> None:
    record = AgentRecord.from_hash({"id": "a_1", "username": "ana"})
    assert record.name == "ana" and record.capacity == 3 and record.token_gen == 1
    assert record.status == "online" and not record.disabled and record.available
    profile = record.profile(load=2)
    assert profile.agent_id == "a_1" and profile.has_room and profile.load == 2


def test_available_means_enabled_and_not_away() -> None:
    assert is_available(disabled=False, status="online")
    assert not is_available(disabled=True, status="online")
    assert not is_available(disabled=False, status="away")
    away = AgentRecord.from_hash({"id": "a_1", "username": "ana", "status": "away"})
    assert not away.available


def test_languages_and_skills_are_cleaned_or_refused() -> None:
    assert clean_languages([" EN", "de", "en", ""]) == ["de", "en"]
    assert clean_skills(["Billing ", "orders"]) == ["billing", "orders"]
    with pytest.raises(AgentError, match="ISO 639-1"):
        clean_languages(["english"])
    with pytest.raises(AgentError, match="lower-case"):
        clean_skills(["two words"])
