"""The widget speaks the customer's language: where it starts, the customer's own pick in the
header (remembered, and sent to the service as ``metadata.language``), and scripts that render.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Locator, Page, expect

from tests.e2e.ui import Widget

DESKTOP = {"viewport": {"width": 1280, "height": 860}}


def message_box(page: Page) -> Locator:
    """The message box, whatever its label says in the language shown."""
    return page.locator("tandem-widget #tw-input")


def conversation(page: Page) -> Locator:
    return page.locator("tandem-widget [role=log]")


def test_starts_in_the_embeds_then_the_pages_then_the_browsers_language(
    new_page: Callable[..., Any], service_url: str, other_site: str
) -> None:
    _, page = new_page("spanish browser", locale="es-ES", **DESKTOP)
    for query, placeholder, launcher in (
        ("", "Escriba un mensaje…", "Abrir el chat de ayuda"),  # the browser's
        ("&page=ru", "Напишите сообщение…", "Открыть чат поддержки"),  # <html lang> over it
        ("&page=ru&lang=de", "Nachricht schreiben …", "Support-Chat öffnen"),  # data-lang over both
        ("&page=pl", "Escriba un mensaje…", "Abrir el chat de ayuda"),  # no Polish: the next one
    ):
        page.goto(f"{other_site}/languages.html?server={service_url}{query}")
        expect(message_box(page)).to_have_attribute("placeholder", placeholder)
        expect(Widget(page, service_url).launcher_button).to_have_attribute("aria-label", launcher)


def test_the_customer_picks_a_language_and_keeps_it(
    new_page: Callable[..., Any], service_url: str, shot: Callable[[Page, str], None]
) -> None:
    _, page = new_page("customer", **DESKTOP)
    sent: list[dict[str, Any]] = []

    def watch_frames(ws: Any) -> None:
        def on_frame(payload: str | bytes) -> None:
            text = payload if isinstance(payload, str) else payload.decode("utf-8", "replace")
            if '"user_uttered"' in text:  # socket.io: 42["user_uttered",{…}] (ack id before "[")
                sent.append(json.loads(text[text.index("[") :])[1])

        ws.on("framesent", on_frame)

    page.on("websocket", watch_frames)
    widget = Widget(page, service_url).open_shop()  # <html lang="en">: English first
    expect(widget.input).to_have_attribute("placeholder", "Write a message…")
    widget.ask("how long does delivery take?", "Standard delivery takes")
    expect(widget.entries("bot").first.locator(".sr-only")).to_have_text("Assistant said:")

    picker = widget.language_picker
    expect(picker).to_have_value("en")
    picker.select_option(label="Hrvatski")
    expect(message_box(page)).to_have_attribute("placeholder", "Napišite poruku…")
    expect(widget.dialog.get_by_role("button", name="Razgovarajte s osobom")).to_be_visible()
    expect(widget.dialog.get_by_role("button", name="Pošalji", exact=True)).to_be_visible()
    expect(page.get_by_role("log", name="Razgovor")).to_be_visible()
    # What was already shown is re-labelled, not only what comes next.
    expect(
        conversation(page).locator("li[data-author=bot]").first.locator(".sr-only")
    ).to_have_text("Asistent je napisao:")

    # Remembered: a reload comes back in Croatian; the pick goes with each message.
    page.reload()
    expect(widget.dialog).to_be_visible()  # open before the reload: open after it
    expect(message_box(page)).to_have_attribute("placeholder", "Napišite poruku…")
    message_box(page).fill("Moja narudžba još nije stigla")
    message_box(page).press("Enter")
    expect(
        conversation(page)
        .locator("li[data-author=customer] .bubble")
        .filter(has_text="Moja narudžba još nije stigla")
    ).to_have_count(1)
    assert sent and sent[0].get("metadata") is None, "no pick yet: no language hint"
    assert sent[-1]["metadata"]["language"] == "hr"
    shot(page, "01-widget-croatian")

    # Tamil renders in a font that has it (screenshot: the script, not boxes).
    widget.language_picker.select_option(label="தமிழ்")
    expect(message_box(page)).to_have_attribute("placeholder", "செய்தியை எழுதுங்கள்…")
    font = message_box(page).evaluate("e => getComputedStyle(e).fontFamily")
    assert "Noto Sans Tamil" in font
    shot(page, "02-widget-tamil")
