"""The bot and the action server name only the handoff reasons of contract/handoff_reasons.yml.

The handoff service reads the same file (handoff/config/reasons.py), so the three agree.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import yaml

from actions.handoff import REASONS
from bot.handoff_triggers import Turn, handoff_reason

REPO = Path(__file__).resolve().parents[3]
CONTRACT = yaml.safe_load((REPO / "contract" / "handoff_reasons.yml").read_text(encoding="utf-8"))
REASONS_IN_CONTRACT: dict[str, Any] = CONTRACT["reasons"]
BOT_DECIDES = {name for name, spec in REASONS_IN_CONTRACT.items() if "bot" in spec["decided_by"]}


def test_every_reason_has_a_one_line_meaning() -> None:
    for name, spec in REASONS_IN_CONTRACT.items():
        assert isinstance(spec["meaning"], str) and "\n" not in spec["meaning"].strip(), name
        assert set(spec["decided_by"]) <= {"bot", "service"}, name


def test_the_actions_know_exactly_the_reasons_the_bot_decides() -> None:
    assert set(REASONS) == BOT_DECIDES


def test_every_reason_the_triggers_can_return_is_the_bots_to_decide() -> None:
    source = (REPO / "bot" / "handoff_triggers.py").read_text(encoding="utf-8")
    function = next(
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef) and node.name == "handoff_reason"
    )
    returned = {
        node.value.value
        for node in ast.walk(function)
        if isinstance(node, ast.Return)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    }
    assert returned, "handoff_reason returns its reasons as literals"
    assert returned <= BOT_DECIDES, returned - BOT_DECIDES
    # And the function really returns them (the source is not the only witness).
    assert handoff_reason([Turn("request_human")]) == "requested"
    assert handoff_reason([Turn("greet", language="de")]) == "language"


def test_every_reason_the_actions_hand_off_with_is_the_bots_to_decide() -> None:
    named: set[str] = set()
    for path in (REPO / "actions").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("handoff_events", "handoff_payload")
            ):
                named |= {
                    a.value
                    for a in node.args
                    if isinstance(a, ast.Constant) and isinstance(a.value, str)
                }
    assert named <= BOT_DECIDES, named - BOT_DECIDES


def test_the_bot_has_a_handoff_message_for_every_reason_it_decides(domain: dict[str, Any]) -> None:
    assert {f"utter_handoff_{reason}" for reason in BOT_DECIDES} <= set(domain["responses"])
