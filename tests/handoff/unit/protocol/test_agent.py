"""The agent namespace's parsers: text and seqs are checked as on the customer side."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.protocol import agent as a
from handoff.protocol.errors import ErrorCode, ProtocolError

CID = "c_" + "A" * 22


def code_of(parse: Any, *args: Any) -> str:
    with pytest.raises(ProtocolError) as refused:
        parse(*args)
    return refused.value.code.value


@pytest.mark.parametrize(
    ("parse", "payload"),
    [
        (a.parse_add_note, {"conversation_id": CID, "text": "note \ud800"}),
        (a.parse_close, {"conversation_id": CID, "resolution": "done", "tags": ["x\x00"]}),
        (a.parse_close, {"conversation_id": CID, "resolution": "done\x1b"}),
        (a.parse_transfer, {"conversation_id": CID, "to_agent_id": "a_x", "note": "\udc00"}),
    ],
)
def test_agent_texts_that_are_not_text_are_invalid_text(parse: Any, payload: Any) -> None:
    assert code_of(parse, payload) == ErrorCode.INVALID_TEXT


def test_replies_are_checked() -> None:
    payload = {"conversation_id": CID, "text": "hi \ud800", "client_msg_id": "a1"}
    assert code_of(a.parse_send_message, payload, 4000) == ErrorCode.INVALID_TEXT
    # An unknown key that is not text is still named safely, as invalid text.
    payload = {"conversation_id": CID, "text": "hi", "client_msg_id": "a1", "\ud800": 1}
    assert code_of(a.parse_send_message, payload, 4000) == ErrorCode.INVALID_TEXT


@pytest.mark.parametrize("seq", [-1, 2**64, 10**40])
def test_after_seq_out_of_range_is_a_bad_request(seq: int) -> None:
    payload = {"conversation_id": CID, "after_seq": seq}
    assert code_of(a.parse_get_conversation, payload) == ErrorCode.BAD_REQUEST
    assert a.parse_get_conversation({"conversation_id": CID, "after_seq": 7}) == (CID, 7)
