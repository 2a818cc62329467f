"""Email both ways on one machine: the customer leaves the form and goes; the agent's answer is
emailed to the developer mail sink, and the console's Mail page (/console#mail) shows it, as
text; "Reply as the customer" sends a real SMTP reply to the service's own inbound listener,
and it lands in the conversation in the agent's console, marked "by email"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.ui import Console, Widget, agents_online, queued_conversations, wait_until

DESKTOP = {"viewport": {"width": 1400, "height": 900}}
ANSWER = "A new pole is on its way <b>today</b> & tracking follows."


def test_the_answer_to_a_ticket_shows_on_the_dev_mail_page(
    new_page: Callable[..., Any], service_url: str, shot: Callable[[Page, str], None]
) -> None:
    wait_until(lambda: agents_online(service_url) == 0, "no agent online")
    customer_context, customer_page = new_page("customer", **DESKTOP)
    widget = Widget(customer_page, service_url).open_shop()
    widget.ask("I want to talk to a person", "Nobody from our team is available right now.")
    form = widget.dialog.get_by_role("form", name="Leave a message")
    form.get_by_label("Email").fill("mailpage@example.com")
    form.get_by_label("Message").fill("My tent pole arrived broken.")
    form.get_by_role("button", name="Send message").click()
    # make run's service sends email (to its sink): the promise is made, and kept below.
    widget.expect_bot("Thanks! We got your message and will reply to mailpage@example.com.")
    customer_context.close()  # the customer leaves: the answer goes by email

    _, agent_page = new_page("agent", **DESKTOP)
    console = Console(agent_page, service_url).login()
    console.open(console.ticket("mailpage@example.com"))
    console.claim_open()
    console.reply(ANSWER)
    emails = agent_page.locator(".emails-list")
    expect(emails).to_contain_text("Reply to mailpage@example.com")
    expect(emails.locator(".email-sent")).to_have_count(1)  # after the batch window
    shot(agent_page, "01-console-email-sent")

    agent_page.get_by_role("link", name="Mail").click()  # developer mode has the page
    expect(agent_page).to_have_url(f"{service_url}/console#mail")
    mail = agent_page.locator(".mail-item").filter(has_text="mailpage@example.com").first
    expect(mail.locator(".mail-subject")).to_have_text("New reply to your support request")
    text = mail.locator(".mail-text")
    expect(text).to_contain_text(ANSWER)  # the markup in it is text, not bold
    expect(text.locator("b")).to_have_count(0)
    expect(text).to_contain_text("> You: My tent pole arrived broken.")
    expect(mail.locator(".mail-headers")).to_contain_text("reply+")
    shot(agent_page, "02-mail-page")

    # The stack listens for replies (make run too): the reply goes through the service's own
    # SMTP listener and lands in the conversation, live in the console, marked "by email".
    mail.get_by_label("Reply as mailpage@example.com").fill("Thanks, that was quick!")
    mail.get_by_role("button", name="Reply as the customer").click()
    expect(agent_page.locator(".mail-message")).to_contain_text("Sent as the customer")
    agent_page.get_by_role("link", name="Back to the desk").click()
    entry = console.entry("Thanks, that was quick!", "customer")
    expect(entry.locator(".badge.channel")).to_have_text("by email")
    expect(console.transcript).not_to_contain_text("support wrote")  # the quote is stripped
    shot(agent_page, "03-console-reply-by-email")


def test_the_customer_emails_themselves_the_transcript_at_the_end(
    new_page: Callable[..., Any], service_url: str, shot: Callable[[Page, str], None], stack: Any
) -> None:
    queued_before = queued_conversations(stack)  # other tests' may be queued again
    _, agent_page = new_page("agent", **DESKTOP)
    console = Console(agent_page, service_url).login()
    _, customer_page = new_page("customer", **DESKTOP)
    widget = Widget(customer_page, service_url).open_shop()
    widget.dialog.get_by_role("button", name="Talk to a person").click()
    widget.expect_bot("A person will join you shortly")
    console.open(console.new_queue_item("asked for a person", queued_before))
    console.claim_open()
    console.reply("Your refund went out today.")
    widget.expect_text("Your refund went out today.", "agent")
    console.close("Refund sent.", "refund")
    widget.expect_bot("Demo Agent closed the conversation.")

    # No address is known (no form, no triage): the widget asks for it, then it is sent.
    widget.dialog.get_by_role("button", name="Email me the transcript").click()
    widget.dialog.get_by_label("Your email").fill("transcript@example.com")
    widget.dialog.get_by_role("button", name="Send the transcript").click()
    expect(widget.dialog.get_by_role("status").filter(has_text="on its way")).to_have_text(
        "The transcript is on its way to t***@example.com."
    )
    shot(customer_page, "03-widget-transcript-sent")

    agent_page.get_by_role("link", name="Mail").click()
    mail = agent_page.locator(".mail-item").filter(has_text="transcript@example.com").first
    expect(mail.locator(".mail-subject")).to_have_text("Your chat transcript")
    expect(mail.locator(".mail-text")).to_contain_text("Demo Agent: Your refund went out today.")
