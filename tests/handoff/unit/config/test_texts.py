"""The shipped YAML files writers edit load, and the texts follow the conversation's language."""

from pathlib import Path

import pytest

from handoff.config.canned import load_canned
from handoff.config.settings import DEFAULT_CANNED
from handoff.config.texts import SystemTexts


def test_shipped_yaml_files_load() -> None:
    canned = load_canned(DEFAULT_CANNED)
    assert len({c["id"] for c in canned}) == len(canned) >= 3
    texts = SystemTexts.load()
    assert texts.render("agent_joined", "de", agent="Ana") == "Ana ist dem Gespräch beigetreten."
    assert texts.render("agent_joined", "xx", agent="Ana") == "Ana joined the conversation."
    for language, messages in texts.catalog.items():
        assert set(messages) <= set(texts.catalog["en"]), language


def test_a_catalog_needs_english(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'en'"):
        SystemTexts({"de": {"closed": "Geschlossen"}})
    path = tmp_path / "texts.yml"
    path.write_text("- not a mapping\n")
    with pytest.raises(ValueError, match="must map languages"):
        SystemTexts.load(path)
