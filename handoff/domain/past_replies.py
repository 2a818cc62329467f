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
    """One language's pairs and, once asked, their BM25 index."""

    pairs: deque[ReplyPair] = field(default_factory=deque)
    docs: deque[list[str]] = field(default_factory=deque)
    bm25: BM25Plus | None = None


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
            shelf.bm25 = None
            self._order.append(pair.language)
        while len(self._order) > self.cap:
            oldest = self._shelves[self._order.popleft()]
            oldest.pairs.popleft()
            oldest.docs.popleft()
            oldest.bm25 = None

    def search(self, language: str, question: str, *, limit: int) -> list[PastMatch]:
        """The best ``limit`` distinct replies for ``question`` in ``language``, best first."""
        shelf = self._shelves.get(language)
        words = tokens(question)
        if shelf is None or not shelf.pairs or not words:
            return []
        if shelf.bm25 is None:
            shelf.bm25 = BM25Plus(list(shelf.docs))
        scores = shelf.bm25.get_scores(words)
        return rank(list(shelf.pairs), list(shelf.docs), [float(s) for s in scores], words, limit)


def rank(
    pairs: list[ReplyPair],
    docs: list[list[str]],
    scores: list[float],
    question: list[str],
    limit: int,
) -> list[PastMatch]:
    """Group the scored pairs by reply: a reply's score is its best pair's, ties go to the reply
    given more often, then the better rated. Only pairs that share a word count."""
    asked = set(question)
    groups: dict[str, list[int]] = {}
    for index, score in enumerate(scores):
        if score > 0 and asked.intersection(docs[index]):
            groups.setdefault(reply_key(pairs[index].reply), []).append(index)
    found = []
    for members in groups.values():
        best = max(members, key=lambda i: scores[i])
        ratings = [c for c in (pairs[i].csat for i in members) if c is not None]
        found.append(
            PastMatch(
                reply=pairs[best].reply,
                score=scores[best],
                times=len(members),
                best_csat=max(ratings) if ratings else None,
                matched=tuple(w for w in question if w in docs[best]),
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
