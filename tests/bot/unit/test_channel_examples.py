"""bot/channel.py answers the golden examples of docs/bot-channel-examples.json.

The handoff service's tests read the same file (tests/handoff/unit/services/test_bot_client.py,
and the stand-in Rasa in tests/support/rasa_stub.py), so both sides hold to one contract.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.channel import BadRequest, handoff_of, nlu_result, parse_request

REPO = Path(__file__).resolve().parents[3]
GOLDEN = json.loads((REPO / "docs" / "bot-channel-examples.json").read_text(encoding="utf-8"))
EXAMPLES: list[dict[str, Any]] = GOLDEN["examples"]
ANSWERED = [e for e in EXAMPLES if e["response"]["status"] == 200]
CONTRACT = yaml.safe_load((REPO / "contract" / "handoff_reasons.yml").read_text(encoding="utf-8"))
REASONS = set(CONTRACT["reasons"])


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e["name"])
def test_the_services_requests_are_valid(example: dict[str, Any]) -> None:
    request = example["request"]
    body = parse_request(request)
    assert body["sender"] == request["sender"]
    assert body["message"] == request.get("message") and body["event"] == request.get("event")
    assert body["metadata"] == request.get("metadata", {})
    assert body["faq_only"] is request.get("faq_only", False)
    if "message_id" in request:
        assert body["message_id"] == request["message_id"]


@pytest.mark.parametrize("example", [e for e in ANSWERED if "parse" in e], ids=lambda e: e["name"])
def test_the_nlu_object_comes_from_rasas_parse_data(example: dict[str, Any]) -> None:
    nlu = example["response"]["body"]["nlu"]
    assert nlu_result(example["request"]["message"], example["parse"]) == nlu


@pytest.mark.parametrize("example", ANSWERED, ids=lambda e: e["name"])
def test_the_handoff_is_the_last_one_the_messages_carry(example: dict[str, Any]) -> None:
    body = example["response"]["body"]
    assert handoff_of(body["messages"]) == body["handoff"]
    if body["handoff"] is not None:
        assert body["handoff"]["reason"] in REASONS


def test_events_get_no_nlu() -> None:
    for example in ANSWERED:
        if "event" in example["request"]:
            assert example["response"]["body"]["nlu"] is None


@pytest.mark.parametrize("bad", GOLDEN["bad_requests"], ids=lambda b: b["error"][:30])
def test_bad_requests_are_refused_with_the_documented_message(bad: dict[str, Any]) -> None:
    assert bad["status"] == 400
    with pytest.raises(BadRequest) as refused:
        parse_request(bad["body"])
    assert str(refused.value) == bad["error"]
