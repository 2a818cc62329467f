"""The stock rasa-webchat widget (npm, unchanged) works against the handoff service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.ui import Console

DESKTOP = {"viewport": {"width": 1400, "height": 900}}


def test_stock_rasa_webchat_bot_and_handoff(
    new_page: Callable[..., Any],
    service_url: str,
    other_site: str,
    shot: Callable[[Page, str], None],
) -> None:
    _, agent_page = new_page("agent", **DESKTOP)
    console = Console(agent_page, service_url).login()

    # rasa-webchat on another site (another origin), pointed at the service.
    _, page = new_page("rasa-webchat", **DESKTOP)
    page.goto(f"{other_site}/webchat.html?server={service_url}")
    page.locator(".rw-launcher").click()
    message = page.locator(".rw-new-message")
    message.fill("how long does delivery take?")
    message.press("Enter")
    expect(page.locator(".rw-response").filter(has_text="Standard delivery takes")).to_be_visible()

    message.fill("I want to talk to a person")
    message.press("Enter")
    expect(
        page.locator(".rw-response").filter(has_text="A person will join you shortly")
    ).to_be_visible()

    item = console.queue_item("I want to talk to a person")
    console.open(item)
    console.claim_open()
    expect(page.locator(".rw-response").filter(has_text="Demo Agent joined")).to_be_visible()
    console.reply("Hello from a person, through stock rasa-webchat.")
    expect(page.locator(".rw-response").filter(has_text="Hello from a person")).to_be_visible()
    message.fill("Great, thanks!")
    message.press("Enter")
    console.entry("Great, thanks!", "customer")
    shot(page, "01-rasa-webchat")
    console.close("Answered.", "")
