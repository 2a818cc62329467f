"""What a customer wrote in an email reply: the new text, without the quoted history (pure).

An email reply carries far more than what the customer typed: the message it answers, quoted
("> …", or under "On Tue, … wrote:", or an Outlook "From: … Sent: …" block), a signature, a
"Sent from my iPhone". Agents need the new words only; the history is in the conversation
already. Parsing uses the stdlib ``email`` package with ``policy.default``: the text/plain part
(or the text of the text/html part, its tags dropped, never rendered), decoded with its declared
charset (an unknown one is read as UTF-8 with replacement characters rather than refused).

Refused (:class:`MailRefused`, whose ``code`` the SMTP edge logs and whose ``reply`` it
answers): an automatic reply (``Auto-Submitted``, out-of-office: it must not wake a ticket),
mail with no text part, characters no text holds (``invalid_text``, the rules of
``protocol/validate.py``), and a reply with nothing left once the history is stripped.

A reply longer than the message limit is **cut, with a marker** the agent sees, rather than
refused: a bounce would reach the customer as an unreadable delivery report while the ticket
stays silent; cut, the agent reads the start and can ask for the rest (``docs/email.md``,
"Email in").

Example::

    reply = parse_reply(raw_bytes, max_chars=4000)
    reply.text        # "Still not arrived, sorry."
    reply.message_id  # "CAF=abc@mail.gmail.com" (or a digest of the bytes when there is none)
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage, MIMEPart
from email.parser import BytesParser
from html.parser import HTMLParser

from handoff.protocol.validate import text_problems

CUT_MARKER = "\n[…] (cut here: the email was longer than {limit} characters)"


class MailRefused(ValueError):
    """A message that does not become a customer message; ``code`` names why."""

    def __init__(self, code: str, reply: str) -> None:
        super().__init__(reply)
        self.code = code
        self.reply = reply  # the SMTP reply, code included


@dataclass(frozen=True)
class Reply:
    text: str
    message_id: str  # without angle brackets
    cut: bool = False  # longer than the limit: cut, with CUT_MARKER at the end


def parse_reply(raw: bytes, *, max_chars: int) -> Reply:
    """The customer's new words in ``raw`` (an RFC 5322 message); raises :class:`MailRefused`."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    if auto != "no" or message.get_content_type() == "multipart/report":
        raise MailRefused("auto_reply", "550 5.7.1 automatic replies are not taken")
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        raise MailRefused("no_text", "550 5.6.0 no text part: write your reply as text")
    content = _text_of(body)
    if body.get_content_subtype() == "html":
        content = html_to_text(content)
    text = new_text(content)
    if text_problems(text):
        raise MailRefused("invalid_text", "550 5.6.0 the reply holds characters that are not text")
    if not text:
        raise MailRefused("empty", "550 5.6.0 no reply found above the quoted message")
    cut = len(text) > max_chars
    if cut:
        marker = CUT_MARKER.format(limit=max_chars)
        text = text[: max(0, max_chars - len(marker))].rstrip() + marker
    return Reply(text=text, message_id=message_id_of(message, raw), cut=cut)


def message_id_of(message: EmailMessage, raw: bytes) -> str:
    """The Message-ID without brackets; for a message without one, a digest of its bytes (so the
    same bytes delivered twice are still one message)."""
    found = str(message.get("Message-ID", "") or "").strip().strip("<>").strip()
    if found and not text_problems(found):
        return found[:500]
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def _text_of(part: MIMEPart) -> str:
    try:
        return str(part.get_content())
    except (LookupError, UnicodeError):  # an unknown or lying charset: read what is readable
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""


# -- html -----------------------------------------------------------------------------------------
_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "hr"}
)
_SKIPPED_TAGS = frozenset({"script", "style", "head", "title", "blockquote"})
# Where mail clients put the quoted history in their HTML (Gmail, Apple Mail, Thunderbird,
# Outlook on the web / Windows).
_QUOTE_MARKS = ("gmail_quote", "moz-cite-prefix", "divrplyfwdmsg", "appendonsend", "yahoo_quoted")


class _TextOfHtml(HTMLParser):
    """Collects the text of an HTML body, as plain text (entities decoded, no markup kept)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip: list[str] = []  # open tags whose content is left out
        self._stopped = False  # past the start of the quoted history

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        marks = " ".join(v or "" for k, v in attrs if k in ("class", "id")).lower()
        if any(mark in marks for mark in _QUOTE_MARKS):
            self._stopped = True
        if tag in _SKIPPED_TAGS:
            self._skip.append(tag)
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self._skip and self._skip[-1] == tag:
            self._skip.pop()
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip and not self._stopped:
            self.parts.append(" ".join(data.split()) if "\n" in data else data)


def html_to_text(html: str) -> str:
    """The text of an HTML body as plain text (the quoted history and scripts left out)."""
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


# -- quoted history and signatures ----------------------------------------------------------------
# "On <date>, <name> wrote:" in the languages Tandem serves and a few neighbours; Gmail wraps
# it over two lines, so it is matched on a line joined with the next one too.
_ATTRIBUTION = re.compile(
    r"^\s*("
    r"on\b.{0,200}\bwrote:"  # en (Gmail, Apple Mail, Thunderbird)
    r"|am\b.{0,200}\bschrieb\b.{0,200}:"  # de
    r"|el\b.{0,200}\bescribió:"  # es
    r"|le\b.{0,200}\ba écrit\s?:"  # fr
    r"|noong\b.{0,200}\b(sumulat|isinulat)\b.{0,100}:"  # tl
    r"|pada\b.{0,200}\bmenulis:"  # ms
    r"|.{0,200}\b(пишет|написал|написала|написал\(а\))\s?:"  # ru
    r"|.{0,200}\b(je napisao|je napisala|je napisao/la|piše)\s?:"  # hr
    r"|.{0,200}எழுதியது\s?:"  # ta
    r")\s*$",
    re.IGNORECASE,
)
# Outlook and others: a separator line, then the history.
_ORIGINAL = re.compile(
    r"^\s*(-{2,}\s*("
    r"original message|ursprüngliche nachricht|mensaje original|message d'origine"
    r"|исходное сообщение|izvorna poruka|mesej asal|orihinal na mensahe|forwarded message"
    r")\s*-{2,}|_{20,})\s*$",
    re.IGNORECASE,
)
# Outlook's header block: "From: …" followed within a few lines by "Sent: …"/"Date: …".
_FROM = re.compile(r"^\s*\*?(from|von|de|от|od|šalje|daripada|mula kay|mula)\s?:", re.IGNORECASE)
_SENT = re.compile(
    r"^\s*\*?(sent|date|gesendet|datum|enviado|fecha|envoyé|отправлено|дата|poslano|"
    r"dihantar|tarikh|ipinadala|petsa)\s?:",
    re.IGNORECASE,
)
# Phone and app signatures (the "-- " delimiter is handled on its own).
_SENT_FROM = re.compile(
    r"^\s*(sent from my \w+|sent from (mail|outlook) for \w+|get outlook for \w+"
    r"|sent from yahoo mail|von meinem \w+ gesendet|gesendet von meinem \w+"
    r"|отправлено с \w+|poslano s mog \w+|dihantar dari \w+|ipinadala mula sa aking \w+"
    r"|enviado desde mi \w+)\b.*$",
    re.IGNORECASE,
)


def new_text(content: str) -> str:
    """What is above the quoted history and the signature, blank runs squeezed, trimmed."""
    lines = content.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    end = _history_start(lines)
    kept: list[str] = []
    for line in lines[:end]:
        if line in ("-- ", "--") or _SENT_FROM.match(line):
            break
        if line.lstrip().startswith(">"):
            continue  # an inline quote between the customer's own lines
        kept.append(line.rstrip())
    text = "\n".join(kept)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _history_start(lines: list[str]) -> int:
    """The index of the first line of quoted history (``len(lines)`` when there is none)."""
    for i, line in enumerate(lines):
        joined = f"{line} {lines[i + 1]}" if i + 1 < len(lines) else line
        if _ORIGINAL.match(line) or _ATTRIBUTION.match(line):
            return i
        if line.strip() and _ATTRIBUTION.match(joined) and not _ATTRIBUTION.match(lines[i + 1]):
            return i
        if _FROM.match(line) and any(_SENT.match(n) for n in lines[i + 1 : i + 5]):
            return i
        if line.lstrip().startswith(">") and all(
            not n.strip() or n.lstrip().startswith(">") for n in lines[i:]
        ):
            return i  # the rest is all quoted (a reply on top with no attribution line)
    return len(lines)
