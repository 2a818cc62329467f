"""The workbench's content operations: labels checked against the data, the change they make,
its commit on ``workbench/<date>``, and test conversations drafted from real ones.

Reads come from what the next save builds on (the day's workbench branch if it exists, else the
checked-out commit; the working tree when the repository is not a git checkout), so two saves
in a day add up instead of the second undoing the first. git runs in a thread, never on the
event loop.

Example::

    content = Content(repo=Path("."), conversations=conversations, clock=time.time)
    label = await content.label(text="where's my parcel", intent="faq/order_tracking",
                                language="en", new_topic=False)
    change = await content.change([label.annotation()])
    await content.save(change, author="Ana", message="", on_checked_out=False)
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from handoff.domain.clock import Clock
from handoff.domain.inbox import FALLBACK_INTENTS, is_question, mask
from handoff.services import git_save
from handoff.services.training_data import (
    NLU_YAML,
    Change,
    ContentError,
    Files,
    Label,
    TrainingData,
    WorkingTree,
    clean_example,
)
from handoff.store.conversations import ConversationStore

TEST_NAME = re.compile(r"^[a-z][a-z0-9_]{1,60}$")
NAME = re.compile(r"^[A-Za-z_][\w/]{0,99}$")  # an intent or action name, nothing YAML reads
MAX_STEPS = 200


@dataclass(frozen=True)
class Labelled:
    """A label the data accepts, and what the writer should know about it."""

    label: Label
    warnings: list[str]

    def annotation(self) -> dict[str, Any]:
        return {
            "text": self.label.text,
            "intent": self.label.intent,
            "language": self.label.language,
            "new_topic": self.label.new_topic,
        }


class Content:
    """See the module's doc."""

    def __init__(self, *, repo: Path, conversations: ConversationStore, clock: Clock) -> None:
        self.repo = repo
        self.conversations = conversations
        self.now = clock

    def branch(self) -> str:
        return "workbench/" + datetime.fromtimestamp(self.now(), UTC).strftime("%Y-%m-%d")

    def _files(self) -> Files:
        if git_save.is_checkout(self.repo):
            return git_save.Revision(self.repo, git_save.base_of(self.repo, self.branch()))
        return WorkingTree(self.repo)

    async def _data(self) -> TrainingData:
        return TrainingData(await asyncio.to_thread(self._files))

    async def intents(self) -> list[str]:
        data = await self._data()
        return await asyncio.to_thread(data.intents)

    def new_topic_intent(self, topic: str) -> str:
        return TrainingData.new_topic_intent(topic)

    async def label(self, *, text: str, intent: str, language: str, new_topic: bool) -> Labelled:
        data = await self._data()

        def check() -> Labelled:
            cleaned = clean_example(mask(text))
            if not cleaned:
                raise ContentError("the example is empty")
            if language not in data.languages():
                raise ContentError(f"no training data for language {language!r}")
            known = data.intents()
            if new_topic and intent in known:
                raise ContentError(f"{intent} exists already: pick it instead")
            if not new_topic and intent not in known:
                raise ContentError(f"{intent!r} is not an intent the bot knows")
            warnings = data.warnings(cleaned, language)
            return Labelled(Label(cleaned, intent, language, new_topic), warnings)

        return await asyncio.to_thread(check)

    async def change(self, annotations: list[dict[str, Any]]) -> Change:
        labels = [
            Label(
                str(a.get("text", "")),
                str(a.get("intent", "")),
                str(a.get("language", "en")),
                bool(a.get("new_topic")),
            )
            for a in annotations
            if a.get("intent")
        ]
        data = await self._data()
        return await asyncio.to_thread(data.change, labels)

    async def save(
        self, change: Change, *, author: str, message: str, on_checked_out: bool
    ) -> dict[str, Any]:
        files = change.changed()
        if not files:
            raise ContentError("every labelled example is in the data already")
        summary = message.strip()[:200] or (
            f"Workbench: {len(change.added)} example(s) from real conversations"
        )
        lines = [summary, ""] + [f"- {a.intent} ({a.language}): {a.text}" for a in change.added]
        return await asyncio.to_thread(
            git_save.save_files,
            self.repo,
            files,
            message="\n".join(lines) + "\n",
            author=author,
            branch=self.branch(),
            on_checked_out=on_checked_out,
        )

    # -- test conversations --------------------------------------------------------------------
    async def draft_test(self, conversation_id: str) -> dict[str, Any] | None:
        """The conversation as a dialogue test: each typed customer message with the intent the
        bot understood, then what the rules make the bot do after it (for the writer to fix)."""
        if await self.conversations.get(conversation_id) is None:
            return None
        entries = await self.conversations.read_whole_log(conversation_id)
        data = await self._data()
        after = await asyncio.to_thread(data.actions_after)
        understood = {e["nlu"]["seq"]: e["nlu"]["intent"] for e in entries if "nlu" in e}
        steps: list[dict[str, str]] = []
        for entry in entries:
            if entry["author"] != "customer" or not is_question(entry["text"]):
                continue
            intent = understood.get(entry["seq"], "")
            if not intent:
                continue  # the bot never answered it (a person did)
            steps.append({"user": mask(entry["text"]), "intent": intent})
            key = "faq" if intent.startswith("faq/") else intent
            if intent in FALLBACK_INTENTS and intent not in after:
                key = "nlu_fallback"
            for action in after.get(key, []):
                steps.append({"action": action})
        name = "from_" + conversation_id.removeprefix("c_").lower().replace("-", "_")[:20]
        return {"name": re.sub(r"[^a-z0-9_]", "_", name), "steps": steps}

    async def save_test(self, *, name: str, steps: object, author: str) -> dict[str, Any]:
        if not TEST_NAME.match(name):
            raise ContentError("a test name is 2-61 of a-z 0-9 _, starting with a letter")
        story = _story_steps(steps)
        path = f"tests/conversations/test_{name}.yml"
        files = await asyncio.to_thread(self._files)
        if files.read(path) is not None:
            raise ContentError(f"{path} exists already: choose another name")
        text = _story_file(name, story)
        saved = await asyncio.to_thread(
            git_save.save_files,
            self.repo,
            {path: text},
            message=f"Workbench: test conversation {name}\n",
            author=author,
            branch=self.branch(),
        )
        return {**saved, "path": path, "text": text}


def _story_steps(steps: object) -> list[dict[str, str]]:
    if not isinstance(steps, list) or not steps or len(steps) > MAX_STEPS:
        raise ContentError(f"steps: a list of 1-{MAX_STEPS} steps")
    story: list[dict[str, str]] = []
    for step in steps:
        if isinstance(step, dict) and isinstance(step.get("action"), str):
            if not NAME.match(step["action"]):
                raise ContentError(f"not an action name: {step['action'][:100]!r}")
            story.append({"action": step["action"]})
        elif (
            isinstance(step, dict)
            and isinstance(step.get("user"), str)
            and isinstance(step.get("intent"), str)
        ):
            if not NAME.match(step["intent"]) or not clean_example(step["user"]):
                raise ContentError(f"not a customer turn: {step['user'][:100]!r}")
            story.append({"user": clean_example(mask(step["user"])), "intent": step["intent"]})
        else:
            raise ContentError('each step is {"user": …, "intent": …} or {"action": …}')
    if "user" not in story[0]:
        raise ContentError("a test conversation starts with the customer")
    return story


def _story_file(name: str, story: list[dict[str, str]]) -> str:
    lines = [
        "# Saved from a real conversation in the writers' workbench (docs/workbench.md);",
        "# customer texts are masked. Run with the other dialogue tests (make content).",
        'version: "3.1"',
        "stories:",
        f"- story: {name.replace('_', ' ')}",
        "  steps:",
    ]
    for step in story:
        if "user" in step:
            lines += ["  - user: |", f"      {step['user']}", f"    intent: {step['intent']}"]
        else:
            lines.append(f"  - action: {step['action']}")
    text = "\n".join(lines) + "\n"
    NLU_YAML.load(text)  # what is written must be YAML Rasa can read
    return text
