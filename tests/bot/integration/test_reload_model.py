"""`make content` loads a new model into the running stack's Rasa (PUT /model), no restart."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import requests

from tests.bot.integration.conftest import REPO, Bot


def _reload_module() -> Any:
    sys.path.insert(0, str(REPO / "scripts"))
    spec = importlib.util.spec_from_file_location(
        "reload_model", REPO / "scripts" / "reload_model.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _model_file(stack: Any) -> str:
    reply = requests.get(
        f"{stack.rasa_url}/status", params={"token": stack.rasa_api_token}, timeout=10
    )
    assert reply.status_code == 200, reply.text
    return str(reply.json()["model_file"])


def test_a_new_model_reaches_the_running_bot_and_conversations_carry_on(
    stack: Any, bot: Bot, tmp_path: Path
) -> None:
    reload_model = _reload_module()
    sender, _ = bot.conversation("my order hasn't arrived")
    before = _model_file(stack)
    new_model = tmp_path / "retrained.tar.gz"  # a copy: the same bot, found under a new name
    shutil.copy(REPO / "models" / "tandem.tar.gz", new_model)

    assert reload_model.reload(stack.run_dir, new_model) == 0

    assert _model_file(stack) != before
    assert _model_file(stack).endswith("retrained.tar.gz")
    # The triage started before the swap goes on after it: the tracker lives in Redis.
    reply = bot.say(sender, "TD-582201")
    assert "When did you place the order" in reply["messages"][0]["text"], reply


def test_without_a_running_stack_there_is_nothing_to_load(tmp_path: Path) -> None:
    reload_model = _reload_module()
    assert reload_model.running_rasa(tmp_path) is None
    # A file left by a stack that is gone (pid no longer running) is not taken for a stack.
    (tmp_path / "rasa-api.json").write_text(
        json.dumps({"url": "x", "token": "y", "pid": 2**22 + 7})
    )
    assert reload_model.running_rasa(tmp_path) is None
    assert reload_model.reload(tmp_path, REPO / "models" / "tandem.tar.gz") == 0


def test_a_wrong_token_is_refused(stack: Any, tmp_path: Path) -> None:
    reload_model = _reload_module()
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    found = json.loads((stack.run_dir / "rasa-api.json").read_text())
    (run_dir / "rasa-api.json").write_text(json.dumps({**found, "token": "not-the-token"}))
    assert reload_model.reload(run_dir, REPO / "models" / "tandem.tar.gz") == 1
