"""The widget with a keyboard, for screen readers, on a phone, and sealed off from the host page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.ui import Widget

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def focused(locator: Any) -> bool:
    return bool(locator.evaluate("element => element.matches(':focus')"))


def test_keyboard_and_phone(
    new_page: Callable[..., Any], service_url: str, shot: Callable[[Page, str], None]
) -> None:
    _, page = new_page("phone customer", **PHONE)
    page.goto(f"{service_url}/")
    widget = Widget(page, service_url)

    # Keyboard only: Tab reaches the launcher, Enter opens the chat with the cursor in the box.
    for _ in range(20):
        page.keyboard.press("Tab")
        if focused(widget.launcher):
            break
    assert focused(widget.launcher), "Tab never reached the chat launcher"
    expect(widget.launcher).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")
    expect(widget.dialog).to_be_visible()
    expect(widget.input).to_be_focused()
    # (On a phone the open chat covers the launcher, which is then out of the way.)
    expect(page.locator("tandem-widget button.launcher")).to_have_attribute("aria-expanded", "true")
    page.keyboard.type("how long does delivery take?")
    page.keyboard.press("Enter")
    widget.expect_bot("Standard delivery takes")

    # Screen readers: a labelled dialog, a log announced politely, who said what.
    expect(widget.dialog).to_have_attribute("aria-labelledby", "tw-title")
    expect(widget.log).to_have_attribute("aria-live", "polite")
    expect(widget.entries("bot").first.locator(".sr-only")).to_have_text("Assistant said:")
    expect(widget.dialog.get_by_role("button", name="Talk to a person")).to_be_visible()

    # A phone: the open chat takes the whole screen.
    box = widget.dialog.bounding_box()
    assert box is not None and box["width"] == 390 and box["height"] == 844
    shot(page, "01-widget-phone")

    # Escape closes it and gives focus back to the launcher.
    page.keyboard.press("Escape")
    expect(widget.dialog).to_be_hidden()
    assert focused(widget.launcher)


def test_host_page_css_stays_out_and_in(new_page: Callable[..., Any], service_url: str) -> None:
    _, page = new_page("customer")
    widget = Widget(page, service_url).open_shop()
    # The shop styles every button (orange, monospace, upper case); the widget's are its own.
    send = widget.dialog.get_by_role("button", name="Send", exact=True)
    style = send.evaluate(
        "e => { const s = getComputedStyle(e);"
        " return [s.textTransform, s.fontFamily, s.backgroundColor]; }"
    )
    assert style[0] == "none" and "Courier" not in style[1] and style[2] != "rgb(194, 65, 12)"
    # And the widget's styles do not reach the shop's buttons.
    shop_button = page.get_by_role("button", name="Add to cart").first
    assert shop_button.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(194, 65, 12)"


def test_embedded_on_another_site_with_a_config_call(
    new_page: Callable[..., Any],
    service_url: str,
    other_site: str,
    shot: Callable[[Page, str], None],
) -> None:
    _, page = new_page("customer on another site", viewport={"width": 1280, "height": 800})
    page.goto(f"{other_site}/embed.html?server={service_url}")
    widget = Widget(page, service_url)
    widget.launcher.click()
    expect(widget.dialog.get_by_role("heading", name="Acme Bikes help")).to_be_visible()
    expect(widget.log).to_contain_text("Hi from Acme Bikes!")
    widget.ask("how long does delivery take?", "Standard delivery takes")
    # The config call's colour and side; the host's pink buttons stay outside.
    send = widget.dialog.get_by_role("button", name="Send", exact=True)
    assert send.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(10, 125, 69)"
    box = widget.dialog.bounding_box()
    assert box is not None and box["x"] < 640
    shot(page, "01-widget-on-another-site")
