from datetime import UTC, datetime

import pytest

from handoff.config.hours import BusinessHours
from handoff.config.settings import DEV_SECRET, Settings, SettingsError


def test_defaults() -> None:
    settings = Settings.from_env({"TANDEM_SECRET": "x" * 32})
    assert settings.host == "127.0.0.1" and settings.port == 8000
    assert settings.rasa_url == "http://127.0.0.1:5005" and settings.max_message_chars == 4000
    assert settings.cors_origins is None  # same origin only


def test_secret_is_required_outside_dev_mode() -> None:
    with pytest.raises(SettingsError, match="TANDEM_SECRET"):
        Settings.from_env({})
    dev = Settings.from_env({"TANDEM_DEV": "1"})
    assert dev.secret == DEV_SECRET and dev.cors_origins == "*"
    with pytest.raises(SettingsError):
        Settings.from_env({"TANDEM_SECRET": "short"})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TANDEM_PORT", "eighty"),
        ("TANDEM_PORT", "70000"),
        ("TANDEM_DEV", "maybe"),
        ("TANDEM_RASA_TIMEOUT", "-1"),
        ("TANDEM_LOG_LEVEL", "loud"),
        ("TANDEM_BUSINESS_HOURS", "mon 9-5"),
        ("TANDEM_TIMEZONE", "Mars/Base"),
    ],
)
def test_bad_values_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name.split("_", 1)[1][:8]):
        Settings.from_env({"TANDEM_SECRET": "x" * 32, name: value})


def test_origins_list() -> None:
    settings = Settings.from_env(
        {
            "TANDEM_SECRET": "x" * 32,
            "TANDEM_ALLOWED_ORIGINS": "https://a.example/, https://b.example",
        }
    )
    assert settings.cors_origins == ["https://a.example", "https://b.example"]


def test_business_hours() -> None:
    hours = BusinessHours.parse("mon-fri 09:00-17:30; sat 10:00-14:00", "Europe/Berlin")
    monday_morning = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)  # 09:30 in Berlin
    assert hours.is_open(monday_morning)
    assert not hours.is_open(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))  # 18:00 in Berlin
    assert not hours.is_open(datetime(2026, 11, 29, 12, 0, tzinfo=UTC))  # Sunday
    assert BusinessHours.always_open().is_open(monday_morning)
    assert BusinessHours.parse("sun 00:00-24:00").is_open(
        datetime(2026, 11, 29, 23, 59, tzinfo=UTC)
    )
    for bad in ("funday 09:00-10:00", "mon 10:00-09:00", "fri-mon 09:00-10:00", "mon"):
        with pytest.raises(ValueError):
            BusinessHours.parse(bad)
