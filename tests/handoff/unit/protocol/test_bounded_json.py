"""Packets nested too deep decode to something the guard can refuse, never to an exception."""

from __future__ import annotations

import json

import pytest

from handoff.protocol import bounded_json
from handoff.protocol.bounded_json import MAX_DEPTH, TOO_DEEP, TooDeep


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def test_ordinary_packets_decode_as_the_standard_module_does() -> None:
    packet = '["user_uttered",{"message":"hi","metadata":{"customData":{"language":"hr"}}}]'
    assert bounded_json.loads(packet) == json.loads(packet)
    assert bounded_json.dumps({"a": [1]}, separators=(",", ":")) == '{"a":[1]}'


def test_depth_counts_arrays_and_objects() -> None:
    assert bounded_json.depth("text") == 0
    assert bounded_json.depth([]) == 1
    assert bounded_json.depth({"a": [1, {"b": []}], "c": 2}) == 4


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 900, 100_000])
def test_a_too_deep_event_keeps_its_name_and_carries_the_marker(levels: int) -> None:
    # 900 decodes under the interpreter's recursion limit, 100,000 does not: both are refused.
    packet = f'["user_uttered",{nested(levels - 1)}]'
    assert bounded_json.loads(packet) == ["user_uttered", TOO_DEEP]


def test_a_too_deep_packet_without_an_event_name_still_decodes() -> None:
    assert bounded_json.loads(nested(50_000)) == ["", TOO_DEEP]
    assert bounded_json.loads(b'["hello",' + b"[" * 5000 + b"]" * 5000 + b"]") == [
        "hello",
        TOO_DEEP,
    ]


def test_exactly_the_limit_is_fine() -> None:
    assert bounded_json.depth(bounded_json.loads(nested(MAX_DEPTH))) == MAX_DEPTH


def test_deeper_than_counts_brackets_first_then_walks() -> None:
    value = {"a": [1, {"b": []}]}
    assert not bounded_json.deeper_than(4, value, json.dumps(value))
    assert bounded_json.deeper_than(3, value, json.dumps(value))
    # Brackets inside strings are counted too, so the walk decides.
    shallow = {"text": "[[[[[[[[{{{{"}
    assert not bounded_json.deeper_than(2, shallow, json.dumps(shallow).encode())


def test_parse_raises_too_deep_which_is_a_value_error() -> None:
    assert bounded_json.parse('{"a": {"b": 1}}', max_depth=2) == {"a": {"b": 1}}
    with pytest.raises(TooDeep):
        bounded_json.parse('{"a": {"b": []}}', max_depth=2)
    with pytest.raises(ValueError):
        bounded_json.parse(nested(5000))
    with pytest.raises(ValueError):
        bounded_json.parse("{not json")
