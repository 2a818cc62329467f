"""Typed settings from TANDEM_* variables."""

import pytest

from handoff.config.settings import DEV_SECRET, Settings, SettingsError, dev_mode_warnings


def test_defaults() -> None:
    settings = Settings.from_env({"TANDEM_SECRET": "x" * 32})
    assert settings.host == "127.0.0.1" and settings.port == 8000
    assert settings.rasa_url == "http://127.0.0.1:5005" and settings.max_message_chars == 4000
    assert settings.cors_origins is None  # same origin only
    assert settings.rasa_redis_url == ""  # Rasa's stores on the service's Redis


def test_rasa_may_keep_its_stores_on_a_redis_of_its_own() -> None:
    env = {"TANDEM_SECRET": "x" * 32, "TANDEM_RASA_REDIS_URL": " redis://10.0.0.9:6379/2 "}
    assert Settings.from_env(env).rasa_redis_url == "redis://10.0.0.9:6379/2"


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
        ("TANDEM_TRUSTED_PROXIES", "10.0.0.0/8, the-load-balancer"),
        ("TANDEM_SOCKETS_PER_ADDRESS", "0"),
        ("TANDEM_AGENT_GRACE_SECONDS", "-5"),
        ("TANDEM_REDIS_WAIT_REPLICAS", "-1"),
        ("TANDEM_REDIS_WAIT_TIMEOUT_MS", "0"),  # WAIT 0 blocks for ever
        ("TANDEM_RASA_REDIS_URL", "redis+sentinel://10.0.0.1:26379/0/bot"),  # Rasa cannot
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


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "shop.example.com", "[::]"])
def test_dev_mode_refuses_to_listen_beyond_loopback(host: str) -> None:
    with pytest.raises(SettingsError, match="TANDEM_HOST"):
        Settings.from_env({"TANDEM_DEV": "1", "TANDEM_HOST": host})
    # Outside dev mode any address is the operator's choice.
    assert Settings.from_env({"TANDEM_SECRET": "x" * 32, "TANDEM_HOST": host}).host == host


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_dev_mode_on_loopback(host: str) -> None:
    assert Settings.from_env({"TANDEM_DEV": "1", "TANDEM_HOST": host}).host == host


def test_dev_mode_says_what_it_gives_up() -> None:
    warnings = dev_mode_warnings(
        Settings.from_env({"TANDEM_DEV": "1", "TANDEM_DEMO_AGENT": "demo:demo-password"})
    )
    assert warnings[0].startswith("DEVELOPER MODE")
    assert any("TANDEM_SECRET" in w for w in warnings)
    assert any("TANDEM_ALLOWED_ORIGINS" in w for w in warnings)
    assert any("TANDEM_DEMO_AGENT" in w for w in warnings)
    safer = dev_mode_warnings(
        Settings.from_env(
            {
                "TANDEM_DEV": "1",
                "TANDEM_SECRET": "x" * 32,
                "TANDEM_ALLOWED_ORIGINS": "https://a.example",
            }
        )
    )
    assert len(safer) == 1


def test_flood_limits_and_trusted_proxies() -> None:
    settings = Settings.from_env(
        {"TANDEM_SECRET": "x" * 32, "TANDEM_TRUSTED_PROXIES": "10.1.2.3/8, 192.0.2.7, fd00::/8"}
    )
    assert settings.trusted_proxies == ("10.0.0.0/8", "192.0.2.7/32", "fd00::/8")
    defaults = Settings.from_env({"TANDEM_SECRET": "x" * 32})
    assert defaults.trusted_proxies == () and defaults.agent_grace_seconds == 60.0
    assert defaults.sockets_per_address == 200 and defaults.session_burst == 100
    assert defaults.agent_sockets_per_address == 1000
    assert (defaults.inbox_max_items, defaults.inbox_days) == (5000, 90)
    assert (defaults.address_message_burst, defaults.address_messages_per_second) == (100, 20.0)
    tight = Settings.from_env(
        {
            "TANDEM_SECRET": "x" * 32,
            "TANDEM_AGENT_SOCKETS_PER_ADDRESS": "50",
            "TANDEM_ADDRESS_MESSAGE_BURST": "5",
            "TANDEM_ADDRESS_MESSAGES_PER_SECOND": "0.5",
            "TANDEM_INBOX_MAX_ITEMS": "10",
            "TANDEM_INBOX_DAYS": "7",
        }
    )
    assert (tight.inbox_max_items, tight.inbox_days) == (10, 7)
    assert tight.agent_sockets_per_address == 50
    assert (tight.address_message_burst, tight.address_messages_per_second) == (5, 0.5)


def test_appends_wait_for_replicas_only_when_asked() -> None:
    defaults = Settings.from_env({"TANDEM_SECRET": "x" * 32})
    assert (defaults.redis_wait_replicas, defaults.redis_wait_timeout_ms) == (0, 1000)
    settings = Settings.from_env(
        {
            "TANDEM_SECRET": "x" * 32,
            "TANDEM_REDIS_WAIT_REPLICAS": "1",
            "TANDEM_REDIS_WAIT_TIMEOUT_MS": "250",
        }
    )
    assert (settings.redis_wait_replicas, settings.redis_wait_timeout_ms) == (1, 250)


def test_several_rasa_instances_are_a_comma_separated_list() -> None:
    settings = Settings.from_env(
        {
            "TANDEM_SECRET": "x" * 32,
            "TANDEM_RASA_URL": "http://127.0.0.1:5005/, http://127.0.0.1:5006",
            "TANDEM_RASA_HEALTH_INTERVAL": "0.5",
        }
    )
    assert settings.rasa_urls == ("http://127.0.0.1:5005", "http://127.0.0.1:5006")
    assert settings.rasa_url == "http://127.0.0.1:5005" and settings.rasa_health_interval == 0.5
    assert Settings.from_env({"TANDEM_SECRET": "x" * 32}).rasa_urls == ("http://127.0.0.1:5005",)
    for bad in ("http://a:1,http://a:1/", "http://a:1,tcp://b:2"):
        with pytest.raises(SettingsError, match="TANDEM_RASA_URL"):
            Settings.from_env({"TANDEM_SECRET": "x" * 32, "TANDEM_RASA_URL": bad})


def test_email_in_and_follow_up_settings() -> None:
    plain = Settings.from_env({"TANDEM_SECRET": "x" * 32})
    assert plain.inbound_smtp_port == 0  # no listener unless asked for
    assert (plain.inbound_smtp_host, plain.inbound_max_bytes) == ("127.0.0.1", 256 * 1024)
    assert plain.followup_hours == 24.0 and plain.mail_reply_domain == ""
    # Developer mode listens by default, so the loop can be tried on one machine; 0 turns it off.
    assert Settings.from_env({"TANDEM_DEV": "1"}).inbound_smtp_port == 2526
    assert (
        Settings.from_env({"TANDEM_DEV": "1", "TANDEM_INBOUND_SMTP_PORT": "0"}).inbound_smtp_port
        == 0
    )
    tuned = Settings.from_env(
        {
            "TANDEM_SECRET": "x" * 32,
            "TANDEM_INBOUND_SMTP_PORT": "2626",
            "TANDEM_MAIL_REPLY_DOMAIN": "Reply.Example.org",
            "TANDEM_FOLLOWUP_HOURS": "0",
        }
    )
    assert tuned.inbound_smtp_port == 2626 and tuned.mail_reply_domain == "reply.example.org"
    assert tuned.followup_hours == 0.0
    with pytest.raises(SettingsError, match="TANDEM_INBOUND_MAX_BYTES"):
        Settings.from_env({"TANDEM_SECRET": "x" * 32, "TANDEM_INBOUND_MAX_BYTES": "10"})
