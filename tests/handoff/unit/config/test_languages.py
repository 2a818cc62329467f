"""The language contract as the service reads it (contract/languages.yml)."""

from pathlib import Path

import pytest

from handoff.config.languages import load_languages, shared_languages
from handoff.domain.routing import AgentProfile, Need, matches, speaks


def test_groups_names_and_served_languages() -> None:
    languages = shared_languages()
    assert {"en", "tl", "ms", "ru", "ta", "hr"} <= languages.served
    assert languages.group_of("bs") == frozenset({"hr", "bs", "sr"})
    assert languages.group_of("ID") == frozenset({"ms", "id"})
    assert languages.group_of("sw") == frozenset({"sw"})
    assert languages.group_of("") == frozenset()
    assert languages.name("hr") == "Croatian" and languages.name("zz") == "ZZ"


def test_an_agent_speaks_every_language_of_a_group_they_list() -> None:
    ivana = AgentProfile("a_1", languages=frozenset({"en", "hr"}), skills=frozenset())
    assert speaks(ivana, "sr") and speaks(ivana, "hr") and speaks(ivana, "")
    assert not speaks(ivana, "sl")  # Slovenian is a neighbour, not the same language
    assert matches(ivana, Need(language="bs")) and not matches(ivana, Need(language="sk"))


def test_a_malformed_contract_says_so(tmp_path: Path) -> None:
    bad = tmp_path / "languages.yml"
    bad.write_text("groups: []\n")
    with pytest.raises(ValueError, match="served"):
        load_languages(bad)
