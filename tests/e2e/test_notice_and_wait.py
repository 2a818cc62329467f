"""Nobody left waiting: the agent's browser raises a desktop notification when someone joins
the queue, and the customer's estimated wait changes as time passes, down to an honest "taking
longer than usual" when nobody comes (before, "under a minute" stayed for minutes)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.ui import Console, Widget, agents_online, wait_until

DESKTOP = {"viewport": {"width": 1400, "height": 900}}
# What the page's Notification constructor was asked to show, kept for the test to read; the
# browser's own is still called (headless Chromium shows nothing, but the API is the real one).
RECORD_NOTIFICATIONS = """
(() => {
  const Real = window.Notification;
  window.__notifications = [];
  class Recorded extends Real {
    constructor(title, options) {
      window.__notifications.push({ title, ...(options || {}) });
      super(title, options);
    }
  }
  window.Notification = Recorded;
})();
"""


def notifications(page: Page) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate("window.__notifications")
    return found


def test_agent_notified_and_the_wait_counts_down(
    new_page: Callable[..., Any], service_url: str, shot: Callable[[Page, str], None]
) -> None:
    wait_until(lambda: agents_online(service_url) == 0, "no agent online")
    agent_context, agent_page = new_page("agent", permissions=["notifications"], **DESKTOP)
    agent_context.add_init_script(RECORD_NOTIFICATIONS)
    console = Console(agent_page, service_url).login()
    desktop = agent_page.get_by_label("Desktop alerts")
    expect(desktop).not_to_be_checked()
    desktop.check()  # the permission is asked on this click (granted to this context)
    expect(desktop).to_be_checked()
    agent_page.get_by_label("Sound").check()

    # A first customer, served at once: the service learns that one place costs seconds (an
    # estimate is never under a minute, so "longer than usual" comes after one).
    _, first_page = new_page("first customer", **DESKTOP)
    first = Widget(first_page, service_url).open_shop()
    first.ask("I want to talk to a person", "A person will join you shortly")
    agent_page.wait_for_function("window.__notifications.length >= 1")
    (raised,) = notifications(agent_page)
    assert re.fullmatch(r"Customer u_\w{6}… is waiting", raised["title"]), raised
    assert raised["body"] == "I want to talk to a person"
    console.open(console.queue_item("I want to talk to a person"))
    console.claim_open()
    console.close("Served at once.", "e2e")

    # A second one nobody claims: the wait is re-told as it runs out, then honestly overdue.
    _, customer_page = new_page("customer", **DESKTOP)
    widget = Widget(customer_page, service_url).open_shop()
    widget.ask("I want to talk to a person", "A person will join you shortly")
    place = widget.dialog.get_by_text(re.compile(r"You're number 1 in line \("))
    expect(place).to_be_visible()
    first_words = place.inner_text()
    assert "taking longer than usual" not in first_words
    agent_page.wait_for_function("window.__notifications.length >= 2")
    shot(customer_page, "01-widget-waiting")
    expect(
        widget.dialog.get_by_text("You're number 1 in line (taking longer than usual).")
    ).to_be_visible(timeout=120_000)
    shot(customer_page, "02-widget-longer-than-usual")

    console.open(console.queue_item("I want to talk to a person"))
    console.claim_open()
    expect(widget.dialog.get_by_text(re.compile(r"You're number \d+ in line"))).to_have_count(0)
    console.close("Answered after a long wait.", "e2e")
