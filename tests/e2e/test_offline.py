"""Nobody online: the customer leaves a message; an agent later finds the ticket and answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.ui import Console, Widget, agents_online, wait_until

DESKTOP = {"viewport": {"width": 1400, "height": 900}}


def test_offline_message_then_answered(
    new_page: Callable[..., Any], service_url: str, shot: Callable[[Page, str], None]
) -> None:
    # Other tests' consoles have closed; their agents have left.
    wait_until(lambda: agents_online(service_url) == 0, "no agent online")
    _, customer_page = new_page("customer", **DESKTOP)
    widget = Widget(customer_page, service_url).open_shop()
    widget.ask("I want to talk to a person", "Nobody from our team is available right now.")

    form = widget.dialog.get_by_role("form", name="Leave a message")
    expect(form).to_be_visible()
    form.get_by_label("Email").fill("offline@example.com")
    form.get_by_label("Name (optional)").fill("Olga")
    form.get_by_label("Message").fill("My tent pole arrived broken. Can you send a new one?")
    shot(customer_page, "01-widget-offline-form")
    form.get_by_role("button", name="Send message").click()
    widget.expect_bot("Thanks! We got your message and will reply to offline@example.com.")
    expect(widget.dialog.get_by_text("Thanks! Your message reached us")).to_be_visible()
    expect(form).to_have_count(0)
    # "Talk to a person" stays reachable after the message; asking again while nobody is online
    # says so, and the confirmation stays on screen.
    person = widget.dialog.get_by_role("button", name="Talk to a person")
    expect(person).to_be_visible()
    person.click()
    expect(
        widget.dialog.get_by_role("status").filter(has_text="Still nobody is available.")
    ).to_be_visible()
    expect(widget.dialog.get_by_text("Thanks! Your message reached us")).to_be_visible()
    widget.expect_bot("Thanks! We got your message and will reply to offline@example.com.")
    expect(person).to_be_visible()
    expect(form).to_have_count(0)
    shot(customer_page, "01b-widget-offline-asked-again")

    # Later, an agent: the ticket is listed with the contact, and can be answered.
    _, agent_page = new_page("agent", **DESKTOP)
    agent_page.goto(f"{service_url}/console")
    agent_page.get_by_label("Username").fill("demo")
    agent_page.get_by_label("Password").fill("not-the-password")
    agent_page.get_by_role("button", name="Log in").click()
    expect(agent_page.get_by_role("alert")).to_have_text("Wrong username or password.")
    console = Console(agent_page, service_url).login()
    ticket = console.ticket("offline@example.com")
    expect(ticket).to_contain_text("My tent pole arrived broken.")
    conversation_id = ticket.get_attribute("data-conversation-id")
    console.open(ticket)
    expect(console.story).to_contain_text("Olga <offline@example.com>")
    shot(agent_page, "02-console-ticket")
    console.claim_open()
    # Claimed, it leaves the tickets (other tests may have left tickets of their own there).
    expect(
        console.tickets.locator(f'li.queue-item[data-conversation-id="{conversation_id}"]')
    ).to_have_count(0)
    console.reply("Sorry about that! A new pole is on its way.")
    widget.expect_text("Sorry about that! A new pole is on its way.", "agent")
    console.close("Sent a replacement pole.", "damaged")
