"""Email replies as mail clients really send them (Gmail, Outlook, Apple Mail, phones), in the
languages Tandem serves: only the customer's new words are kept."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from handoff.domain.mail_reply import CUT_MARKER, MailRefused, html_to_text, new_text, parse_reply

TOKEN = "reply+abcdefghijklmnopqrstuvwxyz234567abcdefghijkl@reply.example.org"


def mail(
    text: str | None = None,
    *,
    html: str | None = None,
    charset: str = "utf-8",
    message_id: str | None = "<CAF=abc123@mail.gmail.com>",
    **headers: str,
) -> bytes:
    message = EmailMessage()
    message["From"] = "Sam K <sam.k@example.org>"
    message["To"] = TOKEN
    message["Subject"] = "Re: Your conversation with Tandem support"
    if message_id:
        message["Message-ID"] = message_id
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    if text is not None:
        message.set_content(text, charset=charset)
    if html is not None:
        if text is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    return message.as_bytes()


GMAIL = """Still not arrived, sorry. Order TD-1234.

On Tue, 1 Dec 2026 at 10:02, Tandem Support <reply+abc@reply.example.org>
wrote:

> Hi Sam, your parcel left our warehouse yesterday.
> Ana
"""

OUTLOOK = """Thanks, that worked!

Sam
________________________________
From: Tandem Support <reply+abc@reply.example.org>
Sent: Tuesday, December 1, 2026 10:02 AM
To: Sam K <sam.k@example.org>
Subject: Your conversation with Tandem support

Hi Sam, try resetting your password from the login page.
"""

OUTLOOK_CLASSIC = """Not yet.

-----Original Message-----
From: Tandem Support [mailto:reply+abc@reply.example.org]
Sent: Tuesday, December 01, 2026 10:02
Subject: Your conversation
"""

APPLE = """Yes please send a new one

Sent from my iPhone

> On 1 Dec 2026, at 10:02, Tandem Support <reply+abc@reply.example.org> wrote:
>
> Shall we send a replacement?
"""


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (GMAIL, "Still not arrived, sorry. Order TD-1234."),
        (OUTLOOK, "Thanks, that worked!\n\nSam"),
        (OUTLOOK_CLASSIC, "Not yet."),
        (APPLE, "Yes please send a new one"),
        ("All good now.\n\n-- \nSam K\nExample Ltd\n", "All good now."),
        ("Danke!\n\nAm 01.12.2026 um 10:02 schrieb Tandem Support <x@y>:\n> Hallo", "Danke!"),
        (
            "Спасибо, всё пришло.\n\n1 дек. 2026 г., в 10:02, Tandem <x@y> пишет:\n> Здравствуйте",
            "Спасибо, всё пришло.",
        ),
        ("Hvala!\n\nU uto, 1. pro 2026. u 10:02 Tandem <x@y> je napisao:\n> Pozdrav", "Hvala!"),
        (
            "Terima kasih.\n\nPada Sel, 1 Dis 2026 10:02, Tandem <x@y> menulis:\n> Hai",
            "Terima kasih.",
        ),
        (
            "Salamat po.\n\nNoong Mar, Dis 1, 2026 nang 10:02, sumulat si Tandem <x@y>:\n> Kumusta",
            "Salamat po.",
        ),
        ("நன்றி.\n\nசெவ்., 1 டிச., 2026, 10:02 அன்று, Tandem <x@y> எழுதியது:\n> வணக்கம்", "நன்றி."),
        ("Danke\n\n-----Ursprüngliche Nachricht-----\nVon: Tandem\nGesendet: Dienstag\n", "Danke"),
        ("Hvala\n\nŠalje: Tandem <x@y>\nPoslano: utorak, 1. prosinca 2026.\n", "Hvala"),
        ("Ok\n\nVon meinem iPhone gesendet", "Ok"),
    ],
)
def test_only_the_new_words_are_kept(body: str, expected: str) -> None:
    assert parse_reply(mail(body), max_chars=4000).text == expected


def test_an_inline_answer_keeps_the_customers_lines_between_the_quotes() -> None:
    body = "> Which colour?\nBlue.\n> Which size?\nM.\n"
    assert new_text(body) == "Blue.\nM."


def test_a_line_that_merely_mentions_writing_is_kept() -> None:
    body = "On Monday I wrote to you about the refund.\nAny news?"
    assert new_text(body) == body


def test_html_only_mail_becomes_plain_text_without_markup_or_its_quoted_history() -> None:
    html = (
        "<html><head><style>p{color:red}</style></head><body>"
        "<div>It is <b>still</b> broken &amp; I&#39;m upset<br>Sam</div>"
        '<script>alert(1)</script><div class="gmail_quote">On Tue … wrote:'
        "<blockquote>Hi Sam</blockquote></div></body></html>"
    )
    reply = parse_reply(mail(html=html), max_chars=4000)
    assert reply.text == "It is still broken & I'm upset\nSam"


def test_the_plain_part_is_preferred_over_the_html_one() -> None:
    reply = parse_reply(mail("plain words", html="<p>html words</p>"), max_chars=4000)
    assert reply.text == "plain words"


def test_html_entities_stay_text() -> None:
    assert html_to_text("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>").strip() == (
        "<script>alert(1)</script>"
    )


def test_charsets_are_decoded() -> None:
    reply = parse_reply(mail("Hvala, stiglo je. Čestitam!", charset="iso-8859-2"), max_chars=4000)
    assert reply.text == "Hvala, stiglo je. Čestitam!"
    koi8 = parse_reply(mail("Спасибо", charset="koi8-r"), max_chars=4000)
    assert koi8.text == "Спасибо"


def test_an_unknown_charset_is_read_as_utf8_rather_than_refused() -> None:
    raw = (
        b"From: a@b\r\nTo: x@y\r\nMessage-ID: <m1@b>\r\n"
        b"Content-Type: text/plain; charset=x-no-such-charset\r\n\r\nhello \xff there\r\n"
    )
    assert parse_reply(raw, max_chars=4000).text == "hello \ufffd there"


def test_the_message_id_is_kept_without_brackets_or_made_from_the_bytes() -> None:
    assert parse_reply(mail("hi"), max_chars=4000).message_id == "CAF=abc123@mail.gmail.com"
    raw = mail("hi", message_id=None)
    first, again = (parse_reply(raw, max_chars=4000).message_id for _ in range(2))
    assert first == again and first.startswith("sha256:")
    assert parse_reply(mail("hi there", message_id=None), max_chars=4000).message_id != first


def test_a_long_reply_is_cut_with_a_marker_within_the_limit() -> None:
    reply = parse_reply(mail("word " * 2000), max_chars=300)
    assert reply.cut and len(reply.text) <= 300
    assert reply.text.endswith(CUT_MARKER.format(limit=300))
    assert not parse_reply(mail("short"), max_chars=300).cut


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (mail("I am out of office", Auto_Submitted="auto-replied"), "auto_reply"),
        (mail("> only the quote\n> nothing new"), "empty"),
        (mail("On Tue, 1 Dec 2026, Tandem <x@y> wrote:\n> hi"), "empty"),
        (mail("bell \x07 rings"), "invalid_text"),
    ],
)
def test_what_is_not_a_reply_is_refused_with_a_reason(raw: bytes, code: str) -> None:
    with pytest.raises(MailRefused) as refused:
        parse_reply(raw, max_chars=4000)
    assert refused.value.code == code and refused.value.reply.startswith("550 ")


def test_a_message_with_no_text_part_is_refused() -> None:
    message = EmailMessage()
    message["From"] = "a@b"
    message.set_content(b"\x89PNG", maintype="image", subtype="png")
    with pytest.raises(MailRefused) as refused:
        parse_reply(message.as_bytes(), max_chars=4000)
    assert refused.value.code == "no_text"
