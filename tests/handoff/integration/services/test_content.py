"""The writer's path through the real service, on a git repository the test creates: label
inbox items (an intent, a new FAQ topic), see the diff, save it as a commit on
workbench/<date> without touching the checkout, and save a conversation as a dialogue test."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from handoff.services.training_data import NLU_YAML, STUB_ANSWER
from tests.support.handoff_server import HandoffServer

pytestmark = pytest.mark.asyncio
REPO = Path(__file__).resolve().parents[4]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture
def bot_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "bot-repo"
    for part in ("data", "tests/nlu", "tests/conversations"):
        shutil.copytree(REPO / part, repo / part)
    shutil.copy(REPO / "domain.yml", repo / "domain.yml")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "dev@example.invalid")
    git(repo, "config", "user.name", "Dev")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "the bot as it is")
    return repo


class Writer:
    def __init__(self, server: HandoffServer, token: str) -> None:
        self.http = httpx.AsyncClient(
            base_url=server.url + "/api/workbench",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )

    async def get(self, path: str, **params: str) -> Any:
        response = await self.http.get(path, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    async def post(self, path: str, body: dict[str, Any], status: int = 200) -> Any:
        response = await self.http.post(path, json=body)
        assert response.status_code == status, response.text
        return response.json()


async def item_for(writer: Writer, fragment: str) -> dict[str, Any]:
    for _ in range(200):
        for item in (await writer.get("/inbox"))["items"]:
            if fragment in item["text"]:
                return item
        await asyncio.sleep(0.05)
    raise AssertionError(f"no inbox item with {fragment!r}")


async def test_label_diff_commit_and_a_test_conversation(
    bot_repo: Path,
    start_server: Callable[..., HandoffServer],
    customer: Any,
    agent: Any,
) -> None:
    server = start_server(env={"TANDEM_WORKBENCH_REPO": str(bot_repo)})
    head = git(bot_repo, "rev-parse", "HEAD")
    writer_agent = await agent(url=server.url, roles=["writer"], connect=False)
    writer = Writer(server, writer_agent.token)
    alice = await customer(url=server.url)
    asked = await alice.say("unsure wheres my parsel TD-123456")
    await alice.wait_text("Did you mean")
    await alice.say("unsure do you sell gift cards")
    await alice.wait_text("Did you mean")

    parcel = await item_for(writer, "parsel")
    assert parcel["text"] == "unsure wheres my parsel <order>"
    labelled = await writer.post(
        f"/inbox/{parcel['id']}/label", {"action": "intent", "intent": "faq/order_tracking"}
    )
    assert labelled["status"] == "labelled" and labelled["warnings"] == []
    gift = await item_for(writer, "gift")
    topic = await writer.post(
        f"/inbox/{gift['id']}/label", {"action": "new_topic", "topic": "gift cards"}
    )
    assert topic["annotation"]["intent"] == "faq/gift_cards"
    refused = await writer.post(
        f"/inbox/{gift['id']}/label", {"action": "intent", "intent": "faq/nonsense"}, status=400
    )
    assert "not an intent" in refused["error"]["message"]
    assert (await writer.get("/inbox"))["items"] == []  # both labelled: out of the pending list
    assert "faq/gift_cards" not in (await writer.get("/intents"))["intents"]

    change = await writer.get("/changes")
    assert change["files"] == ["data/nlu/en/faq.yml", "data/responses/faq.yml"]
    added = [line for line in change["diff"].splitlines() if line.startswith("+ ")]
    assert "+    - unsure wheres my parsel <order>" in added
    assert "TD-123456" not in change["diff"]

    saved = await writer.post("/changes", {"message": "Parcels and gift cards"})
    branch = "workbench/" + datetime.now(UTC).strftime("%Y-%m-%d")
    assert saved["branch"] == branch and saved["commit"] == git(bot_repo, "rev-parse", branch)
    # The checkout is untouched: same branch and commit, nothing modified.
    assert git(bot_repo, "symbolic-ref", "--short", "HEAD") == "main"
    assert (
        git(bot_repo, "rev-parse", "HEAD") == head and git(bot_repo, "status", "--porcelain") == ""
    )
    committed = git(bot_repo, "show", f"{branch}:data/nlu/en/faq.yml") + "\n"
    before = (bot_repo / "data/nlu/en/faq.yml").read_text()
    assert committed.count("- unsure wheres my parsel <order>") == 1
    assert committed.count("# ") == before.count("# ")  # the comments are all kept
    intents = [b["intent"] for b in NLU_YAML.load(committed)["nlu"]]
    assert intents == [b["intent"] for b in NLU_YAML.load(before)["nlu"]] + ["faq/gift_cards"]
    assert STUB_ANSWER in git(bot_repo, "show", f"{branch}:data/responses/faq.yml")
    assert git(bot_repo, "log", "-1", "--format=%an|%s", branch) == (
        f"{writer_agent.username.title()}|Parcels and gift cards"
    )
    # Saved: nothing left to save, and the new topic is an intent now (read from the branch).
    assert (await writer.get("/changes"))["files"] == []
    assert "faq/gift_cards" in (await writer.get("/intents"))["intents"]
    assert (await writer.get("/inbox", status="saved"))["total"] == 2

    # The same conversation as a dialogue test, edited, then saved on the same branch.
    conversation_id = asked["conversation_id"]
    draft = await writer.get(f"/conversations/{conversation_id}/test")
    assert draft["steps"][:2] == [
        {"user": "unsure wheres my parsel <order>", "intent": "nlu_fallback"},
        {"action": "action_clarify"},
    ]
    steps = [
        {"user": "wheres my parsel TD-123456", "intent": "faq/order_tracking"},
        {"action": "utter_faq"},
    ]
    test = await writer.post(
        f"/conversations/{conversation_id}/test", {"name": "parcel_question", "steps": steps}
    )
    assert test["path"] == "tests/conversations/test_parcel_question.yml"
    story = NLU_YAML.load(git(bot_repo, "show", f"{branch}:{test['path']}"))
    assert story["stories"][0]["steps"] == [
        {"user": "wheres my parsel <order>\n", "intent": "faq/order_tracking"},
        {"action": "utter_faq"},
    ]
    assert git(bot_repo, "rev-parse", f"{branch}^") == saved["commit"]
    again = await writer.post(
        f"/conversations/{conversation_id}/test", {"name": "parcel_question", "steps": steps}, 400
    )
    assert "exists already" in again["error"]["message"]
    await writer.http.aclose()


JOB_SCRIPT = """#!/usr/bin/env bash
echo "==> data: rasa data validate"
while [ ! -f "$TANDEM_RUN_DIR/go" ]; do sleep 0.05; done
echo "==> content: verdict"
echo "    ALL PASSED"
"""


async def test_check_and_train_is_one_job_that_every_replica_shows(
    tmp_path: Path, start_server: Callable[..., HandoffServer], agent: Any
) -> None:
    repo, run_dir = tmp_path / "repo", tmp_path / "run"
    (repo / "scripts").mkdir(parents=True)
    run_dir.mkdir()
    (repo / "scripts/test").write_text(JOB_SCRIPT)
    (repo / "scripts/test").chmod(0o755)
    env = {"TANDEM_WORKBENCH_REPO": str(repo), "TANDEM_RUN_DIR": str(run_dir)}
    a, b = start_server(env=env), start_server(env=env)
    token = (await agent(url=a.url, roles=["writer"], connect=False)).token
    on_a, on_b = Writer(a, token), Writer(b, token)
    started = (await on_a.post("/jobs", {"probes": []}))["job"]
    shown = (await on_b.get("/jobs/current"))["job"]
    assert (shown["id"], shown["status"], shown["started_by"]) == (
        started["id"],
        "running",
        started["started_by"],
    )
    refused = await on_b.post("/jobs", {"probes": []}, status=409)
    assert refused["error"]["code"] == "invalid_state"
    (run_dir / "go").write_text("")
    for _ in range(200):
        shown = (await on_b.get("/jobs/current"))["job"]
        if shown["status"] != "running":
            break
        await asyncio.sleep(0.05)
    assert (shown["id"], shown["status"], shown["verdict"]) == (
        started["id"],
        "passed",
        ["ALL PASSED"],
    )
    assert (await on_b.post("/jobs", {"probes": []}))["ok"]  # over: the next may start anywhere
