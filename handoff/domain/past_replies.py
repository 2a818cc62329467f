"""The team's past answers as suggestions: BM25 over (customer message -> agent reply) pairs.

A pair comes from a closed conversation that went well (a CSAT of 4 or 5, or closed as
``resolved``): the customer's message and the agent reply that answered it directly. The
index is kept per language (a Russian question never finds an English reply) and in memory,
rebuilt lazily after additions; past a cap the oldest pairs go first. It is BM25+, whose
weights stay positive however small the corpus (Okapi's go negative for a word in most of a
handful of questions). The same reply given several times is one suggestion that says how
often and how it was rated.

Tokens are masked like the inbox's texts (``domain.inbox.mask``), case-folded, with Latin
diacritics dropped (``narudžba`` finds ``narudzba``): the rule ``bot/text.py`` applies on the
Rasa side, which the service may not import, so it is written here once for the handoff side.

Example::

    index = PastReplies(cap=50_000)
    index.add([ReplyPair("en", "where is my parcel", "It left today.", 5, "c_1")])
    index.search("en", "where's my parcel?", limit=3)[0].reply    # "It left today."
"""

from __future__ import annotations

import unicodedata
from collections import deque
from dataclasses import dataclass, field

import numpy as np
from rank_bm25 import BM25Plus  # type: ignore[import-untyped]  # no type information shipped

from handoff.domain.inbox import mask

GOOD_CSAT = 4  # a rating at or above this makes a conversation's replies worth suggesting
RESOLVED_TAG = "resolved"  # closing with this tag confirms the problem was solved


@dataclass(frozen=True)
class ReplyPair:
    """One customer message and the agent reply that answered it."""

    language: str
    customer: str
    reply: str
    csat: int | None  # the conversation's rating, when it had one
    conversation_id: str


@dataclass(frozen=True)
class PastMatch:
    """A past reply found for a question: how well it matched and how it was received."""

    reply: str
    score: float
    times: int  # how many good conversations answered like this
    best_csat: int | None
    matched: tuple[str, ...]  # the question's words the best pair shared


def tokens(text: str) -> list[str]:
    """Search tokens: masked, case-folded, without Latin combining diacritics (U+0300..U+036F
    only), split at anything but letters, digits and other scripts' marks (a Tamil virama is
    part of its word; the inbox's ``normalise`` splits there, which is harmless for it)."""
    decomposed = unicodedata.normalize("NFD", mask(text).casefold().replace("đ", "d"))
    kept = "".join(ch for ch in decomposed if not "\u0300" <= ch <= "\u036f")
    spaced = "".join(
        ch if ch.isalnum() or ch in "<>" or unicodedata.category(ch).startswith("M") else " "
        for ch in unicodedata.normalize("NFC", kept)
    )
    return spaced.split()


def reply_key(reply: str) -> str:
    """Replies that differ only in case, spacing or punctuation count as the same answer."""
    return " ".join(tokens(reply))


@dataclass
class _Shelf:
    """One language's pairs (oldest first) and, once asked, their BM25 model and postings."""

    pairs: list[ReplyPair] = field(default_factory=list)
    docs: list[list[str]] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)  # reply_key of each pair, computed once
    model: _Model | None = None


class _Model:
    """rank-bm25's BM25+ fitted on a shelf (idf, lengths), scored through postings.

    ``BM25Plus.get_scores`` walks every document for every query word in Python (hundreds of
    milliseconds at 10,000 pairs); the same formula over each word's postings, in numpy, only
    touches the pairs that have the word. Words a pair lacks add the same ``idf * delta`` to
    every pair, so they change no order; the score keeps them to stay BM25+'s.
    """

    def __init__(self, docs: list[list[str]], keys: list[str]) -> None:
        bm25 = BM25Plus(docs)
        self.idf: dict[str, float] = bm25.idf
        self.delta = float(bm25.delta)
        self.k1 = float(bm25.k1)
        lengths = np.asarray(bm25.doc_len, dtype=float)
        self.norm = bm25.k1 * (1 - bm25.b + bm25.b * lengths / bm25.avgdl)
        found: dict[str, tuple[list[int], list[int]]] = {}
        for index, counts in enumerate(bm25.doc_freqs):
            for word, tf in counts.items():
                where, how_often = found.setdefault(word, ([], []))
                where.append(index)
                how_often.append(tf)
        self.postings = {
            w: (np.asarray(i, dtype=np.int64), np.asarray(t, dtype=float))
            for w, (i, t) in found.items()
        }
        distinct = {key: n for n, key in enumerate(dict.fromkeys(keys))}
        self.key_ids = np.asarray([distinct[k] for k in keys], dtype=np.int64)
        self.size = len(docs)

    def scores(self, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(the pairs sharing a word with ``words``, their BM25+ scores)."""
        score = np.zeros(self.size)
        touched = np.zeros(self.size, dtype=bool)
        for word in words:  # a repeated word counts again, as in rank-bm25
            if word not in self.postings:
                continue
            where, tf = self.postings[word]
            score[where] += self.idf[word] * (tf * (self.k1 + 1) / (self.norm[where] + tf))
            touched[where] = True
        candidates = np.flatnonzero(touched)
        constant = sum(self.idf.get(w, 0.0) * self.delta for w in words)
        return candidates, score[candidates] + constant


class PastReplies:
    """The in-memory index (see the module's doc). Not thread-safe; one event loop uses it."""

    def __init__(self, *, cap: int) -> None:
        self.cap = max(1, cap)
        self._shelves: dict[str, _Shelf] = {}
        self._order: deque[str] = deque()  # the language of every pair, oldest first (the cap)

    def __len__(self) -> int:
        return len(self._order)

    def add(self, pairs: list[ReplyPair]) -> None:
        """Index ``pairs`` (oldest first); past the cap the oldest pairs are dropped."""
        for pair in pairs:
            words = tokens(pair.customer)
            if not words or not pair.reply.strip():
                continue
            shelf = self._shelves.setdefault(pair.language, _Shelf())
            shelf.pairs.append(pair)
            shelf.docs.append(words)
            shelf.keys.append(reply_key(pair.reply))
            shelf.model = None
            self._order.append(pair.language)
        dropped: dict[str, int] = {}
        while len(self._order) > self.cap:
            language = self._order.popleft()
            dropped[language] = dropped.get(language, 0) + 1
        for language, count in dropped.items():
            shelf = self._shelves[language]
            del shelf.pairs[:count], shelf.docs[:count], shelf.keys[:count]
            shelf.model = None

    def languages(self) -> list[str]:
        return sorted(self._shelves)

    def fit(self, language: str) -> None:
        """Fit the model of ``language`` now rather than at its next search (about 0.1 s per
        10,000 pairs): the service runs this in a thread after adding, off the event loop. The
        lists are copied first, and a model fitted while pairs were added is thrown away."""
        shelf = self._shelves.get(language)
        if shelf is None or shelf.model is not None:
            return
        docs, keys = list(shelf.docs), list(shelf.keys)
        model = _Model(docs, keys) if docs else None
        if model is not None and shelf.keys[-1:] == keys[-1:] and len(shelf.keys) == len(keys):
            shelf.model = model

    def search(self, language: str, question: str, *, limit: int) -> list[PastMatch]:
        """The best ``limit`` distinct replies for ``question`` in ``language``, best first."""
        shelf = self._shelves.get(language)
        words = tokens(question)
        if shelf is None or not shelf.pairs or not words:
            return []
        if shelf.model is None:
            shelf.model = _Model(shelf.docs, shelf.keys)
        candidates, scores = shelf.model.scores(words)
        return rank(shelf, shelf.model, candidates, scores, words, limit)


SHORTLIST = 20  # best-scored pairs per reply asked for: enough to order the ties


def rank(
    shelf: _Shelf,
    model: _Model,
    candidates: np.ndarray,
    scores: np.ndarray,
    question: list[str],
    limit: int,
) -> list[PastMatch]:
    """Group the scored pairs by reply: a reply's score is its best pair's, ties go to the reply
    given more often (among the pairs that share a word with the question), then the better
    rated."""
    if not len(candidates):
        return []
    order = np.argsort(-scores, kind="stable")[: limit * SHORTLIST]
    key_ids = model.key_ids[candidates]
    best: dict[int, tuple[float, int]] = {}  # key id -> (score, pair) of its best pair
    for position in order:
        key = int(key_ids[position])
        if key not in best:
            best[key] = (float(scores[position]), int(candidates[position]))
    found = []
    for key, (score, top) in best.items():
        members = candidates[key_ids == key]
        ratings = [c for c in (shelf.pairs[int(i)].csat for i in members) if c is not None]
        found.append(
            PastMatch(
                reply=shelf.pairs[top].reply,
                score=score,
                times=len(members),
                best_csat=max(ratings) if ratings else None,
                matched=tuple(w for w in question if w in shelf.docs[top]),
            )
        )
    found.sort(key=lambda m: (-m.score, -m.times, -(m.best_csat or 0)))
    return found[:limit]


def pairs_of(
    entries: list[dict[str, object]], *, language: str, csat: int | None, conversation_id: str
) -> list[ReplyPair]:
    """The (customer message -> agent reply) pairs of a transcript: an agent reply that follows
    a customer message directly answers it (the reply after a reply does not).
    Both texts are masked (``domain.inbox.mask``): one customer's email or order number is
    never suggested to another.
    """
    found: list[ReplyPair] = []
    previous: dict[str, object] | None = None
    for entry in entries:
        if (
            entry.get("author") == "agent"
            and previous is not None
            and previous.get("author") == "customer"
        ):
            found.append(
                ReplyPair(
                    language=language,
                    customer=mask(str(previous.get("text", ""))),
                    reply=mask(str(entry.get("text", ""))),
                    csat=csat,
                    conversation_id=conversation_id,
                )
            )
        if entry.get("author") in ("customer", "agent"):
            previous = entry
    return found
