"""The shipped YAML files writers edit load, and the texts follow the conversation's language."""

from pathlib import Path

import pytest

from handoff.config.canned import load_canned
from handoff.config.hours import BusinessHours
from handoff.config.settings import DEFAULT_CANNED
from handoff.config.texts import SystemTexts


def test_shipped_yaml_files_load() -> None:
    canned = load_canned(DEFAULT_CANNED)
    assert len({c["id"] for c in canned}) == len(canned) >= 3
    texts = SystemTexts.load()
    assert texts.render("agent_joined", "de", agent="Ana") == "Ana ist dem Gespräch beigetreten."
    assert texts.render("agent_joined", "xx", agent="Ana") == "Ana joined the conversation."
    for language, messages in texts.catalog.items():
        plural_forms = {k for k in messages if k.endswith(("_few", "_many"))}
        assert set(messages) - plural_forms <= set(texts.catalog["en"]), language


def test_every_language_the_bot_serves_has_every_sentence() -> None:
    texts = SystemTexts.load()
    for language in ("tl", "ms", "ru", "ta", "hr", "de", "es"):
        missing = set(texts.catalog["en"]) - set(texts.catalog[language])
        assert not missing, f"system_messages.yml: {language} lacks {sorted(missing)}"


def test_the_wait_is_worded_in_the_customers_language_with_its_plurals() -> None:
    texts = SystemTexts.load()
    assert texts.describe_wait(20, "en") == "under a minute"
    assert texts.describe_wait(190, "en") == "about 3 minutes"
    assert texts.describe_wait(60, "en") == "about 1 minute"
    assert texts.describe_wait(190, "hr") == "oko 3 minute"
    assert texts.describe_wait(300, "hr") == "oko 5 minuta"
    assert texts.describe_wait(1260, "ru") == "около 21 минуты"
    assert texts.describe_wait(300, "ru") == "около 5 минут"
    assert texts.describe_wait(300, "xx") == "about 5 minutes"
    assert texts.describe_wait(-1, "en") == "taking longer than usual"
    assert texts.describe_wait(-1, "de") == "dauert länger als sonst"
    queued = texts.render("queued", "ta", position=2, wait=texts.describe_wait(20, "ta"))
    assert "ஒரு நிமிடத்திற்குள்" in queued


def test_a_catalog_needs_english(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'en'"):
        SystemTexts({"de": {"closed": "Geschlossen"}})
    path = tmp_path / "texts.yml"
    path.write_text("- not a mapping\n")
    with pytest.raises(ValueError, match="must map languages"):
        SystemTexts.load(path)


def test_business_hours_name_the_days_in_the_customers_language() -> None:
    texts = SystemTexts.load()
    hours = BusinessHours.parse("mon-fri 09:00-17:00", "Europe/Moscow")
    assert texts.describe_hours(hours, "ru") == "пн–пт 09:00–17:00 (Europe/Moscow)"
    assert texts.describe_hours(hours, "ta").startswith("திங்கள்–வெள்ளி")
    assert texts.describe_hours(hours, "xx") == "Mon–Fri 09:00–17:00 (Europe/Moscow)"
    for language, messages in texts.catalog.items():
        assert len(messages["weekdays"].split()) == 7, f"system_messages.yml: {language} weekdays"
