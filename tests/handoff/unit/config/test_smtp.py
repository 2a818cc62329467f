"""TANDEM_SMTP_URL: the three forms, percent-encoded logins, and errors that hide the password."""

import pytest

from handoff.config.settings import Settings, SettingsError
from handoff.config.smtp import SmtpTarget


def test_the_three_forms() -> None:
    assert SmtpTarget.parse("smtp://127.0.0.1:2525") == SmtpTarget("127.0.0.1", 2525, "none")
    submission = SmtpTarget.parse("smtp+starttls://bot%40shop.example:p%3Ass@mail.shop.example")
    assert submission == SmtpTarget(
        "mail.shop.example", 587, "starttls", "bot@shop.example", "p:ss"
    )
    assert SmtpTarget.parse("smtps://u:p@mail.example").port == 465
    assert SmtpTarget.parse("smtps://u:p@mail.example").tls == "implicit"


def test_the_safe_url_never_shows_the_password() -> None:
    target = SmtpTarget.parse("smtp+starttls://bot%40shop.example:s3cret@mail.shop.example:587")
    assert target.safe_url == "smtp+starttls://bot%40shop.example:***@mail.shop.example:587"
    assert "s3cret" not in target.safe_url


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("http://mail.example", "scheme"),
        ("smtp://", "no host"),
        ("smtp://mail.example:99999", "port"),
        ("smtp://mail.example/inbox", "path"),
        ("smtp://:secret@mail.example", "password without a user"),
    ],
)
def test_bad_urls_are_refused(url: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        SmtpTarget.parse(url)


def test_settings_read_the_mail_variables() -> None:
    settings = Settings.from_env(
        {
            "TANDEM_SECRET": "x" * 20,
            "TANDEM_SMTP_URL": "smtps://u:topsecret@mail.example",
            "TANDEM_MAIL_FROM": "Shop <help@shop.example>",
            "TANDEM_MAIL_AWAY_SECONDS": "300",
            "TANDEM_MAIL_BATCH_SECONDS": "5",
            "TANDEM_PUBLIC_URL": "https://help.shop.example/",
        }
    )
    assert settings.mail_enabled and settings.smtp is not None
    assert settings.reply_domain == "shop.example"  # from TANDEM_MAIL_FROM
    assert settings.mail_away_seconds == 300 and settings.mail_batch_seconds == 5
    assert settings.public_url == "https://help.shop.example"
    off = Settings.from_env({"TANDEM_SECRET": "x" * 20})
    assert not off.mail_enabled and off.smtp is None


@pytest.mark.parametrize(
    ("env", "error"),
    [
        ({"TANDEM_MAIL_BATCH_SECONDS": "11"}, "TANDEM_MAIL_BATCH_SECONDS must be <= 10"),
        ({"TANDEM_SMTP_URL": "smtp://u:topsecret@"}, "TANDEM_SMTP_URL: no host"),
        ({"TANDEM_MAIL_FROM": "help@shop.example\r\nBcc: x@evil.example"}, "TANDEM_MAIL_FROM"),
        ({"TANDEM_MAIL_REPLY_DOMAIN": "reply shop"}, "TANDEM_MAIL_REPLY_DOMAIN"),
        ({"TANDEM_PUBLIC_URL": "shop.example"}, "TANDEM_PUBLIC_URL"),
        ({"TANDEM_DEV_MAIL_PORT": "2525"}, "developer mode only"),
    ],
)
def test_bad_mail_settings_name_the_variable(env: dict[str, str], error: str) -> None:
    with pytest.raises(SettingsError, match=error) as caught:
        Settings.from_env({"TANDEM_SECRET": "x" * 20, **env})
    assert "topsecret" not in str(caught.value)
