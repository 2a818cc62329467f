"""Button titles, payloads and problem names per intent and language, from ``labels/<code>.yml``.

English (``labels/en.yml``) is complete; another language's file may lack an entry, which then
falls back to English, so a button never goes missing.

Example::

    button_for("faq/return_policy", "hr")   # {"title": "Kako funkcionira povrat", ...}
    problem_for("report_login_problem")     # "you can't log in"
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

LABELS = Path(__file__).with_name("labels")
ENGLISH = "en"


@lru_cache(maxsize=16)
def intent_labels(language: str = ENGLISH) -> dict[str, dict[str, Any]]:
    """Label entries keyed by intent name ("faq/<topic>" for FAQ topics) for ``language``."""
    path = LABELS / f"{language}.yml"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8") as handle:
        labels = yaml.safe_load(handle) or {}
    for intent, entry in labels.items():
        if not isinstance(entry, dict) or not entry.get("title"):
            raise ValueError(f"{path.name}: '{intent}' needs at least a title")
    return labels


def _entry(intent: str, language: str | None) -> dict[str, Any] | None:
    english = intent_labels(ENGLISH).get(intent)
    if english is None:
        return None
    return {**english, **intent_labels(language or ENGLISH).get(intent, {})}


def button_for(intent: str, language: str | None = ENGLISH) -> dict[str, str] | None:
    """A quick-reply button offering ``intent``, or None when the intent is not offered."""
    entry = _entry(intent, language)
    if entry is None:
        return None
    return {"title": entry["title"], "payload": entry.get("payload") or f"/{intent}"}


def problem_for(intent: str, language: str | None = ENGLISH) -> str | None:
    """How to name the customer's problem behind ``intent``, or None."""
    entry = _entry(intent, language)
    return entry.get("problem") if entry else None
