"""A customer who asks for a person is never trapped: every held-out request, in any phrasing,
either hands off at once or gets a "Talk to a person" button."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.bot.integration.conftest import Bot

REPO = Path(__file__).resolve().parents[3]


def requests_for_a_person() -> list[str]:
    examples = []
    for name in ("tuning.yml", "heldout.yml"):
        data = yaml.safe_load((REPO / "tests" / "nlu" / name).read_text())
        for block in data["nlu"]:
            if block.get("intent") == "request_human":
                examples += [line[2:].strip() for line in block["examples"].splitlines()]
    return [e for e in examples if e]


def test_every_request_for_a_person_reaches_one(bot: Bot) -> None:
    trapped = []
    phrasings = requests_for_a_person()
    assert len(phrasings) >= 80
    for text in phrasings:
        _, (reply,) = bot.conversation(text)
        offered = [b["payload"] for m in reply["messages"] for b in m.get("buttons") or []]
        if reply["handoff"] is None and "/request_human" not in offered:
            trapped.append(text)
    assert trapped == []
