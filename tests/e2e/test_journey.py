"""A customer's whole journey, bot to person and back, with an agent at the console.

FAQ explanation; the triage form; the handoff (queued, with position and wait); the agent sees
it live with reason, summary and the bot transcript (each message's intent and confidence) and
claims it; messages both ways with typing indicators; markup sent both ways stays text; the
customer reloads and opens a second tab; the customer's and then the agent's connection drops
and nothing is lost or doubled; the agent hands back and the bot answers again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.ui import Console, PageProblems, Widget

XSS_CUSTOMER = "<img src=x onerror=alert(1)>"
XSS_AGENT = "<script>alert(2)</script><img src=y onerror=alert(3)> is just text"
DESKTOP = {"viewport": {"width": 1400, "height": 900}}


def test_bot_to_person_and_back(
    new_page: Callable[..., Any],
    service_url: str,
    shot: Callable[[Page, str], None],
    problems: PageProblems,
) -> None:
    # The agent is at the desk first: with nobody online a handoff becomes an offline ticket.
    agent_context, agent_page = new_page("agent", **DESKTOP)
    console = Console(agent_page, service_url).login()
    customer_context, customer_page = new_page("customer", **DESKTOP)
    widget = Widget(customer_page, service_url).open_shop()

    # An FAQ, answered by the bot.
    widget.ask("how long does delivery take?", "Standard delivery takes")
    shot(customer_page, "01-widget-faq")

    # The triage form, question by question; a recap the customer confirms; then the bot hands
    # off with what it learned.
    widget.ask("my order hasn't arrived", "order number")
    widget.ask("TD-482913", "When did you place the order?")
    widget.ask("10 days ago", "email")
    widget.ask("journey@example.com", "Let me check I have it right")
    widget.expect_bot("TD-482913")
    widget.dialog.get_by_role("button", name="Yes, pass it on").click()
    widget.expect_bot("A person will join you shortly")
    expect(widget.dialog.get_by_text(re.compile(r"You're number 1 in line \("))).to_be_visible()
    expect(widget.dialog.get_by_role("button", name="Leave a message instead")).to_be_visible()
    expect(widget.dialog.get_by_text(re.compile(r"Meanwhile, ask me about orders"))).to_be_visible()
    # While waiting, the bot still answers FAQ questions (and nothing else).
    widget.ask("which payment methods do you accept?", "Klarna")
    shot(customer_page, "02-widget-queued")

    # The console got the queue entry live, with reason and language; the whole story shows
    # before the agent types.
    item = console.queue_item("journey@example.com")
    expect(item).to_contain_text("triaged")
    expect(item).to_contain_text("English (en)")
    expect(item).to_contain_text("you speak it")  # the demo agent lists en
    # The queue filtered by the customer's language still shows them (the filter is the page's).
    console.page.get_by_label("Language").select_option("en")
    expect(item).to_be_visible()
    console.page.get_by_label("Language").select_option("")
    console.open(item)
    expect(console.story.locator("dl.facts")).to_contain_text("triage")
    expect(console.story.locator("dl.facts")).to_contain_text("English (en)")
    expect(console.story.locator("dl.summary")).to_contain_text("TD-482913")
    expect(console.story.locator("dl.summary")).to_contain_text("journey@example.com")
    faq = console.entry("how long does delivery take?", "customer")
    expect(faq.locator(".nlu")).to_have_text(
        re.compile(r"^intent faq/\S+ · confidence [01]\.\d\d$")
    )
    order = console.entry("my order hasn't arrived", "customer")
    expect(order.locator(".nlu")).to_have_text(re.compile(r"^intent \S+ · confidence [01]\.\d\d$"))
    expect(console.transcript).to_contain_text("Standard delivery takes")
    expect(console.transcript).to_contain_text("When did you place the order?")
    expect(console.transcript).to_contain_text("Klarna")  # the FAQ answered while waiting
    shot(agent_page, "03-console-queued")

    # Claim: the customer learns who joined, and it leaves the queue (which may hold other
    # tests' conversations).
    conversation_id = item.get_attribute("data-conversation-id")
    console.claim_open()
    expect(
        console.queue.locator(f'li.queue-item[data-conversation-id="{conversation_id}"]')
    ).to_have_count(0)
    widget.expect_bot("Demo Agent joined the conversation.")
    expect(widget.dialog.get_by_role("heading", name="Demo Agent")).to_be_visible()

    # Both ways, with typing indicators.
    console.reply_box.press_sequentially("Hi, I'm Demo. I'm looking")
    expect(
        widget.dialog.get_by_role("status").filter(has_text="Demo Agent is typing…")
    ).to_be_visible()
    console.reply_box.press("Enter")
    widget.expect_text("Hi, I'm Demo. I'm looking", "agent")
    expect(widget.dialog.get_by_text("Demo Agent is typing…")).to_have_count(0)
    widget.input.press_sequentially("Thanks, that was quick")
    expect(agent_page.get_by_role("status").filter(has_text="Customer is typing…")).to_be_visible()
    widget.input.press("Enter")
    console.entry("Thanks, that was quick", "customer")

    # Markup is text on both sides: visible literally, never parsed, no dialog (the fixture
    # fails the test on any dialog or JavaScript error).
    widget.say(XSS_CUSTOMER)
    widget.expect_text(XSS_CUSTOMER, "customer")
    console.entry(XSS_CUSTOMER, "customer")
    console.reply(XSS_AGENT)
    widget.expect_text(XSS_AGENT, "agent")
    for page in (customer_page, agent_page):
        expect(page.locator("img[src=x], img[src=y]")).to_have_count(0)
    shot(customer_page, "04-widget-with-agent")
    shot(agent_page, "05-console-conversation")

    # A reload mid-conversation: the same conversation, its whole transcript, still open.
    customer_page.reload()
    expect(widget.dialog).to_be_visible()
    expect(widget.dialog.get_by_role("heading", name="Demo Agent")).to_be_visible()
    for text, author in (
        ("how long does delivery take?", "customer"),
        ("TD-482913", "customer"),
        ("Hi, I'm Demo. I'm looking", "agent"),
        (XSS_CUSTOMER, "customer"),
        (XSS_AGENT, "agent"),
    ):
        widget.expect_text(text, author)
    widget.expect_bot("Standard delivery takes")
    widget.expect_bot("When did you place the order?")
    shot(customer_page, "06-widget-after-reload")

    # Another page of the shop, in a second tab: the same conversation, kept in step.
    second_tab = customer_context.new_page()
    problems.watch(second_tab, "customer, second tab")
    other = Widget(second_tab, service_url).open_shop()
    other.expect_text("Hi, I'm Demo. I'm looking", "agent")
    other.say("written in the second tab")
    widget.expect_text("written in the second tab", "customer")
    console.entry("written in the second tab", "customer")
    second_tab.close()

    # The customer's connection drops: what they write meanwhile waits, then arrives once;
    # what the agent wrote meanwhile is replayed.
    customer_context.set_offline(True)
    expect(widget.dialog.get_by_text(re.compile("^Reconnecting"))).to_be_visible()
    widget.say("written while offline")
    expect(widget.log.locator("li.pending")).to_have_count(1)
    console.reply("Are you still there?")
    customer_context.set_offline(False)
    widget.expect_text("Are you still there?", "agent")
    expect(widget.log.locator("li.pending")).to_have_count(0)
    widget.expect_text("written while offline", "customer")
    console.entry("written while offline", "customer")

    # The agent's connection drops: the console catches up on reconnect, nothing twice.
    agent_context.set_offline(True)
    expect(console.connection).to_have_text("Reconnecting…")
    widget.say("written while the agent was away")
    widget.expect_text("written while the agent was away", "customer")
    agent_context.set_offline(False)
    expect(console.connection).to_have_text("Connected")
    console.entry("written while the agent was away", "customer")
    console.entry("Are you still there?", "agent")

    # Hand back: the customer is with the bot again, and the bot answers.
    console.hand_back()
    widget.expect_bot("Demo Agent handed the conversation back to the assistant.")
    widget.expect_bot("I'm back")
    expect(widget.dialog.get_by_role("heading", name="Tandem Shop help")).to_be_visible()
    expect(widget.dialog.get_by_role("button", name="Talk to a person")).to_be_visible()
    widget.say("how long does delivery take?")
    expect(widget.entries("bot").filter(has_text="Standard delivery takes")).to_have_count(2)
    shot(customer_page, "07-widget-back-with-bot")
