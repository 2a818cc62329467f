"""The emails Tandem sends a customer, rendered from the transcript: a text and an HTML part.

Three kinds: an agent's replies (with the recent transcript quoted), the whole transcript, and
the follow-up after a resolution ("Was your problem solved?" with its signed answer links).

Nothing a customer, an agent or the bot wrote ever becomes markup: every text is escaped
(``html.escape``) before it goes into the HTML part, and line breaks become ``<br>``. Headers are
built from one line of text each, control characters removed and capped, so no text can add a
header (``compose`` also leaves the refusal of CR/LF to the ``email`` package's SMTP policy).

Example::

    mail = render(MailContent(kind="reply", language="de", new=[entry], earlier=[...],
                              chat_url="https://shop.example/help"), texts)
    message = compose(mail, sender="Shop <help@shop.example>", to="sam@example.org",
                      reply_to="reply+…@reply.shop.example",
                      message_id="<m.e1.c_….@reply.shop.example>", references=())
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate
from typing import Literal

from handoff.config.texts import SystemTexts
from handoff.protocol.types import AgentEntry

MailKind = Literal["reply", "transcript", "followup"]

MAX_SUBJECT_CHARS = 160
MAX_HEADER_CHARS = 900  # one header line stays under RFC 5322's 998 with its name
MAX_ENTRY_CHARS = 4000  # as long as a message may be (TANDEM_MAX_MESSAGE_CHARS' default)
MAX_QUOTED = 10  # a reply quotes this many earlier entries
MAX_TRANSCRIPT_ENTRIES = 500
MAX_BODY_CHARS = 200_000  # all the texts of one email together
MAX_REFERENCES = 10
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


@dataclass(frozen=True)
class MailContent:
    """What one email says: the agent's new messages (a reply) and the transcript around them."""

    kind: MailKind
    language: str
    new: Sequence[AgentEntry] = ()
    earlier: Sequence[AgentEntry] = ()
    chat_url: str = ""
    # A follow-up's answers: (the button's words, the signed link), "yes" first.
    answers: Sequence[tuple[str, str]] = ()


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def one_line(text: str, limit: int = MAX_HEADER_CHARS) -> str:
    """``text`` as one header-safe line: control characters (CR, LF, …) become spaces."""
    return _CONTROL.sub(" ", text).strip()[:limit]


def _clip(text: str, limit: int = MAX_ENTRY_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _speaker(entry: AgentEntry, language: str, texts: SystemTexts) -> str:
    if entry["author"] == "customer":
        return texts.render("mail_you", language)
    if entry["author"] == "agent":
        return one_line(entry.get("agent_name") or "", 80) or texts.render("mail_bot", language)
    return texts.render("mail_bot", language)


def _shown(entries: Sequence[AgentEntry]) -> list[AgentEntry]:
    """What a customer reads in an email: what people and the bot said, not system notices."""
    return [e for e in entries if e["author"] != "system" and e.get("text")]


def subject_for(kind: str, language: str, texts: SystemTexts) -> str:
    """The subject line of an email of this kind (``reply``, ``transcript``, ``followup``)."""
    name = {"transcript": "mail_subject_transcript", "followup": "followup_question"}.get(
        kind, "mail_subject_reply"
    )
    return one_line(texts.render(name, language), MAX_SUBJECT_CHARS)


def render(content: MailContent, texts: SystemTexts) -> RenderedMail:
    """The subject, the plain-text part and the (escaped) HTML part of one email."""
    lang = content.language
    new = _shown(content.new)
    earlier = _shown(content.earlier)
    if content.kind == "reply":
        earlier = earlier[-MAX_QUOTED:]
    else:
        earlier = earlier[-MAX_TRANSCRIPT_ENTRIES:]
    subject = subject_for(content.kind, lang, texts)
    text_parts: list[str] = []
    html_parts: list[str] = []
    budget = MAX_BODY_CHARS

    def lines(entries: Sequence[AgentEntry], quote: str) -> tuple[list[str], list[str]]:
        nonlocal budget
        plain, marked = [], []
        for entry in entries:
            said = _clip(entry["text"])
            if budget - len(said) < 0:
                break
            budget -= len(said)
            who = _speaker(entry, lang, texts)
            plain.append(f"{quote}{who}: " + said.replace("\n", f"\n{quote}"))
            marked.append(
                f"<p><b>{html.escape(who)}:</b> "
                + html.escape(said).replace("\n", "<br>\n")
                + "</p>"
            )
        return plain, marked

    if content.kind == "reply" and new:
        agent = _speaker(new[-1], lang, texts)
        intro = texts.render("mail_reply_intro", lang, agent=agent)
        text_parts.append(intro)
        html_parts.append(f"<p>{html.escape(intro)}</p>")
        for entry in new:
            said = _clip(entry["text"])
            budget -= len(said)
            text_parts.append(said)
            html_parts.append(
                '<p style="font-size:1.1em">' + html.escape(said).replace("\n", "<br>\n") + "</p>"
            )
        if earlier:
            heading = texts.render("mail_earlier", lang)
            plain, marked = lines(earlier, "> ")
            text_parts += ["", heading, *plain]
            html_parts += [
                f"<p>{html.escape(heading)}</p>",
                '<blockquote style="border-left:3px solid #ccc;margin:0;padding-left:1em;'
                'color:#555">',
                *marked,
                "</blockquote>",
            ]
    elif content.kind == "followup":
        question = texts.render("followup_question", lang)
        text_parts.append(question)
        html_parts.append(f'<p style="font-size:1.1em">{html.escape(question)}</p>')
        for label, url in content.answers:
            text_parts.append(f"{label}: {url}")
            html_parts.append(
                f'<p><a href="{html.escape(url, quote=True)}">{html.escape(label)}</a></p>'
            )
    else:
        intro = texts.render("mail_transcript_intro", lang)
        plain, marked = lines([*earlier, *new], "")
        text_parts += [intro, "", *plain]
        html_parts += [f"<p>{html.escape(intro)}</p>", *marked]
    footer = []
    if content.chat_url:
        footer.append(texts.render("mail_link", lang, url=content.chat_url))
    footer.append(texts.render("mail_reply_hint", lang))
    text_parts += ["", "--", *footer]
    html_parts.append("<hr>")
    for line in footer:
        if content.chat_url and line.endswith(content.chat_url):
            label = html.escape(line[: -len(content.chat_url)])
            url = html.escape(content.chat_url, quote=True)
            html_parts.append(f'<p>{label}<a href="{url}">{html.escape(content.chat_url)}</a></p>')
        else:
            html_parts.append(f"<p>{html.escape(line)}</p>")
    document = (
        f'<!doctype html>\n<html lang="{html.escape(lang or "en", quote=True)}">'
        '<head><meta charset="utf-8"></head>\n'
        '<body style="font-family:sans-serif;line-height:1.4">\n'
        + "\n".join(html_parts)
        + "\n</body></html>\n"
    )
    return RenderedMail(
        subject=one_line(subject, MAX_SUBJECT_CHARS),
        text="\n".join(text_parts) + "\n",
        html=document,
    )


def compose(
    mail: RenderedMail,
    *,
    sender: str,
    to: str,
    reply_to: str,
    message_id: str,
    references: Sequence[str] = (),
    list_unsubscribe: str = "",
    one_click: bool = False,
    date: float | None = None,
) -> EmailMessage:
    """One ``multipart/alternative`` message (text first, HTML preferred) with its headers.

    ``references``: the conversation's earlier Message-IDs, oldest first; the last one is
    ``In-Reply-To``, so mail clients thread the emails of one conversation.
    """
    message = EmailMessage(policy=SMTP)
    message["Subject"] = one_line(mail.subject, MAX_SUBJECT_CHARS)
    message["From"] = one_line(sender)
    message["To"] = one_line(to, 254)
    message["Reply-To"] = one_line(reply_to, 320)
    message["Message-ID"] = one_line(message_id, 250)
    message["Date"] = formatdate(date, usegmt=True)
    refs = [one_line(r, 250) for r in references if r][-MAX_REFERENCES:]
    if refs:
        message["In-Reply-To"] = refs[-1]
        message["References"] = " ".join(refs)
    if list_unsubscribe:
        message["List-Unsubscribe"] = one_line(list_unsubscribe)
        if one_click:  # RFC 8058: the https link takes a POST, no page to click through
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # Auto-replies (out of office) should not answer, and be recognisable as automated.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    return message
