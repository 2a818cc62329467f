"""Which suggested replies an agent sees, in what order, and why each one is there.

Three sources, at most ``LIMIT`` suggestions in all: the bot's FAQ answer when Rasa recognised
an FAQ topic confidently (the bot would have said exactly this), then the team's past replies
(``domain.past_replies``), then canned responses in the conversation's language that share
words with the question. The same text twice is shown once (the first source keeps it). Every
suggestion says where it came from and why, in words the console shows as they are.

Example::

    faq = faq_suggestion("faq/shipping_time", 0.93, "Standard delivery takes 3–5 days.")
    combine(faq, past_matches, canned_matches(canned, "how long is delivery", "en"))
"""

from __future__ import annotations

import hashlib

from handoff.domain.past_replies import PastMatch, reply_key, tokens
from handoff.protocol.agent import MAX_SUGGESTIONS, Canned, Suggestion

LIMIT = MAX_SUGGESTIONS  # the protocol's bound on one question's feedback is this
MIN_CANNED_SCORE = 2  # words shared with the question (a title or tag word counts twice)
MIN_WORD = 3  # shorter words ("is", "my") say nothing about which canned response fits


def suggestion_id(source: str, text: str) -> str:
    """Stable for the same text from the same source (the console reports feedback by it)."""
    return "s_" + hashlib.sha256(f"{source}\0{text}".encode()).hexdigest()[:12]


def faq_suggestion(topic: str, confidence: float, text: str) -> Suggestion:
    """The bot's answer to the FAQ topic it recognised (``faq/<topic>``)."""
    name = topic.removeprefix("faq/")
    return {
        "id": suggestion_id("faq", text),
        "source": "faq",
        "text": text,
        "why": f"The bot's answer for FAQ “{name}” (confidence {confidence:.2f})",
        "topic": topic,
        "confidence": round(confidence, 4),
    }


def past_suggestion(match: PastMatch) -> Suggestion:
    times = "once" if match.times == 1 else f"{match.times} times"
    rated = f", CSAT {match.best_csat}" if match.best_csat is not None else ", resolved"
    result: Suggestion = {
        "id": suggestion_id("past", match.reply),
        "source": "past",
        "text": match.reply,
        "why": f"Agents answered like this {times}{rated}; shared words: "
        + ", ".join(match.matched),
        "times": match.times,
        "matched": list(match.matched),
    }
    if match.best_csat is not None:
        result["csat"] = match.best_csat
    return result


def canned_matches(canned: list[Canned], question: str, language: str) -> list[Suggestion]:
    """Canned responses in ``language`` that share enough words with ``question``, best first."""
    asked = {w for w in tokens(question) if len(w) >= MIN_WORD}
    scored: list[tuple[int, int, Suggestion]] = []
    for index, response in enumerate(canned):
        if response["language"] != language or not asked:
            continue
        heading = set(tokens(" ".join([response["title"], *response["tags"]])))
        body = set(tokens(response["text"]))
        matched = sorted(asked & (heading | body))
        score = sum(2 if w in heading else 1 for w in matched)
        if score < MIN_CANNED_SCORE:
            continue
        found: Suggestion = {
            "id": suggestion_id("canned", response["text"]),
            "source": "canned",
            "text": response["text"],
            "why": f"Canned “{response['title']}”; shared words: " + ", ".join(matched),
            "canned_id": response["id"],
            "matched": matched,
        }
        scored.append((-score, index, found))
    scored.sort(key=lambda s: (s[0], s[1]))
    return [s for _, _, s in scored]


def combine(
    faq: Suggestion | None,
    past: list[PastMatch],
    canned: list[Suggestion],
    *,
    limit: int = LIMIT,
) -> list[Suggestion]:
    """The suggestions in the order shown (see the module's doc)."""
    ordered = ([faq] if faq else []) + [past_suggestion(m) for m in past] + canned
    shown: list[Suggestion] = []
    seen: set[str] = set()
    for item in ordered:
        key = reply_key(item["text"])
        if key in seen:
            continue
        seen.add(key)
        shown.append(item)
        if len(shown) == limit:
            break
    return shown
