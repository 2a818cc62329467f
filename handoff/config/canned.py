"""Canned responses for agents, from a YAML file writers edit (``canned_responses.yml``).

An entry may have a ``shortcut`` (letters, digits, ``-`` and ``_``), what an agent types after
``/`` in the reply box. Several entries may share one, each in its own language: the variants
of one response, of which the console inserts the conversation's (else English). Placeholders
in the text (``{name}``, ``{order_number}``) are filled by the console from the triage summary.

Example::

    responses = load_canned(Path("handoff/canned_responses.yml"))
    responses[0]["title"]
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from handoff.protocol.agent import Canned

SHORTCUT = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")


class CannedError(ValueError):
    """The file is malformed; the message names the entry."""


def load_canned(path: Path) -> list[Canned]:
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or []
    if not isinstance(data, list):
        raise CannedError(f"{path}: expected a list of responses")
    result: list[Canned] = []
    seen: set[str] = set()
    variants: set[tuple[str, str]] = set()  # (shortcut, language)
    for index, raw in enumerate(data):
        where = f"{path}: entry {index + 1}"
        if not isinstance(raw, dict):
            raise CannedError(f"{where}: expected a mapping")
        for key in ("id", "title", "text"):
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                raise CannedError(f"{where}: '{key}' must be a non-empty string")
        if raw["id"] in seen:
            raise CannedError(f"{where}: duplicate id {raw['id']!r}")
        seen.add(raw["id"])
        tags = raw.get("tags", [])
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise CannedError(f"{where}: 'tags' must be a list of strings")
        entry: Canned = {
            "id": raw["id"],
            "title": raw["title"],
            "text": raw["text"],
            "language": str(raw.get("language", "en")),
            "tags": list(tags),
        }
        if "shortcut" in raw:
            shortcut = raw["shortcut"]
            if not isinstance(shortcut, str) or not SHORTCUT.fullmatch(shortcut):
                raise CannedError(f"{where}: 'shortcut' must be lower-case letters, digits, - or _")
            if (shortcut, entry["language"]) in variants:
                raise CannedError(
                    f"{where}: shortcut {shortcut!r} has two {entry['language']} variants"
                )
            variants.add((shortcut, entry["language"]))
            entry["shortcut"] = shortcut
        result.append(entry)
    return result
