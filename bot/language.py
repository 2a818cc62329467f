"""Language identification for incoming messages (a Rasa NLU component).

Adds ``{"code": "de", "confidence": 0.93}`` under the key ``language`` of every parsed message, so
the handoff guard can bring in a person who speaks the customer's language. The detector is
lingua, whose models ship inside its wheel: nothing is downloaded at run time.

Short English messages ("ok", "agent", "pls refund") must never be taken for another language,
so a message counts as foreign only when all of these hold:
- it has at least ``min_words`` words, or it is written in a non-Latin script;
- fewer than half of its words are common English words (``english_words.txt``);
- the detector's top language is not English, with confidence >= ``min_confidence``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

LANGUAGE_KEY = "language"
ENGLISH = "en"

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
# Greek, Cyrillic, Hebrew, Arabic, Devanagari, kana, CJK and Hangul: never English.
_NON_LATIN = re.compile(
    "[\u0370-\u03ff\u0400-\u04ff\u0590-\u06ff\u0900-\u097f\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]"
)

DEFAULT_CONFIG: dict[str, Any] = {
    # Languages a person on the team may speak; English must be among them.
    "languages": [
        "en",
        "de",
        "fr",
        "es",
        "it",
        "pt",
        "nl",
        "pl",
        "tr",
        "ru",
        "sv",
        "zh",
        "ja",
        "ar",
    ],  # noqa: E501
    "min_confidence": 0.6,
    "min_words": 3,
}

# (code, confidence) pairs, best first.
Detector = Callable[[str], Sequence[tuple[str, float]]]


@lru_cache(maxsize=1)
def _english_words() -> frozenset[str]:
    path = Path(__file__).with_name("english_words.txt")
    words = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            words.extend(line.split())
    return frozenset(words)


def identify_language(
    text: str, detect: Detector, min_confidence: float, min_words: int
) -> tuple[str, float]:
    """Returns (ISO 639-1 code, confidence) for ``text``; English unless clearly otherwise."""
    words = [w.lower() for w in _WORD.findall(text)]
    non_latin = len(_NON_LATIN.findall(text)) >= 2
    if not words or (len(words) < min_words and not non_latin):
        return ENGLISH, 1.0
    english = _english_words()
    if sum(w in english for w in words) * 2 >= len(words):
        return ENGLISH, 1.0
    ranked = detect(text)
    if not ranked:
        return ENGLISH, 1.0
    code, confidence = ranked[0]
    if code == ENGLISH or confidence < min_confidence:
        return ENGLISH, 1.0
    return code, round(confidence, 3)


class _LinguaDetector:
    """lingua with the configured languages, loaded once per process in a background thread."""

    def __init__(self, codes: Sequence[str]) -> None:
        self._codes = tuple(codes)
        self._detector: Any = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._load, name="lingua-loader", daemon=True)
        self._thread.start()

    def _load(self) -> None:
        from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

        languages = [
            Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in self._codes
        ]
        builder = LanguageDetectorBuilder.from_languages(*languages)
        self._detector = builder.with_preloaded_language_models().build()
        self._ready.set()

    def __call__(self, text: str) -> list[tuple[str, float]]:
        self._ready.wait()
        values = self._detector.compute_language_confidence_values(text)
        return [(v.language.iso_code_639_1.name.lower(), v.value) for v in values[:3]]


@lru_cache(maxsize=4)
def _shared_detector(codes: tuple[str, ...]) -> _LinguaDetector:
    # One detector per process however many graph nodes ask: the models take ~400 MB.
    return _LinguaDetector(codes)


def language_of(text: str) -> str:
    """The ISO 639-1 code of ``text`` with the default settings (for messages NLU never saw)."""
    code, _ = identify_language(
        text,
        _shared_detector(tuple(DEFAULT_CONFIG["languages"])),
        DEFAULT_CONFIG["min_confidence"],
        DEFAULT_CONFIG["min_words"],
    )
    return code


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class LanguageIdentifier(GraphComponent):
    """Tags each message with the language it is written in.

    Usage, in config.yml after the intent classifiers::

        - name: bot.language.LanguageIdentifier
          languages: [en, de, fr]
          min_confidence: 0.5
          min_words: 2
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return dict(DEFAULT_CONFIG)

    def __init__(self, config: dict[str, Any], detect: Detector | None = None) -> None:
        codes = tuple(code.lower() for code in config["languages"])
        if ENGLISH not in codes:
            raise ValueError("LanguageIdentifier: 'languages' must include 'en'")
        self._codes = codes
        self._detect = detect
        self._min_confidence = float(config["min_confidence"])
        self._min_words = int(config["min_words"])

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
            self._detect = _shared_detector(self._codes)
        return self._detect

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):  # a button payload, not something the customer wrote
                code, confidence = ENGLISH, 1.0
            else:
                code, confidence = identify_language(
                    text, self._detector(), self._min_confidence, self._min_words
                )
            message.set(LANGUAGE_KEY, {"code": code, "confidence": confidence}, add_to_output=True)
        return messages
