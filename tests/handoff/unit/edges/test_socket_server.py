"""What the socket server counts as binary (and refuses)."""

import pytest

from handoff.edges.socket_server import is_binary


@pytest.mark.parametrize(
    "data",
    [
        '51-["user_uttered",{"_placeholder":true,"num":0}]',
        '61-/agent,1[{"_placeholder":true,"num":0}]',  # a binary ack on /agent
        '51000000000-["x",{"_placeholder":true,"num":0}]',
        b"\x00\x01attachment",
        bytearray(b"x"),
    ],
)
def test_binary_packets(data: object) -> None:
    assert is_binary(data)


@pytest.mark.parametrize("data", ['2["user_uttered",{"message":"hi"}]', "0", "3/agent,1[{}]", ""])
def test_text_packets(data: str) -> None:
    assert not is_binary(data)
