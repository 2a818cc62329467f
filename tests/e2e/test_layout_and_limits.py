"""Found in the same walk-through: a long message was cut at 4,000 characters without a word,
the quick replies hid the bot's answer, and at 1366x768 the reply box and Send were below the
fold of the console."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.ui import Console, Widget, agents_online, inside, wait_until

LAPTOP = {"viewport": {"width": 1366, "height": 768}}


def test_long_messages_quick_replies_and_the_laptop_console(
    new_page: Callable[..., Any], service_url: str, shot: Callable[[Page, str], None]
) -> None:
    wait_until(lambda: agents_online(service_url) == 0, "no agent online")
    _, customer_page = new_page("customer", **LAPTOP)
    widget = Widget(customer_page, service_url).open_shop()

    # Near the limit a counter shows; past it the message is refused whole, never cut.
    widget.input.fill("a" * 3700)
    expect(widget.dialog.locator(".counter")).to_have_text("3,700 / 4,000")
    widget.input.fill("b" * 4100)
    expect(widget.dialog.locator(".counter")).to_have_text("4,100 / 4,000")
    widget.input.press("Enter")
    expect(widget.dialog.get_by_role("alert")).to_have_text(
        "Not sent: the message is longer than 4,000 characters."
    )
    assert len(widget.input.input_value()) == 4100
    expect(widget.entries("customer")).to_have_count(0)
    widget.input.fill("")

    # The triage's recap comes with buttons: the recap stays in sight above them.
    widget.ask("my order hasn't arrived", "order number")
    widget.ask("TD-482913", "When did you place the order?")
    widget.ask("10 days ago", "email")
    widget.ask("laptop@example.com", "Let me check I have it right")
    expect(widget.dialog.get_by_role("button", name="Yes, pass it on")).to_be_visible()
    customer_page.wait_for_timeout(300)  # the log settles after the buttons' layout
    frame = widget.dialog.locator(".log")
    last = widget.entries("bot").last
    log_box, last_box = frame.bounding_box(), last.bounding_box()
    assert log_box and last_box
    assert last_box["y"] + last_box["height"] <= log_box["y"] + log_box["height"] + 1
    assert last_box["y"] >= log_box["y"] - 1
    shot(customer_page, "01-widget-recap-above-buttons")

    # The console at 1366x768: named by the email the triage collected, Send in sight.
    _, agent_page = new_page("agent", **LAPTOP)
    console = Console(agent_page, service_url).login()
    widget.dialog.get_by_role("button", name="Yes, pass it on").click()
    widget.expect_bot("A person will join you shortly")
    item = console.queue_item("laptop@example.com")
    console.open(item)
    console.claim_open()
    expect(agent_page.locator("#conv-title")).to_have_text("laptop@example.com")
    for i in range(14):
        console.reply(f"Checking the carrier, step {i + 1} of 14.")
    send = agent_page.get_by_role("button", name="Send", exact=True)
    expect(send).to_be_visible()
    assert inside(agent_page, "#reply", "viewport")
    assert inside(agent_page, ".reply-form button.primary", "viewport")
    assert agent_page.evaluate("document.scrollingElement.scrollTop") == 0
    shot(agent_page, "02-console-1366x768")

    # The console's reply box counts too, and refuses rather than cuts.
    console.reply_box.fill("c" * 4001)
    expect(agent_page.locator("#reply-counter")).to_have_text(
        re.compile(r"^4,001 / 4,000: too long to send")
    )
    console.reply_box.press("Enter")
    expect(agent_page.get_by_role("alert")).to_have_text(
        "Not sent: a message is at most 4,000 characters."
    )
    assert len(console.reply_box.input_value()) == 4001
    console.reply_box.fill("")
    console.close("Carrier found the parcel.", "delivery")
