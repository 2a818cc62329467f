"""Sparse features of a whole message: word counts, character n-gram counts, regex matches.

The bot's classifier (bot/intent_classifier.py) reads one row of features per message, so this
featurizer makes exactly that, for all messages in one batch: no tokens and no per-token
matrices, which Rasa's tokenizer + CountVectorsFeaturizer pair builds for every example and then
fingerprints after each pipeline step. On the ~12,000 examples of six languages that pair cost
about a minute and a half of every training (py-spy profile in docs/nlu-evaluation.md).

Text is lower-cased and Latin diacritics are folded before counting, so "narudzba" and
"narudžba", "еще" and "ещё" are the same word: customers type both.

Usage, in config.yml first in the pipeline::

    - name: bot.featurizer.MessageFeaturizer
      char_ngrams: [2, 4]
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.sparse_featurizer.sparse_featurizer import SparseFeaturizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import CountVectorizer

from bot.text import fold

WORD_PATTERN = r"(?u)\b\w+\b"


class QuickFeatures(Features):
    """Features whose fingerprint hashes the matrix's values, not its ``str()`` (Rasa hashes
    every message's features after every training step to key its cache)."""

    _cached_fingerprint: str | None  # set by Features.__init__

    def fingerprint(self) -> str:
        if self._cached_fingerprint is None:
            digest = hashlib.md5(usedforsecurity=False)
            digest.update(f"{self.type}|{self.origin}|{self.attribute}".encode())
            coo = self.features.tocoo()
            digest.update(repr(coo.shape).encode())
            for part in (coo.row, coo.col, coo.data):
                digest.update(np.ascontiguousarray(part).tobytes())
            self._cached_fingerprint = digest.hexdigest()
        return self._cached_fingerprint


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class MessageFeaturizer(SparseFeaturizer, GraphComponent):
    """Sentence-level count features of the message text (see the module's docstring)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**SparseFeaturizer.get_default_config(), "char_ngrams": [2, 4], "words": True}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        vocabularies: dict[str, dict[str, int]] | None = None,
        patterns: list[str] | None = None,
    ) -> None:
        super().__init__(execution_context.node_name, {**self.get_default_config(), **config})
        self._storage = model_storage
        self._resource = resource
        self._patterns = [re.compile(p, re.IGNORECASE) for p in patterns or []]
        self._pattern_sources = list(patterns or [])
        self._vectorizers = {
            kind: self._vectorizer(kind, vocabulary)
            for kind, vocabulary in (vocabularies or {}).items()
        }

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        low, high = config.get("char_ngrams", [2, 4])
        if not 1 <= low <= high:
            raise ValueError("MessageFeaturizer: char_ngrams must be [low, high], 1 <= low <= high")

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MessageFeaturizer:
        return cls(config, model_storage, resource, execution_context)

    def _vectorizer(self, kind: str, vocabulary: dict[str, int] | None = None) -> CountVectorizer:
        if kind == "words":
            return CountVectorizer(
                preprocessor=fold, token_pattern=WORD_PATTERN, vocabulary=vocabulary
            )
        low, high = self._config["char_ngrams"]
        return CountVectorizer(
            preprocessor=fold, analyzer="char_wb", ngram_range=(low, high), vocabulary=vocabulary
        )

    # -- training ---------------------------------------------------------------------------------
    def train(self, training_data: TrainingData) -> Resource:
        texts = [m.get(TEXT) for m in training_data.training_examples if m.get(TEXT)]
        kinds = ["words", "chars"] if self._config["words"] else ["chars"]
        self._vectorizers = {kind: self._vectorizer(kind).fit(texts) for kind in kinds}
        self._pattern_sources = [r["pattern"] for r in training_data.regex_features]
        self._patterns = [re.compile(p, re.IGNORECASE) for p in self._pattern_sources]
        with self._storage.write_to(self._resource) as directory:
            vocabularies = {
                kind: {term: int(index) for term, index in v.vocabulary_.items()}
                for kind, v in self._vectorizers.items()
            }
            (directory / "featurizer.json").write_text(
                json.dumps({"vocabularies": vocabularies, "patterns": self._pattern_sources})
            )
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> MessageFeaturizer:
        try:
            with model_storage.read_from(resource) as directory:
                saved = json.loads((directory / "featurizer.json").read_text())
        except ValueError:
            return cls(config, model_storage, resource, execution_context)
        return cls(
            config,
            model_storage,
            resource,
            execution_context,
            saved["vocabularies"],
            saved["patterns"],
        )

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    # -- features ---------------------------------------------------------------------------------
    def process(self, messages: list[Message]) -> list[Message]:
        with_text = [m for m in messages if m.get(TEXT)]
        if not with_text or not self._vectorizers:
            return messages
        texts = [m.get(TEXT) for m in with_text]
        blocks = [v.transform(texts) for v in self._vectorizers.values()]
        if self._patterns:
            flags = [[1.0 if p.search(t) else 0.0 for p in self._patterns] for t in texts]
            blocks.append(scipy.sparse.csr_matrix(np.array(flags)))
        rows = scipy.sparse.hstack(blocks, format="csr")
        for index, message in enumerate(with_text):
            message.add_features(
                QuickFeatures(rows[index].tocoo(), FEATURE_TYPE_SENTENCE, TEXT, self._identifier)
            )
        return messages
