"""An agent passes a conversation to a colleague, with an internal note."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.ui import Console, Widget, queued_conversations

DESKTOP = {"viewport": {"width": 1400, "height": 900}}


def test_transfer_to_a_colleague(
    new_page: Callable[..., Any],
    service_url: str,
    add_agent: Callable[..., tuple[str, str]],
    shot: Callable[[Page, str], None],
    stack: Any,
) -> None:
    queued_before = queued_conversations(stack)
    ben_login = add_agent("ben", "Ben")
    _, demo_page = new_page("demo agent", **DESKTOP)
    demo = Console(demo_page, service_url).login()
    _, ben_page = new_page("ben", **DESKTOP)
    ben = Console(ben_page, service_url).login(*ben_login)
    _, customer_page = new_page("customer", **DESKTOP)
    widget = Widget(customer_page, service_url).open_shop()

    widget.ask("how long does delivery take?", "Standard delivery takes")
    widget.dialog.get_by_role("button", name="Talk to a person").click()
    widget.expect_bot("A person will join you shortly")
    # Other tests' conversations may be queued again by now (an agent whose page closed while
    # owning one loses it after the grace period): only this one is looked at.
    item = demo.new_queue_item("(asked for a person)", queued_before)
    conversation_id = item.get_attribute("data-conversation-id")
    demo.open(item)
    demo.claim_open()
    # Ben saw it go.
    expect(
        ben.queue.locator(f'li.queue-item[data-conversation-id="{conversation_id}"]')
    ).to_have_count(0)

    demo_page.get_by_role("button", name="Transfer…").click()
    colleague = demo_page.get_by_label("Colleague", exact=True)
    value = colleague.locator("option", has_text="Ben").get_attribute("value")
    assert value
    colleague.select_option(value=value)
    demo_page.get_by_label("Note for them (internal)").fill("Billing question: over to you, Ben.")
    demo_page.get_by_role("button", name="Transfer", exact=True).click()

    widget.expect_bot("Demo Agent passed the conversation to Ben.")
    expect(widget.dialog.get_by_role("heading", name="Ben")).to_be_visible()
    # (The demo agent may still own conversations earlier tests left open: only this one counts.)
    this_one = f'li.mine-item[data-conversation-id="{conversation_id}"]'
    expect(demo.mine.locator(this_one)).to_have_count(0)
    expect(ben.mine.locator(this_one)).to_have_count(1)
    expect(ben_page.locator(".notes-list")).to_contain_text("Billing question: over to you, Ben.")
    ben.entry("how long does delivery take?", "customer")  # the whole story came along
    ben.reply("Hi, Ben here. I'm refunding the second charge.")
    widget.expect_text("Hi, Ben here. I'm refunding the second charge.", "agent")
    shot(ben_page, "01-console-transferred")
    ben.close("Refunded the duplicate charge.", "billing")
