"""Every string a client sends must be text: no lone surrogates, no control characters."""

from __future__ import annotations

import pytest

from handoff.protocol.validate import text_problems


@pytest.mark.parametrize(
    "text",
    [
        "plain",
        "tabs\tand\nnew lines\r\n",
        "Ćao, kako ste? Здравствуйте வணக்கம்",
        "emoji 👩‍👩‍👧 with joiners, and a right-to-left mark \u200f שלום",
        "\ufeff a byte-order mark is a character like any other",
    ],
)
def test_text_people_write_passes(text: str) -> None:
    assert text_problems({"message": text, "metadata": {"k": [text]}}) == []


@pytest.mark.parametrize(
    ("text", "char"),
    [
        ("\ud800", "U+D800"),
        ("lone low \udfff surrogate", "U+DFFF"),
        ("nul \x00 byte", "U+0000"),
        ("escape \x1b[31m red", "U+001B"),
        ("delete \x7f", "U+007F"),
        ("c1 \x85 next line", "U+0085"),
    ],
)
def test_what_is_not_text_is_named_with_where_it_is(text: str, char: str) -> None:
    assert text_problems({"message": text}) == [f"payload.message: holds {char}, which is not text"]


def test_every_string_is_checked_keys_and_nesting_included() -> None:
    payload = {
        "message": "fine",
        "metadata": {"customData": {"tags": ["ok", "bad\ud800"]}, "key\x00": "value"},
    }
    assert text_problems(payload) == [
        "payload.metadata.customData.tags[1]: holds U+D800, which is not text",
        "payload.metadata.key? (the key): holds U+0000, which is not text",
    ]


def test_non_strings_are_left_to_the_type_check() -> None:
    assert text_problems({"rating": 5, "typing": True, "x": None, "y": 1.5}) == []
    assert text_problems("\ud800", path="payload") == ["payload: holds U+D800, which is not text"]
