"""A ticket answered, closed with the follow-up, "not solved" in the widget, back in the queue;
then the customer, gone from the chat, replies by email and the agent reads it live, marked "by
email", without the quoted history. The whole stack, headless Chromium, a real SMTP session to
the service's own listener."""

from __future__ import annotations

import smtplib
import time
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

from playwright.sync_api import Page, expect

from handoff.security.reply_tokens import ReplyTokens
from tests.e2e.ui import Console, Widget, agents_online, wait_until

DESKTOP = {"viewport": {"width": 1400, "height": 900}}


def reply_by_email(stack: Any, conversation_id: str, text: str) -> None:
    """What the customer's mail system sends to the reply address of Tandem's email."""
    secret = (stack.run_dir / "secret").read_text().strip()
    port = stack.ports.inbound  # the stack's listener (a free port: Ports.free())
    to = ReplyTokens(secret).address(
        conversation_id, domain="localhost", ttl_days=30, now=time.time()
    )
    message = EmailMessage()
    message["From"] = "Olga <olga@example.com>"
    message["To"] = to
    message["Subject"] = "Re: Your conversation with Tandem support"
    message["Message-ID"] = f"<{conversation_id}-reply@example.com>"
    message.set_content(
        f"{text}\n\nOn Tue, 1 Dec 2026 at 10:02, Tandem Support <{to}> wrote:\n"
        "> Sorry about that! A new pole is on its way.\n"
    )
    with smtplib.SMTP("127.0.0.1", port, timeout=15) as smtp:
        smtp.send_message(message)


def test_not_solved_reopens_and_a_reply_by_email_reaches_the_console(
    new_page: Callable[..., Any], service_url: str, stack: Any, shot: Callable[[Page, str], None]
) -> None:
    wait_until(lambda: agents_online(service_url) == 0, "no agent online")
    _, customer_page = new_page("customer", **DESKTOP)
    widget = Widget(customer_page, service_url).open_shop()
    widget.ask("I want to talk to a person", "Nobody from our team is available right now.")
    form = widget.dialog.get_by_role("form", name="Leave a message")
    form.get_by_label("Email").fill("olga@example.com")
    form.get_by_label("Message").fill("The tent I ordered has a torn seam.")
    form.get_by_role("button", name="Send message").click()
    widget.expect_bot("Thanks! We got your message and will reply to olga@example.com.")

    _, agent_page = new_page("agent", **DESKTOP)
    console = Console(agent_page, service_url).login()
    ticket = console.ticket("olga@example.com")
    conversation_id = ticket.get_attribute("data-conversation-id")
    assert conversation_id
    console.open(ticket)
    console.claim_open()
    console.reply("Sorry! A new tent is on its way.")
    widget.expect_text("Sorry! A new tent is on its way.", "agent")
    # A ticket: the close dialog offers to ask later whether it was solved, ticked.
    agent_page.get_by_role("button", name="Close…").click()
    expect(agent_page.get_by_label("Ask later", exact=False)).to_be_checked()
    agent_page.get_by_label("Resolution note").fill("Sent a new tent.")
    agent_page.get_by_role("button", name="Close conversation").click()
    expect(console.reply_box).to_have_count(0)

    # Due at once in this stack: the widget asks for the rating first (the close's question),
    # and the follow-up after it, with the service's words.
    question = widget.dialog.get_by_role("group", name="Was your problem solved?")
    rating = widget.dialog.get_by_role("group", name="How would you rate this conversation?")
    expect(rating).to_be_visible()
    expect(question).to_have_count(0)
    rating.get_by_label("3 of 5", exact=False).check()
    widget.dialog.get_by_role("button", name="Send rating").click()
    expect(question).to_be_visible()
    shot(customer_page, "01-widget-followup")
    question.get_by_role("button", name="No, not yet").click()
    widget.expect_bot("Sorry it is not solved yet.")
    # Back in the queue, saying why, with its history for whoever takes it.
    row = console.queue_item("reopened: not solved")
    shot(agent_page, "02-console-reopened")
    console.open(row)
    console.entry("The tent I ordered has a torn seam.", "customer")
    console.claim_open()
    customer_page.close()  # the customer is gone from the chat

    reply_by_email(stack, conversation_id, "The new one is torn too.")
    entry = console.entry("The new one is torn too.", "customer")
    expect(entry.locator(".badge.channel")).to_have_text("by email")
    expect(console.transcript).not_to_contain_text("A new pole is on its way")  # the quote
    shot(agent_page, "03-console-reply-by-email")
