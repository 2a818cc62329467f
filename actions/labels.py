"""Button titles, payloads and problem names per intent, from intent_labels.yml."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

LABELS_FILE = Path(__file__).with_name("intent_labels.yml")


@lru_cache(maxsize=1)
def intent_labels() -> dict[str, dict[str, Any]]:
    """Label entries keyed by intent name ("faq/<topic>" for FAQ topics)."""
    with LABELS_FILE.open(encoding="utf-8") as handle:
        labels = yaml.safe_load(handle) or {}
    for intent, entry in labels.items():
        if not isinstance(entry, dict) or not entry.get("title"):
            raise ValueError(f"{LABELS_FILE.name}: '{intent}' needs at least a title")
    return labels


def button_for(intent: str) -> dict[str, str] | None:
    """A quick-reply button offering ``intent``, or None when the intent is not offered."""
    entry = intent_labels().get(intent)
    if entry is None:
        return None
    return {"title": entry["title"], "payload": entry.get("payload") or f"/{intent}"}


def problem_for(intent: str) -> str | None:
    """How to name the customer's problem behind ``intent``, or None."""
    entry = intent_labels().get(intent)
    return entry.get("problem") if entry else None
