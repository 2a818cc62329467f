"""Comparing presented secrets: equal or not, never an exception."""

import pytest

from handoff.security.compare import same_secret


def test_equal_and_unequal() -> None:
    assert same_secret("s3cret-token", "s3cret-token")
    assert not same_secret("s3cret-tokeN", "s3cret-token")
    assert not same_secret("", "s3cret-token")
    assert same_secret("", "")


@pytest.mark.parametrize("given", ["s3cret-tokén", "\ud800", "токен", "s3cret-token\u0000é"])
def test_non_ascii_is_unequal_not_an_error(given: str) -> None:
    # hmac.compare_digest("é", "e") raises TypeError: this is what hung /agent connects.
    assert not same_secret(given, "s3cret-token")


def test_non_ascii_secrets_still_match_themselves() -> None:
    assert same_secret("pässwörd-\ud800", "pässwörd-\ud800")


@pytest.mark.parametrize("given", [None, 42, b"s3cret-token", ["s3cret-token"]])
def test_anything_but_text_is_unequal(given: object) -> None:
    assert not same_secret(given, "s3cret-token")
