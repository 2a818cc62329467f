"""The bot's training data as the workbench reads and edits it: ``data/nlu/<language>/*.yml``,
the FAQ answers in ``data/responses/faq.yml``, the held-out splits in ``tests/nlu/``.

Edits are ruamel.yaml round trips: a file that is loaded and dumped unchanged comes back byte
for byte (a test holds every data file to that), so a change shows in ``git diff`` as the lines
a writer added and nothing else. Each example is written once: one already in the file, for any
intent, is not added again. Texts reaching this module are already masked.

Example::

    data = TrainingData(WorkingTree(Path(".")))
    data.intents()                                    # ["affirm", …, "faq/warranty", …]
    data.warnings("wehre is my parcel", "en")         # near-duplicates, held-out copies
    change = data.change([Label("where's my parcel", "faq/order_tracking", "en")])
    print(change.diff())                              # a unified diff, per file
    change.changed()                # {path: new text}, to commit (services/git_save.py)
"""

from __future__ import annotations

import difflib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from handoff.domain.inbox import normalise

TOPIC = re.compile(r"^[a-z][a-z0-9_]{1,47}$")
NEAR = 0.8  # share of words in common (Jaccard) from which two examples read as one
STUB_ANSWER = "TODO (writer): the answer to this new question; the content checks fail until then."
# Rasa's markdown-ish example lines give meaning to these; a customer's text keeps none of it.
_MARKUP = re.compile(r"[\[\]{}()]")


class ContentError(ValueError):
    """A label or test the data cannot take; the message says why."""


def _yaml(sequence: int, offset: int) -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=sequence, offset=offset)
    return yaml


def read_yaml(text: str) -> Any:
    """Reading only (examples, intents, rules): PyYAML's C parser, many times faster than a
    round trip, which only the files being edited need."""
    return yaml.load(text, Loader=yaml.CSafeLoader) if text else None


# The two layouts of the repository's files (what round-trips them unchanged).
NLU_YAML = _yaml(2, 0)
RESPONSES_YAML = _yaml(4, 2)


@dataclass(frozen=True)
class Label:
    """One example to add: ``text`` for ``intent`` in ``language``."""

    text: str
    intent: str
    language: str
    new_topic: bool = False


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    path: str  # relative to the repository


class Files(Protocol):
    """Where the data is read from: a working tree, or a git revision (``git_save.Revision``)."""

    def read(self, path: str) -> str | None: ...

    def names(self, folder: str) -> list[str]:
        """The entries directly in ``folder`` (relative), sorted; [] when there is none."""
        ...


@dataclass(frozen=True)
class WorkingTree:
    root: Path

    def read(self, path: str) -> str | None:
        target = self.root / path
        return target.read_text(encoding="utf-8") if target.is_file() else None

    def names(self, folder: str) -> list[str]:
        target = self.root / folder
        return sorted(p.name for p in target.iterdir()) if target.is_dir() else []


@dataclass
class Change:
    """New contents for some files (relative paths), next to what they hold now."""

    before: dict[str, str] = field(default_factory=dict)
    after: dict[str, str] = field(default_factory=dict)
    added: list[Label] = field(default_factory=list)

    def files(self) -> list[str]:
        return sorted(p for p in self.after if self.after[p] != self.before.get(p))

    def diff(self) -> str:
        parts: list[str] = []
        for path in self.files():
            parts += difflib.unified_diff(
                self.before.get(path, "").splitlines(keepends=True),
                self.after[path].splitlines(keepends=True),
                fromfile=f"a/{path}",
                tofile=f"b/{path}",
            )
        return "".join(parts)

    def changed(self) -> dict[str, str]:
        return {path: self.after[path] for path in self.files()}


class TrainingData:
    """Reads and edits the training data under ``root`` (see the module's doc)."""

    def __init__(self, files: Files) -> None:
        self.files = files
        self._examples: dict[str, list[Example]] = {}

    # -- reading -------------------------------------------------------------------------------
    def languages(self) -> list[str]:
        return [n for n in self.files.names("data/nlu") if not n.endswith(".yml")]

    def _nlu_files(self, language: str) -> list[str]:
        folder = f"data/nlu/{language}"
        return [f"{folder}/{n}" for n in self.files.names(folder) if n.endswith(".yml")]

    def _examples_of(self, path: str) -> list[Example]:
        if path not in self._examples:
            self._examples[path] = _examples_in(self.files.read(path) or "", path)
        return self._examples[path]

    def examples(self, language: str) -> list[Example]:
        return [e for path in self._nlu_files(language) for e in self._examples_of(path)]

    def held_out(self, language: str) -> list[Example]:
        paths = [f"tests/nlu/heldout/{language}.yml", "tests/nlu/tuning.yml"]
        return [e for p in paths for e in self._examples_of(p)]

    def intents(self) -> list[str]:
        """Every intent a writer may label with: the domain's (FAQ topics spelled out)."""
        domain = read_yaml(self.files.read("domain.yml") or "") or {}
        names = {str(i) for i in domain.get("intents") or [] if isinstance(i, str)}
        names = {n for n in names if n != "faq" and not n.startswith("EXTERNAL_")}
        for language in self.languages():
            names |= {e.intent for e in self.examples(language) if e.intent.startswith("faq/")}
        return sorted(names)

    def actions_after(self) -> dict[str, list[str]]:
        """intent -> the actions a rule runs right after it (``data/rules/*.yml``): the bot's
        expected answer in a drafted test conversation (FAQ topics under ``faq``)."""
        found: dict[str, list[str]] = {}
        for name in self.files.names("data/rules"):
            doc = read_yaml(self.files.read(f"data/rules/{name}") or "") or {}
            for rule in doc.get("rules") or []:
                steps = list(rule.get("steps") or []) if isinstance(rule, dict) else []
                for i, step in enumerate(steps):
                    if not isinstance(step, dict) or "intent" not in step:
                        continue
                    actions = []
                    for after in steps[i + 1 :]:
                        if not isinstance(after, dict) or "action" not in after:
                            break
                        actions.append(str(after["action"]))
                    if actions:
                        found.setdefault(str(step["intent"]), actions)
        return found

    def warnings(self, text: str, language: str, intent: str = "") -> list[str]:
        """What a writer should know before adding ``text``: the same or a near-same example
        already there (under which intent), and a copy in a held-out split."""
        wanted = normalise(text)
        words = set(wanted.split())
        notes = []
        for example in self.examples(language):
            seen = normalise(example.text)
            where = f"{example.intent} ({example.path})"
            if seen == wanted:
                notes.append(f"already an example of {where}: {example.text!r}")
                break
            theirs = set(seen.split())
            if words and theirs and len(words & theirs) / len(words | theirs) >= NEAR:
                notes.append(f"near-duplicate of {example.text!r}, an example of {where}")
                break
        for example in self.held_out(language):
            if normalise(example.text) == wanted:
                notes.append(
                    f"also in the test split {example.path} (as "
                    f"{example.intent}): training on it makes the NLU report look better than "
                    "the bot is"
                )
                break
        if intent and not intent.startswith("faq/") and intent not in self.intents():
            notes.append(f"{intent} is not an intent of the domain")
        return notes

    # -- editing -------------------------------------------------------------------------------
    def change(self, labels: Iterable[Label]) -> Change:
        """The files as they would be with ``labels`` added (nothing is written)."""
        change = Change()
        docs: dict[str, Any] = {}
        for label in labels:
            text = clean_example(label.text)
            if not text:
                continue
            if label.intent.startswith("faq/"):
                self._ensure_answer(change, docs, label.intent)
            path = self._file_for(label.intent, label.language)
            doc = self._load(change, docs, path, NLU_YAML)
            if _has_example(doc, text):
                continue
            _add_example(doc, label.intent, text)
            change.added.append(label)
        for path, doc in docs.items():
            layout = RESPONSES_YAML if path.startswith("data/responses/") else NLU_YAML
            out = io.StringIO()
            layout.dump(doc, out)
            change.after[path] = out.getvalue()
        return change

    @staticmethod
    def new_topic_intent(topic: str) -> str:
        topic = topic.strip().lower().replace(" ", "_").replace("-", "_")
        if not TOPIC.match(topic):
            raise ContentError("a topic is 2-48 of a-z 0-9 _, starting with a letter")
        return f"faq/{topic}"

    def _file_for(self, intent: str, language: str) -> str:
        if language not in self.languages():
            raise ContentError(f"no training data for language {language!r}")
        for path in self._nlu_files(language):
            if any(e.intent == intent for e in self._examples_of(path)):
                return path
        if intent.startswith("faq/"):
            return f"data/nlu/{language}/faq.yml"
        # An intent of the domain this language has no examples of yet: where English has it.
        for path in self._nlu_files("en"):
            if any(e.intent == intent for e in self._examples_of(path)):
                return f"data/nlu/{language}/{path.rsplit('/', 1)[1]}"
        raise ContentError(f"{intent} is not an intent the bot knows")

    def _ensure_answer(self, change: Change, docs: dict[str, Any], intent: str) -> None:
        path = "data/responses/faq.yml"
        doc = self._load(change, docs, path, RESPONSES_YAML)
        responses = doc.setdefault("responses", CommentedMap())
        name = f"utter_{intent}"
        if name not in responses:
            stub = CommentedSeq([CommentedMap([("text", STUB_ANSWER)])])
            responses[name] = stub

    def _load(self, change: Change, docs: dict[str, Any], path: str, layout: YAML) -> Any:
        if path not in docs:
            text = self.files.read(path) or ""
            change.before[path] = text
            docs[path] = (
                layout.load(text)
                if text
                else CommentedMap([("version", "3.1"), ("nlu", CommentedSeq())])
            )
        return docs[path]


def clean_example(text: str) -> str:
    """One line, no markup Rasa would read as entities or synonyms."""
    return " ".join(_MARKUP.sub(" ", text).split())[:500]


def _examples_in(text: str, path: str) -> list[Example]:
    doc = read_yaml(text) or {}
    found = []
    for block in doc.get("nlu") or []:
        if isinstance(block, dict) and "intent" in block:
            for line in str(block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    found.append(Example(line[2:].strip(), str(block["intent"]), path))
    return found


def _has_example(doc: Any, text: str) -> bool:
    wanted = normalise(text)
    for block in doc.get("nlu") or []:
        for line in str(block.get("examples") or "").splitlines():
            if line.strip().startswith("- ") and normalise(line.strip()[2:]) == wanted:
                return True
    return False


def _add_example(doc: Any, intent: str, text: str) -> None:
    blocks = doc.setdefault("nlu", CommentedSeq())
    for block in blocks:
        if isinstance(block, dict) and block.get("intent") == intent:
            old = str(block.get("examples") or "")
            if old and not old.endswith("\n"):
                old += "\n"
            block["examples"] = LiteralScalarString(f"{old}- {text}\n")
            return
    blocks.append(
        CommentedMap([("intent", intent), ("examples", LiteralScalarString(f"- {text}\n"))])
    )
