"""How Tandem addresses a customer: one polite register per language, checked.

One customer reads the bot, the widget, the service's notices, its emails and the agents'
canned replies in a row; when one of them says "mo" where the others say "ninyo", the product
sounds like two companies. docs/languages.md states the register of each language. This module
checks what a machine can check of it, in every file a customer reads text from:

- data/responses/*.yml: each language's variation (its text, button titles and payloads);
- actions/locales/<code>.yml: what the triage form says (``when``, ``recap``, ``phrases``);
- actions/labels/<code>.yml: button titles and payloads, problem names;
- handoff/config/system_messages.yml: the service's sentences and emails;
- handoff/config/canned_responses.yml: the texts agents send (titles are for agents only);
- widget/src/widget/locales/<code>.json: the widget.

The rules, each on whole words (a "ka-" prefix or a "mo" inside a word is another word):
1. no text uses a familiar "you" (``FAMILIAR``);
2. Croatian: the polite pronoun is capitalised, "Vi", "Vam", "Vaš", where it is the customer;
3. Tagalog: a sentence that calls the customer kayo/ninyo/inyo also says "po".
Texts in the customer's own voice (buttons, the questions a button sends, the follow-up's
answers) are held to rule 1 only: a customer asks the shop "Koje je vaše radno vrijeme?", a
plural "you", not the honorific one.

Example::

    problems(Path("."))   # [] or ["widget/src/widget/locales/tl.json: status.bot (tl) ..."]
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

# A word runs over letters, the marks of Indic scripts (Python's \w leaves Tamil vowel signs
# out, as actions/locale.py notes) and an inner hyphen or apostrophe: "ka-chat" and "sa'yo"
# are one word each.
LETTERS = r"[\w\u0900-\u0dff]+"
WORD = re.compile(rf"{LETTERS}(?:['’-]{LETTERS})*")
TAMIL = r"[\u0b80-\u0bff]*"
# The files and folders customers read text from (the module's doc says what of each).
SOURCES = (
    "data/responses",
    "actions/locales",
    "actions/labels",
    "handoff/config/system_messages.yml",
    "handoff/config/canned_responses.yml",
    "widget/src/widget/locales",
)

# The familiar "you" of each language, as whole words (case-insensitive).
FAMILIAR = {
    "tl": r"ikaw|ka|kang|mo|mong|iyo|iyong|sayo|sa'yo|sa’yo",
    "ms": r"awak|kamu|engkau|kau|dikau",
    "ru": r"ты|тебя|тебе|тобой|тобою|тво(?:й|я|ё|е|и|его|ей|ему|им|ими|их|ю|ём|ем)",
    "hr": r"ti|tebe|tebi|tobom|tvoj\w*",
    # நீ and the forms of உன்/உனக்: Tamil joins case endings on ("உன்னுடைய", "உனக்குத்").
    "ta": rf"நீ|நீயே|நீயும்|நீதான்|உன்{TAMIL}|உனக்{TAMIL}",
    # Spanish: a widget language (not served by the bot); the service's notices say "usted".
    "es": r"tú|te|ti|contigo|tu|tus|tuyo|tuya|tuyos|tuyas",
}
FAMILIAR_WORDS = {code: re.compile(p, re.IGNORECASE) for code, p in FAMILIAR.items()}
# Words that match a familiar pattern above and are something else, by the start of the word.
NOT_FAMILIAR = {
    "ta": ("உன்னத", "உன்னிப்"),  # உன்னதம் "sublime", உன்னிப்பாக "attentively"
}
# What to write instead, for the message.
POLITE = {
    "tl": "kayo/ninyo/inyo, with po",
    "ms": "anda",
    "ru": "вы",
    "hr": "Vi",
    "ta": "நீங்கள்/உங்கள்",
    "es": "usted/su",
}
CROATIAN_YOU = re.compile(r"vi|vas|vam|vama|vaš\w*", re.IGNORECASE)
TAGALOG_YOU = {"kayo", "kayong", "ninyo", "ninyong", "inyo", "inyong"}
TAGALOG_PO = {"po", "pong", "opo"}
SENTENCE = re.compile(r"[.!?]")
# The service's sentences that are the customer's answer, not ours to them.
CUSTOMER_SAYS = {"followup_yes", "followup_no"}


@dataclass(frozen=True)
class Text:
    """One text a customer reads: where it is, its language, and who speaks in it."""

    where: str
    language: str
    text: str
    to_customer: bool  # False: the customer's own words (a button, the question it sends)


def problems(root: Path) -> list[str]:
    """Every text that breaks its language's register, one line each."""
    found = []
    for text in customer_texts(root):
        words = list(dict.fromkeys(WORD.findall(text.text)))  # each word once
        found += [
            f"{text.where} ({text.language}): '{word}' is the familiar 'you'; "
            f"address the customer as {POLITE[text.language]}"
            for word in words
            if _is_familiar(text.language, word)
        ]
        if not text.to_customer:
            continue
        if text.language == "hr":
            for word in words:
                if CROATIAN_YOU.fullmatch(word) and word[0].islower():
                    found.append(
                        f"{text.where} (hr): write '{word[0].upper() + word[1:]}': the polite "
                        "'Vi' is capitalised when it is the customer"
                    )
        if text.language == "tl" and SENTENCE.search(text.text):
            lower = {w.lower() for w in words}
            if lower & TAGALOG_YOU and not lower & TAGALOG_PO:
                found.append(f"{text.where} (tl): calls the customer kayo/ninyo/inyo without 'po'")
    return found


def _is_familiar(language: str, word: str) -> bool:
    pattern = FAMILIAR_WORDS.get(language)
    if pattern is None or not pattern.fullmatch(word):
        return False
    return not word.lower().startswith(NOT_FAMILIAR.get(language, ()))


def customer_texts(root: Path) -> Iterator[Text]:
    """Every customer-facing text, in every language, from the files listed above."""
    yield from _responses(root)
    yield from _triage_words(root)
    yield from _system_messages(root)
    yield from _canned(root)
    yield from _widget(root)


def _load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _responses(root: Path) -> Iterator[Text]:
    for path in sorted((root / "data/responses").glob("*.yml")):
        where = str(path.relative_to(root))
        for name, variations in ((_load_yaml(path) or {}).get("responses") or {}).items():
            for variation in variations:
                language = next(
                    (
                        str(c.get("value"))
                        for c in variation.get("condition") or []
                        if c.get("name") == "language"
                    ),
                    None,
                )
                if language is None:
                    continue
                yield Text(f"{where}: {name}", language, str(variation.get("text", "")), True)
                for button in variation.get("buttons") or []:
                    said = [str(button.get("title", "")), str(button.get("payload", ""))]
                    for part in said:
                        if not part.startswith("/"):
                            yield Text(f"{where}: {name} (button)", language, part, False)


def _triage_words(root: Path) -> Iterator[Text]:
    for path in sorted((root / "actions/locales").glob("*.yml")):
        data = _load_yaml(path) or {}
        for key in ("when", "recap", "phrases"):
            for name, value in _strings(data.get(key), key):
                yield Text(f"actions/locales/{path.name}: {name}", path.stem, value, True)
    for path in sorted((root / "actions/labels").glob("*.yml")):
        for intent, label in (_load_yaml(path) or {}).items():
            for field, value in (label or {}).items():
                where = f"actions/labels/{path.name}: {intent}.{field}"
                yield Text(where, path.stem, str(value), field == "problem")


def _system_messages(root: Path) -> Iterator[Text]:
    path = root / "handoff/config/system_messages.yml"
    for language, messages in (_load_yaml(path) or {}).items():
        for key, value in (messages or {}).items():
            where = f"handoff/config/system_messages.yml: {key}"
            yield Text(where, str(language), str(value), key not in CUSTOMER_SAYS)


def _canned(root: Path) -> Iterator[Text]:
    path = root / "handoff/config/canned_responses.yml"
    for entry in _load_yaml(path) or []:
        where = f"handoff/config/canned_responses.yml: {entry.get('id')}"
        yield Text(where, str(entry.get("language", "en")), str(entry.get("text", "")), True)


def _widget(root: Path) -> Iterator[Text]:
    for path in sorted((root / "widget/src/widget/locales").glob("*.json")):
        catalog = json.loads(path.read_text(encoding="utf-8"))
        for key, value in _strings(catalog, ""):
            where = f"widget/src/widget/locales/{path.name}: {key}"
            yield Text(where, path.stem, value, True)


def _strings(value: Any, name: str) -> Iterator[tuple[str, str]]:
    """The strings of a nested mapping, each with its dotted key."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _strings(inner, f"{name}.{key}" if name else str(key))
    elif isinstance(value, str):
        yield name, value
