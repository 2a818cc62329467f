"""What the running stack's model makes of a text, through Rasa's HTTP API (a stand-in here),
found through run/rasa-api.json as scripts/stack.py writes it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from handoff.services.rasa_api import RasaApi, understood
from tests.support.rasa_stub import RasaStub


@pytest.mark.asyncio
async def test_parse_through_the_running_stacks_api(tmp_path: Path) -> None:
    with RasaStub(api_token="t0ken") as rasa:
        api = RasaApi(tmp_path, timeout=5)
        assert (await api.parse("hi"))["error"].startswith("no running stack")
        record = {"url": rasa.url, "token": "t0ken", "pid": os.getpid()}
        (tmp_path / "rasa-api.json").write_text(json.dumps(record))
        assert await api.parse("faq order_tracking please") == {
            "text": "faq order_tracking please",
            "intent": "faq/order_tracking",
            "confidence": 1.0,
        }
        assert (await api.parse("unsure what"))["intent"] == "nlu_fallback"
        (tmp_path / "rasa-api.json").write_text(json.dumps({**record, "token": "wrong"}))
        assert (await api.parse("hi"))["error"] == "Rasa answered HTTP 401"
        (tmp_path / "rasa-api.json").write_text(json.dumps({**record, "pid": 2**22 + 7}))
        assert "error" in await api.parse("hi")  # that stack is gone


def test_understood_reads_rasas_parse_data() -> None:
    parse = {
        "intent": {"name": "faq", "confidence": 0.9},
        "response_selector": {
            "faq": {"response": {"intent_response_key": "faq/warranty", "confidence": 0.7}}
        },
    }
    assert understood(parse) == {"intent": "faq/warranty", "confidence": 0.7}
    assert understood({"intent": {"name": "greet", "confidence": 0.99}}) == {
        "intent": "greet",
        "confidence": 0.99,
    }
    assert understood(None) == {"intent": "", "confidence": 0.0}
