"""The customer namespace's parsers refuse bad input with a clear code, never an exception."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.protocol import customer as c
from handoff.protocol.errors import ErrorCode, ProtocolError


def code_of(parse: Any, *args: Any) -> str:
    with pytest.raises(ProtocolError) as refused:
        parse(*args)
    return refused.value.code.value


@pytest.mark.parametrize("seq", [-1, 2**53, 2**64, 10**40])
def test_a_seq_out_of_range_is_a_bad_request(seq: int) -> None:
    assert code_of(c.parse_sync, {"after_seq": seq}) == ErrorCode.BAD_REQUEST
    assert code_of(c.parse_session_request, {"session_id": None, "last_seq": seq}) == (
        ErrorCode.BAD_REQUEST
    )


def test_seqs_in_range_pass() -> None:
    assert c.parse_sync({"after_seq": c.MAX_SEQ}) == c.MAX_SEQ
    assert c.parse_session_request({"last_seq": 0}) == (None, 0)


@pytest.mark.parametrize(
    "payload",
    [
        {"message": "hi \ud800"},
        {"message": "hi", "metadata": {"page": "\ud800"}},
        {"message": "hi", "customData": '{"page": "\\ud800"}'},
        {"message": "hi", "metadata": '{"nul": "\\u0000"}'},
        {"message": "hi", "session_id": "\x00"},
    ],
)
def test_text_that_is_not_text_is_invalid_text_wherever_it_is(payload: dict[str, Any]) -> None:
    assert code_of(c.parse_user_uttered, payload, 4000) == ErrorCode.INVALID_TEXT


def test_the_other_customer_texts_are_checked_too() -> None:
    assert code_of(c.parse_csat, {"rating": 4, "comment": "ok\ud800"}) == ErrorCode.INVALID_TEXT
    for form in (
        {"email": "a@example.com", "message": "hello\x00"},
        {"email": "a@example.com", "message": "hello", "name": "\ud83d"},
    ):
        assert code_of(c.parse_offline_message, form, 4000) == ErrorCode.INVALID_TEXT


def deep(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(levels - 1):
        value = {"a": value}
    return value


def test_metadata_depth_is_bounded_as_an_object_and_as_json_text() -> None:
    ok = c.parse_user_uttered({"message": "hi", "metadata": deep(c.MAX_METADATA_DEPTH)}, 4000)
    assert ok.metadata == deep(c.MAX_METADATA_DEPTH)
    too_deep = deep(c.MAX_METADATA_DEPTH + 1)
    assert code_of(c.parse_user_uttered, {"message": "hi", "metadata": too_deep}, 4000) == (
        ErrorCode.BAD_REQUEST
    )
    # JSON text nested past the interpreter's recursion limit used to answer `internal`.
    text = "[" * 2000 + "]" * 2000
    refused = code_of(c.parse_user_uttered, {"message": "hi", "metadata": text}, 4000)
    assert refused == ErrorCode.BAD_REQUEST


def test_metadata_as_json_text_is_still_accepted() -> None:
    parsed = c.parse_user_uttered({"message": "hi", "customData": '{"language": "hr"}'}, 4000)
    assert parsed.metadata == {"language": "hr"}
