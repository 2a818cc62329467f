"""Agent assist in the product: a customer asks an FAQ question while an agent owns the
conversation; the console suggests the bot's own answer (the real trained Rasa's parse), the
agent inserts it, edits nothing, sends it, and the customer receives it. The one-glance summary
tops the brief, and ``/hi`` completes to the greeting."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.ui import Console, Widget, inside, queued_conversations

LAPTOP = {"viewport": {"width": 1366, "height": 768}}  # the suggestions leave Send in sight


def test_the_bots_faq_answer_is_suggested_inserted_and_sent(
    new_page: Callable[..., Any],
    service_url: str,
    add_agent: Callable[..., tuple[str, str]],
    shot: Callable[[Page, str], None],
    stack: Any,
) -> None:
    queued_before = queued_conversations(stack)  # other tests' may be queued again
    _, agent_page = new_page("agent", **LAPTOP)
    console = Console(agent_page, service_url).login(*add_agent("assist", "Asa"))
    _, customer_page = new_page("customer", **LAPTOP)
    widget = Widget(customer_page, service_url).open_shop()

    widget.ask("how long does delivery take?", "Standard delivery takes")
    widget.dialog.get_by_role("button", name="Talk to a person").click()
    widget.expect_bot("A person will join you shortly")
    console.open(console.new_queue_item("(asked for a person)", queued_before))
    console.claim_open()
    widget.expect_bot("Asa joined the conversation.")
    # The "Claimed." notice and the suggestions took room: the transcript still shows its end.
    joined = console.transcript.locator("li[data-seq]").last
    expect(joined).to_contain_text("Asa joined the conversation.")
    expect(joined).to_be_in_viewport(ratio=1)

    glance = agent_page.locator("section.glance")
    expect(glance).to_contain_text("asked for a person")
    expect(glance).to_contain_text("how long does delivery take?")
    expect(glance).to_contain_text("Standard delivery takes")
    waited = re.compile(r"Waited\s*\d+ (s|min \d+ s) before a person took it")
    expect(glance).to_contain_text(waited)

    # The canned greeting by its shortcut (no name known: "Hi, thanks…").
    console.reply_box.press_sequentially("/hi")
    expect(agent_page.get_by_role("listbox", name="Matching /shortcuts")).to_contain_text("/hi")
    console.reply_box.press("Enter")
    expect(console.reply_box).to_have_value(re.compile(r"^Hi, thanks for waiting!"))
    console.reply_box.press("Enter")
    widget.expect_text(
        "Hi, thanks for waiting! I've read your conversation with our assistant. "
        "Let me look into this for you.",
        "agent",
    )

    # An FAQ question while a person owns the conversation: the bot does not answer it ...
    widget.say("which payment methods do you accept?")
    console.entry("which payment methods do you accept?", "customer")
    # ... but its answer is the first suggestion, with where it came from.
    first = agent_page.locator("section.suggestions li.suggestion").first
    expect(first).to_have_attribute("data-source", "faq")
    expect(first.locator(".suggestion-text")).to_contain_text("Klarna")
    expect(first.locator(".why")).to_contain_text("payment_methods")
    answer = first.locator(".suggestion-text").text_content() or ""
    # The suggestions took room from the transcript: the question they answer is still in sight.
    expect(console.entry("which payment methods do you accept?", "customer")).to_be_in_viewport(
        ratio=1
    )
    assert inside(agent_page, "#reply", "viewport")
    assert inside(agent_page, ".reply-form button.primary", "viewport")
    shot(agent_page, "01-console-suggestions")

    first.get_by_role("button", name="Insert suggestion 1 into the reply").click()
    expect(console.reply_box).to_have_value(answer)  # in the box to edit; nothing sent yet
    expect(widget.entries("agent")).to_have_count(1)
    console.reply_box.press("Enter")
    widget.expect_text(answer, "agent")
    expect(agent_page.locator("section.suggestions")).to_have_count(0)  # answered
    expect(widget.entries("bot").filter(has_text="Klarna")).to_have_count(0)  # the bot stayed out
    # The learning loop: sent as inserted, so "used", in Today's figures.
    expect(console.stat("Suggestions · bot's FAQ answer")).to_have_text(re.compile(r"^1 used, "))
    shot(customer_page, "02-widget-received")
