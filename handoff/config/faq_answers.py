"""The bot's FAQ answers in every served language, read from the writers' response files.

The service cannot run Rasa's NLG, and asking the bot to answer would touch the tracker of a
conversation a person owns. So it reads the same files the bot is trained from
(``data/responses/*.yml``: ``utter_faq/<topic>`` responses, one variation per language with a
``condition`` on the ``language`` slot) and picks the text the way Rasa's templated NLG does: a
variation whose conditions all hold for the conversation (its ``language``), else the one
without conditions (English). Read once at start-up, like the canned responses: the fallback
when Rasa's parse does not carry the loaded model's own variations (``choose`` picks among those
the same way).

Example::

    answers = load_faq_answers(Path("data/responses"))
    answers.text("faq/shipping_time", "hr")   # "Standardna dostava traje 3–5 radnih dana, …"
    answers.text("faq/shipping_time", "de")   # None: the bot does not answer in German
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PREFIX = "utter_"  # the response of retrieval intent faq/<topic> is utter_faq/<topic>
LANGUAGE_SLOT = "language"


class FaqAnswersError(ValueError):
    """A response file is malformed; the message names it."""


@dataclass(frozen=True)
class FaqAnswers:
    """``faq/<topic>`` -> language ("" for the unconditioned default) -> the answer's text."""

    by_topic: dict[str, dict[str, str]]
    default_language: str = "en"  # the language of the variations without a condition

    def text(self, topic: str, language: str) -> str | None:
        """What the bot says for ``topic`` to a conversation in ``language``; None when the bot
        has no answer in that language (an English answer is no suggestion for a German
        customer the bot handed over for their language)."""
        variants = self.by_topic.get(topic) or {}
        if language in variants:
            return variants[language]
        return variants.get("") if language in ("", self.default_language) else None

    def __len__(self) -> int:
        return len(self.by_topic)


def load_faq_answers(folder: Path, default_language: str = "en") -> FaqAnswers:
    """Every ``utter_faq/…`` response in the YAML files of ``folder`` (a file also works)."""
    files = sorted(folder.glob("*.yml")) if folder.is_dir() else [folder]
    by_topic: dict[str, dict[str, str]] = {}
    for path in files:
        with path.open(encoding="utf-8") as handle:
            data = yaml.safe_load(handle) or {}
        responses = data.get("responses") if isinstance(data, dict) else None
        if not isinstance(responses, dict):
            continue
        for name, variations in responses.items():
            if not (isinstance(name, str) and name.startswith(PREFIX + "faq/")):
                continue
            if not isinstance(variations, list):
                raise FaqAnswersError(f"{path}: {name} must be a list of variations")
            topic = name.removeprefix(PREFIX)
            for variation in variations:
                language = _language_of(variation, f"{path}: {name}")
                text = variation.get("text") if isinstance(variation, dict) else None
                if language is not None and isinstance(text, str) and text.strip():
                    # The first variation per language, as a one-variation response would be.
                    by_topic.setdefault(topic, {}).setdefault(language, text.strip())
    return FaqAnswers(by_topic, default_language)


def choose(variations: list[Any], language: str, default_language: str = "en") -> str | None:
    """The text a list of response variations (as Rasa's parse or a response file holds them)
    gives a conversation in ``language``: as :meth:`FaqAnswers.text` picks (None: none fits)."""
    by_language: dict[str, str] = {}
    for variation in variations:
        try:
            found = _language_of(variation, "the parse")
        except FaqAnswersError:
            continue
        text = variation.get("text") if isinstance(variation, dict) else None
        if found is not None and isinstance(text, str) and text.strip():
            by_language.setdefault(found, text.strip())
    return FaqAnswers({"": by_language}, default_language).text("", language)


def _language_of(variation: Any, where: str) -> str | None:
    """ "" for no condition, the language a ``language`` slot condition names, or None when the
    variation has conditions on anything else (it cannot be judged from the language)."""
    if not isinstance(variation, dict):
        raise FaqAnswersError(f"{where}: a variation must be a mapping")
    conditions = variation.get("condition") or []
    if not conditions:
        return ""
    if not isinstance(conditions, list):
        raise FaqAnswersError(f"{where}: 'condition' must be a list")
    languages = [
        str(c.get("value"))
        for c in conditions
        if isinstance(c, dict) and c.get("type") == "slot" and c.get("name") == LANGUAGE_SLOT
    ]
    return languages[0] if len(languages) == 1 and len(conditions) == 1 else None
