"""A real Rasa server with the trained model, the real action server and a real redis-server.

One stack per test session (scripts/stack.py, free ports, a temp directory); Rasa keeps its
trackers in Redis, as it does in production.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.stack import load_stack_module

REPO = Path(__file__).resolve().parents[3]


class Bot:
    """Talks to the Tandem channel like the handoff service does."""

    def __init__(self, stack: Any) -> None:
        self.stack = stack
        self.url = f"{stack.rasa_url}/webhooks/tandem"
        self.headers = {"Authorization": f"Bearer {stack.bot_token}"}

    def post(self, body: Any, headers: dict[str, str] | None = None) -> requests.Response:
        return requests.post(
            f"{self.url}/message",
            json=body,
            headers=self.headers if headers is None else headers,
            timeout=30,
        )

    def say(self, sender: str, text: str) -> dict[str, Any]:
        reply = self.post({"sender": sender, "message": text})
        assert reply.status_code == 200, reply.text
        return reply.json()

    def conversation(self, *texts: str) -> tuple[str, list[dict[str, Any]]]:
        sender = f"test-{uuid.uuid4().hex[:12]}"
        return sender, [self.say(sender, text) for text in texts]


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    module = load_stack_module()
    model = REPO / "models" / "tandem.tar.gz"
    if not model.exists():
        pytest.fail("no trained model: run 'make train' (scripts/test trains before this layer)")
    stack = module.Stack(
        run_dir=tmp_path_factory.mktemp("bot-stack"),
        ports=module.Ports.free(),
        components=("redis", "actions", "rasa"),
        log=lambda line: None,
    )
    stack.start()
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def bot(stack: Any) -> Bot:
    return Bot(stack)
