"""Rendering emails: escaped HTML, the quoted transcript, the language, safe headers, caps."""

from email import message_from_bytes
from email.policy import default
from typing import Any

from handoff.config.texts import SystemTexts
from handoff.domain.mail import (
    MAX_QUOTED,
    MAX_SUBJECT_CHARS,
    MailContent,
    RenderedMail,
    compose,
    one_line,
    render,
    subject_for,
)

TEXTS = SystemTexts.load()
HOSTILE = "<script>alert('x')</script> & <b>bold</b>"


def entry(seq: int, author: str, text: str, **extra: Any) -> Any:
    return {"seq": seq, "ts": 1.0, "author": author, "text": text, **extra}


def test_a_reply_has_the_new_message_then_the_quoted_history_escaped_in_html() -> None:
    earlier = [
        entry(1, "customer", "Where is\nmy order?"),
        entry(2, "system", "Nobody is available"),
        entry(3, "bot", "Let me check"),
    ]
    new = [entry(4, "agent", HOSTILE, agent_name="Ana")]
    mail = render(
        MailContent("reply", "en", new=new, earlier=earlier, chat_url="https://x.example/?a=1&b=2"),
        TEXTS,
    )
    assert mail.subject == "New reply to your support request"
    lines = mail.text.splitlines()
    assert lines[:2] == ["Ana replied to you:", HOSTILE]
    assert "> You: Where is" in lines and "> my order?" in lines
    assert "> Assistant: Let me check" in lines
    assert "Nobody is available" not in mail.text  # system notices are not for email
    assert "Continue in the chat: https://x.example/?a=1&b=2" in lines
    assert "<script>" not in mail.html and "<b>bold" not in mail.html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;bold" in mail.html
    assert "Where is<br>\nmy order?" in mail.html
    assert 'href="https://x.example/?a=1&amp;b=2"' in mail.html


def test_the_conversations_language_and_a_hostile_agent_name() -> None:
    new = [entry(2, "agent", "Hallo", agent_name="<img src=x onerror=alert(1)>\r\nBcc: x")]
    mail = render(MailContent("reply", "de", new=new), TEXTS)
    assert mail.subject == "Neue Antwort auf Ihre Support-Anfrage"
    assert "<img" not in mail.html and "&lt;img src=x" in mail.html
    assert "\r" not in mail.text.splitlines()[0]
    assert '<html lang="de">' in mail.html


def test_a_reply_quotes_only_the_latest_entries() -> None:
    earlier = [entry(i, "customer", f"message {i}") for i in range(1, 30)]
    mail = render(
        MailContent("reply", "en", new=[entry(30, "agent", "ok")], earlier=earlier), TEXTS
    )
    quoted = [line for line in mail.text.splitlines() if line.startswith("> You:")]
    assert len(quoted) == MAX_QUOTED and quoted[-1] == "> You: message 29"


def test_a_transcript_has_every_entry_in_order() -> None:
    earlier = [entry(1, "customer", "hi"), entry(2, "agent", "hello", agent_name="Ana")]
    mail = render(MailContent("transcript", "es", earlier=earlier), TEXTS)
    assert mail.subject == "La transcripción de su chat"
    assert mail.text.index("Usted: hi") < mail.text.index("Ana: hello")


def test_a_follow_up_asks_in_the_customers_language_with_escaped_answer_links() -> None:
    answers = [
        ("Ja, gelöst", "https://x.example/api/mail/followup?t=c_1.m&a=yes"),
        ("<b>Nein</b>", 'https://x.example/api/mail/followup?t=c_1.m&a=no"onclick="x'),
    ]
    mail = render(MailContent("followup", "de", answers=answers), TEXTS)
    assert mail.subject == "Wurde Ihr Problem gelöst?" == subject_for("followup", "de", TEXTS)
    lines = mail.text.splitlines()
    assert lines[0] == "Wurde Ihr Problem gelöst?"
    assert "Ja, gelöst: https://x.example/api/mail/followup?t=c_1.m&a=yes" in lines
    assert 'href="https://x.example/api/mail/followup?t=c_1.m&amp;a=yes"' in mail.html
    assert '&amp;a=no&quot;onclick=&quot;x"' in mail.html and 'onclick="' not in mail.html
    assert "&lt;b&gt;Nein&lt;/b&gt;" in mail.html and "<b>Nein" not in mail.html
    # Without a public address there are no links; a reply by email still answers.
    bare = render(MailContent("followup", "en"), TEXTS)
    assert "http" not in bare.text and "reply to this email" in bare.text


def test_headers_cannot_be_injected_and_threading_is_set() -> None:
    rendered = RenderedMail("Hi\r\nBcc: x@evil.example" + "y" * 500, "text", "<p>html</p>")
    message = compose(
        rendered,
        sender="Shop <help@shop.example>",
        to="sam@example.org",
        reply_to="reply+abc@reply.shop.example",
        message_id="<m2.c_x@reply.shop.example>",
        references=["<m0.c_x@reply.shop.example>", "<m1.c_x@reply.shop.example>"],
        list_unsubscribe="<https://shop.example/api/mail/unsubscribe?t=abc>",
        one_click=True,
        date=0,
    )
    parsed = message_from_bytes(message.as_bytes(), policy=default)
    assert parsed["Bcc"] is None
    assert len(parsed["Subject"]) == MAX_SUBJECT_CHARS and "\n" not in parsed["Subject"]
    assert parsed["In-Reply-To"] == "<m1.c_x@reply.shop.example>"
    assert parsed["References"] == "<m0.c_x@reply.shop.example> <m1.c_x@reply.shop.example>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert parsed.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/html"]


def test_one_line_removes_control_characters() -> None:
    assert one_line("a\r\nb\u2028c\x00d", 100) == "a b c d"
    assert one_line("x" * 50, 10) == "x" * 10
