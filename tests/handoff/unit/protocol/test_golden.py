"""The golden examples, the code's message types and docs/protocol.md agree."""

import json
import re
from pathlib import Path

import pytest

from handoff.protocol.registry import CONNECT_AUTH, EVENTS
from handoff.protocol.validate import check

DOCS = Path(__file__).resolve().parents[4] / "docs"
GOLDEN = json.loads((DOCS / "protocol-examples.json").read_text())
EXAMPLES = GOLDEN["examples"]


def key(example: dict) -> tuple[str, str, str]:
    return example["namespace"], example["event"], example["direction"]


def test_every_event_has_exactly_one_example() -> None:
    keys = [key(e) for e in EXAMPLES]
    assert sorted(keys) == sorted(EVENTS), set(keys) ^ set(EVENTS)


@pytest.mark.parametrize(
    "example", EXAMPLES, ids=lambda e: f"{e['namespace']}{e['event']}:{e['direction']}"
)
def test_example_matches_the_types(example: dict) -> None:
    spec = EVENTS[key(example)]
    strict = spec.direction == "out" or spec.namespace == "/agent"
    assert check(example["payload"], spec.payload, strict=strict) == []
    if spec.ack is not None:
        assert "ack" in example, "events that answer need an example ack"
        assert check(example["ack"], spec.ack, strict=True) == []
    else:
        assert "ack" not in example or example["ack"] == {"ok": True}


def test_connect_auth_example() -> None:
    assert check(GOLDEN["connect_auth"]["auth"], CONNECT_AUTH, strict=True) == []


def test_protocol_md_documents_every_event() -> None:
    text = (DOCS / "protocol.md").read_text()
    headings = set(re.findall(r"^#### `([a-z_]+)`", text, flags=re.M))
    assert {name for _, name, _ in EVENTS} <= headings


def test_checker_rejects_what_it_should() -> None:
    spec = EVENTS[("/", "user_uttered", "in")]
    assert check({"message": 1}, spec.payload) == ["payload.message: expected str, got int"]
    assert check({"message": "hi", "extra": 1}, spec.payload, strict=True) == [
        "payload.extra: not part of the protocol"
    ]
    assert (
        check({"ok": True, "seq": True, "conversation_id": "c", "duplicate": False}, spec.ack) != []
    )
