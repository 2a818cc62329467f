"""A conversation that ends with a person: canned reply, internal note, several conversations
at once, close with a resolution, the customer's rating; the next conversation shows it as history.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.ui import Console, Widget, queued_conversations

DESKTOP = {"viewport": {"width": 1400, "height": 900}}
ASKED = "(asked for a person)"  # the queue preview of the widget's "Talk to a person" button


def test_close_with_csat_then_history(
    new_page: Callable[..., Any],
    service_url: str,
    shot: Callable[[Page, str], None],
    stack: Any,
    add_agent: Callable[..., tuple[str, str]],
) -> None:
    queued_before = queued_conversations(stack)  # other tests' may be queued again
    _, agent_page = new_page("agent", **DESKTOP)
    # An agent of this test's own: "My conversations" holds only what this test claims,
    # whatever the tests before it left with the demo agent.
    console = Console(agent_page, service_url).login(*add_agent("cass", "Cass"))
    _, customer_page = new_page("customer", **DESKTOP)
    widget = Widget(customer_page, service_url).open_shop()

    # "Talk to a person", straight away: the control is always in the widget's header.
    widget.dialog.get_by_role("button", name="Talk to a person").click()
    widget.expect_bot("A person will join you shortly")
    item = console.new_queue_item(ASKED, queued_before)
    expect(item).to_contain_text("asked for a person")
    console.open(item)
    expect(console.story.locator("dl.facts")).to_contain_text("requested")
    console.claim_open()
    console.reply("Hello! How can I help?")
    widget.expect_text("Hello! How can I help?", "agent")
    widget.say("Please change my delivery address to Main Street 5.")
    console.entry("Please change my delivery address to Main Street 5.", "customer")

    # Meanwhile a second customer asks for a person: the agent takes both at once.
    _, other_page = new_page("second customer", **DESKTOP)
    other = Widget(other_page, service_url).open_shop()
    other.dialog.get_by_role("button", name="Talk to a person").click()
    other.expect_bot("A person will join you shortly")
    second = console.new_queue_item(ASKED, queued_before)  # the first is claimed: not queued
    second.get_by_role("button", name=re.compile("^Claim")).click()
    expect(console.mine.locator("li.mine-item")).to_have_count(2)
    console.reply("Hi, one moment please.")
    other.expect_text("Hi, one moment please.", "agent")
    # The first customer writes while the agent looks at the second: an unread badge.
    widget.say("Is that possible?")
    first_row = console.mine.locator("li.mine-item").filter(has_text="Is that possible?")
    expect(first_row.locator(".badge.unread")).to_have_text("1")
    shot(agent_page, "01-console-two-conversations")
    first_row.locator("button.open").click()
    console.entry("Is that possible?", "customer")
    expect(first_row.locator(".badge.unread")).to_have_count(0)

    # A canned response, and an internal note the customer never sees.
    agent_page.get_by_label("Canned responses").select_option(label="Anything else?")
    expect(console.reply_box).to_have_value("Is there anything else I can help you with today?")
    console.reply_box.press("Enter")
    widget.expect_text("Is there anything else I can help you with today?", "agent")
    agent_page.get_by_label("Add an internal note (agents only)").fill(
        "Changed it in the shop admin."
    )
    agent_page.get_by_role("button", name="Add note").click()
    expect(agent_page.locator(".notes-list")).to_contain_text("Changed it in the shop admin.")

    # Close with a resolution note and tags; the customer rates 1-5 with a comment.
    console.close("Changed the delivery address.", "address, Delivery")
    widget.expect_bot("Cass closed the conversation.")
    rating = widget.dialog.get_by_role("group", name="How would you rate this conversation?")
    expect(rating).to_be_visible()
    shot(customer_page, "02-widget-csat")
    rating.get_by_label("4 of 5, good").check()
    widget.dialog.get_by_label("Comment (optional)").fill("Friendly and fast.")
    widget.dialog.get_by_role("button", name="Send rating").click()
    expect(widget.dialog.get_by_text("Thanks for your feedback!")).to_be_visible()
    expect(widget.log).not_to_contain_text("Changed it in the shop admin.")

    # The stats panel counts today's work.
    agent_page.get_by_role("button", name="Refresh stats").click()
    expect(console.stat("CSAT average")).to_have_text(re.compile(r"^\d\.\d / 5 \(\d+\)$"))
    expect(console.stat("Handoffs by reason")).to_contain_text("requested")
    expect(console.stat("Median wait")).not_to_have_text("—")
    expect(console.stat("Median first response")).not_to_have_text("—")
    expect(console.stat("Conversations today")).to_have_text(re.compile(r"^[1-9]\d*$"))
    expect(console.stat("CSAT · delivery")).to_have_text(re.compile(r"^\d\.\d / 5 \(\d+\)$"))
    expect(agent_page.locator(".csat-comments")).to_contain_text("Friendly and fast.")
    shot(agent_page, "02-console-stats")

    # The customer's next message starts a new conversation; the agent sees the earlier one.
    widget.ask("agent", "A person will join you shortly")
    item = console.queue_item("agent")
    console.open(item)
    # What closing left is shown again: resolution, tags, rating and the customer's comment.
    earlier = console.story.locator("ul.history dl.closing")
    expect(earlier).to_contain_text("Changed the delivery address.")
    expect(earlier).to_contain_text("address, delivery")
    expect(earlier).to_contain_text("4 / 5")
    expect(earlier).to_contain_text("“Friendly and fast.”")
    shot(agent_page, "03-console-history")

    # Leave the desk clean for the other tests.
    console.claim_open()
    console.close("Test done.", "")
    console.mine.locator("li.mine-item").first.locator("button.open").click()
    console.close("Test done.", "")
    expect(console.mine.locator("li.mine-item")).to_have_count(0)
