"""A customer who asks for a person is never trapped: every held-out request, in any phrasing and
any served language, either hands off at once or gets a "Talk to a person" button."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.bot.integration.conftest import Bot

REPO = Path(__file__).resolve().parents[3]


def requests_for_a_person() -> list[str]:
    examples = []
    files = [
        REPO / "tests" / "nlu" / "tuning.yml",
        *sorted((REPO / "tests/nlu/heldout").glob("*.yml")),
    ]
    for path in files:
        data = yaml.safe_load(path.read_text())
        for block in data["nlu"]:
            if block.get("intent") == "request_human":
                examples += [line[2:].strip() for line in block["examples"].splitlines()]
    return [e for e in examples if e]


def test_every_request_for_a_person_reaches_one(bot: Bot) -> None:
    trapped = []
    phrasings = requests_for_a_person()
    assert len(phrasings) >= 140
    for text in phrasings:
        _, (reply,) = bot.conversation(text)
        offered = [b["payload"] for m in reply["messages"] for b in m.get("buttons") or []]
        if reply["handoff"] is None and "/request_human" not in offered:
            trapped.append(text)
    assert trapped == []
