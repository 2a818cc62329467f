"""Language identification for incoming messages (a Rasa NLU component).

Adds ``{"code": "hr", "detected": "bs", "confidence": 0.93, "served": true}`` under the key
``language`` of every parsed message, and, when it is clearly a served language, a ``language``
entity that fills the conversation's ``language`` slot (what the bot answers in; see
contract/languages.yml):
- ``detected`` is lingua's best guess among **every language it ships** (75), with the
  confidences of a group of related languages (hr/bs/sr, ms/id, ...) added up;
- ``code`` is the language to answer in: ``detected``, or the served member of its group
  (a Bosnian customer gets the Croatian answers); ``None`` when the message is too short or
  unclear to tell, so the conversation keeps the language it had.

Short English messages ("ok", "agent", "pls refund") must never be taken for another language:
- a Latin-script message of fewer than ``min_words`` words is too short to tell (``None``);
- one made at least half of common English words (``english_words.txt``) is English;
- order numbers, email addresses, links and digits are not words of any language.

Memory: lingua's full models for all 75 languages take ~1.2 GB. The detector ranks all
languages with lingua's low-accuracy mode (trigram models, ~75 MB), trusts that ranking when it
is sure, and otherwise confirms a served language with the full models of the served languages
and a few neighbours (docs/nlu-evaluation.md, "Language identification", has the measurements
and the tuning). Nothing is downloaded: the models are in the wheel.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_CONFIDENCE,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.languages import ENGLISH, Languages, served_languages

LANGUAGE_KEY = "language"
LANGUAGE_ENTITY = "language"

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
# Not words of any language: order numbers, emails, links, digits.
_NOT_WORDS = re.compile(
    r"\b(?:td[\s-]?)?\d{6}\b|[\w.+'-]+@[\w-]+(?:\.[\w-]+)+|https?://\S+|www\.\S+|\d+", re.I
)
# Letters outside the Latin script: such a message is never English, however short.
_NON_LATIN = re.compile(r"[^\W\d_a-zA-Z\u00c0-\u024f\u1e00-\u1eff]")

DEFAULT_CONFIG: dict[str, Any] = {
    # Fewer Latin-script words than this is too short to tell.
    "min_words": 3,
    # A served language is accepted when the full models give it at least ``confirm`` and the
    # all-language ranking has it among its first ``confirm_within`` groups, unless that
    # ranking puts another language first with at least ``veto``.
    "confirm": 0.7,
    "confirm_within": 3,
    "veto": 0.95,
    # Otherwise the all-language ranking decides when its best group has at least ``sure``
    # (its trigram models are overconfident on short messages, hence the high bar).
    "sure": 0.95,
    # Besides the served languages and English, the full models of these close neighbours are
    # kept, so that a Slovenian or Ukrainian message is not confirmed as Croatian or Russian.
    "neighbours": ["uk", "sl"],
}
# Tuned with scripts/language_eval.py --tune on half of tests/bot/fixtures/language_samples.yml;
# docs/nlu-evaluation.md reports the other half.


@dataclass(frozen=True)
class Evidence:
    """Two rankings of a message's language, each [(code, confidence)], best first."""

    everywhere: Sequence[tuple[str, float]]  # all 75 languages, trigram models
    served: Sequence[tuple[str, float]]  # the served languages and neighbours, full models


Detector = Callable[[str], Evidence]


@dataclass(frozen=True)
class Identified:
    """What a message says about the conversation's language."""

    code: str | None  # the language to answer in; None: too short or unclear to tell
    detected: str | None  # lingua's language (the best of its group)
    confidence: float

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "detected": self.detected, "confidence": self.confidence}


UNCLEAR = Identified(None, None, 0.0)


@lru_cache(maxsize=1)
def _english_words() -> tuple[frozenset[str], frozenset[str]]:
    """(English function words, all common English words), from english_words.txt."""
    path = Path(__file__).with_name("english_words.txt")
    sections: dict[str, list[str]] = {"function": [], "other": []}
    section = "other"
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("["):
            section = line.strip("[] ")
        elif not line.startswith("#"):
            sections[section].extend(line.split())
    function = frozenset(sections["function"])
    return function, function | frozenset(sections["other"])


def looks_english(words: Sequence[str]) -> bool:
    """All common English words, or at least half of them with an English function word."""
    function, common = _english_words()
    known = [w for w in words if w in common]
    if len(known) == len(words):
        return True
    return len(known) * 2 >= len(words) and any(w in function for w in known)


def by_group(ranked: Sequence[tuple[str, float]], languages: Languages) -> list[tuple[str, float]]:
    """Confidences of related languages added up, under the group's best-ranked member."""
    totals: dict[tuple[str, ...], float] = {}
    best: dict[tuple[str, ...], str] = {}
    for code, confidence in ranked:
        group = languages.group_of(code)
        totals[group] = totals.get(group, 0.0) + confidence
        best.setdefault(group, code)
    return sorted(((best[g], c) for g, c in totals.items()), key=lambda item: -item[1])


def identify_language(
    text: str,
    detect: Detector,
    languages: Languages,
    config: dict[str, Any] | None = None,
) -> Identified:
    """The language of ``text``: English unless clearly otherwise, None when it cannot tell."""
    settings = {**DEFAULT_CONFIG, **(config or {})}
    cleaned = _NOT_WORDS.sub(" ", text)
    words = [w.lower() for w in _WORD.findall(cleaned)]
    if not words:
        return UNCLEAR
    non_latin = len(_NON_LATIN.findall(cleaned)) >= 2
    if not non_latin:
        if len(words) < settings["min_words"]:
            return UNCLEAR
        if looks_english(words):
            return Identified(ENGLISH, ENGLISH, 1.0)
    # English loanwords ("order", "refund", "cancel") say nothing about the language around them
    # and pull lingua towards languages that share them: detect on the other words.
    own = [w for w in words if w not in _english_words()[1]] or words
    evidence = detect(" ".join(own))
    return decide(evidence, languages, settings)


def decide(evidence: Evidence, languages: Languages, settings: dict[str, Any]) -> Identified:
    """Confirm a served language with the full models unless the all-language ranking is sure
    of another; else take the all-language ranking when it is sure; else it does not tell."""
    everywhere = by_group(evidence.everywhere, languages)
    if not everywhere:
        return UNCLEAR
    code, confidence = everywhere[0]
    served = by_group(evidence.served, languages)
    if served:
        best, sure = served[0]
        candidates = {languages.group_of(c) for c, _ in everywhere[: settings["confirm_within"]]}
        vetoed = not languages.serves(code) and confidence >= settings["veto"]
        if (
            languages.serves(best)
            and sure >= settings["confirm"]
            and languages.group_of(best) in candidates
            and not vetoed
        ):
            return Identified(languages.answer_in(best), best, round(sure, 3))
    if confidence >= settings["sure"]:
        return Identified(languages.answer_in(code), code, round(confidence, 3))
    return UNCLEAR


class LinguaDetector:
    """lingua's two views of a message, loaded once per process in a background thread.

    Every language lingua ships (75) in low-accuracy mode (trigram models, ~75 MB), and the
    served languages, English and a few close neighbours with the full models (better on short
    messages, ~25 MB per language). Models are shared by all detectors of the process.
    """

    def __init__(self, languages: Languages, neighbours: Sequence[str] = ()) -> None:
        self._codes = sorted({*languages.served, ENGLISH, *neighbours})
        self._everywhere: Any = None
        self._served: Any = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._load, name="lingua-loader", daemon=True)
        self._thread.start()

    def _load(self) -> None:
        from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

        self._everywhere = (
            LanguageDetectorBuilder.from_all_languages()
            .with_low_accuracy_mode()
            .with_preloaded_language_models()
            .build()
        )
        codes = self._codes
        self._served = (
            LanguageDetectorBuilder.from_languages(
                *(Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in codes)
            )
            .with_preloaded_language_models()
            .build()
        )
        self._ready.set()

    def __call__(self, text: str) -> Evidence:
        self._ready.wait()
        return Evidence(
            everywhere=_ranked(self._everywhere.compute_language_confidence_values(text)),
            served=_ranked(self._served.compute_language_confidence_values(text)),
        )


def _ranked(values: Any) -> list[tuple[str, float]]:
    return [(v.language.iso_code_639_1.name.lower(), float(v.value)) for v in values[:8]]


@lru_cache(maxsize=1)
def shared_detector() -> LinguaDetector:
    # One detector per process however many graph nodes ask.
    return LinguaDetector(served_languages(), DEFAULT_CONFIG["neighbours"])


def language_of(text: str) -> str | None:
    """The language to answer ``text`` in, with the default settings (for messages NLU never
    saw, e.g. in dialogue tests); None when it cannot tell."""
    return identify_language(text, shared_detector(), served_languages()).code


def with_picked_language(parse: dict[str, Any], picked: object) -> dict[str, Any]:
    """The parse data with the language the customer picked in the widget, when the bot serves
    it: their choice wins over what the message looks like ("ok" after picking Tagalog)."""
    languages = served_languages()
    if not isinstance(picked, str) or not languages.serves(picked.lower()):
        return parse
    code = languages.answer_in(picked.lower())
    entity = {
        ENTITY_ATTRIBUTE_TYPE: LANGUAGE_ENTITY,
        ENTITY_ATTRIBUTE_VALUE: code,
        ENTITY_ATTRIBUTE_CONFIDENCE: 1.0,
        ENTITY_ATTRIBUTE_START: 0,
        ENTITY_ATTRIBUTE_END: len(parse.get(TEXT) or ""),
        EXTRACTOR: "picked",
    }
    entities = [e for e in parse.get(ENTITIES) or [] if e.get("entity") != LANGUAGE_ENTITY]
    found = {"code": code, "detected": picked.lower(), "confidence": 1.0, "served": True}
    return {**parse, LANGUAGE_KEY: {**found, "picked": True}, ENTITIES: [*entities, entity]}


def language_name(code: str) -> str:
    """The language's English name ("Croatian"), for messages to a customer it cannot serve."""
    return served_languages().name(code)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class LanguageIdentifier(GraphComponent):
    """Tags each message with its language; a clear one also becomes a ``language`` entity.

    Usage, in config.yml after the intent classifiers (the languages it serves and their
    groups are in contract/languages.yml)::

        - name: bot.language.LanguageIdentifier
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return dict(DEFAULT_CONFIG)

    def __init__(self, config: dict[str, Any], detect: Detector | None = None) -> None:
        self._detect = detect
        self._languages = served_languages()
        self._config = {**DEFAULT_CONFIG, **config}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageIdentifier:
        component = cls(config)
        if execution_context.model_id is not None:
            component._detector()  # a loaded model will serve messages: start loading now
        return component

    def _detector(self) -> Detector:
        if self._detect is None:
            self._detect = shared_detector()
        return self._detect

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):  # a button payload, not something the customer wrote
                identified = UNCLEAR
            else:
                identified = identify_language(
                    text, self._detector(), self._languages, self._config
                )
            served = identified.code is not None and self._languages.serves(identified.code)
            found = {**identified.as_dict(), "served": served}
            message.set(LANGUAGE_KEY, found, add_to_output=True)
            # Only a served language becomes the conversation's at once: a one-off message that
            # reads as another language (a misreading, a quote) must not switch the bot's
            # answers; whether to hand off for it is the guard's call (bot/handoff_triggers.py).
            if served:
                entities = [e for e in message.get(ENTITIES, []) if e.get("entity") != "language"]
                entities.append(
                    {
                        ENTITY_ATTRIBUTE_TYPE: LANGUAGE_ENTITY,
                        ENTITY_ATTRIBUTE_VALUE: identified.code,
                        ENTITY_ATTRIBUTE_CONFIDENCE: identified.confidence,
                        # The whole message says it; no span of it is "the language".
                        ENTITY_ATTRIBUTE_START: 0,
                        ENTITY_ATTRIBUTE_END: len(text),
                        EXTRACTOR: type(self).__name__,
                    }
                )
                message.set(ENTITIES, entities, add_to_output=True)
        return messages
