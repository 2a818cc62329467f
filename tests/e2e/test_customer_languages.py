"""Customers in the seeds' languages, end to end: the real bot hears Croatian and Tamil, answers
in them, and a Croatian customer who asks for a person reaches the agent who speaks Croatian."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.ui import Console, Widget

DESKTOP = {"viewport": {"width": 1280, "height": 860}}
LAPTOP = {"viewport": {"width": 1366, "height": 768}}


def test_a_croatian_customer_is_answered_in_croatian_and_reaches_the_croatian_agent(
    new_page: Callable[..., Any],
    service_url: str,
    add_agent: Callable[..., tuple[str, str]],
    shot: Callable[[Page, str], None],
) -> None:
    ivana_login = add_agent("ivana", "Ivana", languages="en,hr")
    _, ivana_page = new_page("ivana", **DESKTOP)
    ivana = Console(ivana_page, service_url).login(*ivana_login)
    _, customer_page = new_page("croatian customer", **DESKTOP)
    widget = Widget(customer_page, service_url).open_shop()

    # The bot hears Croatian (no longer "Turkish") and answers the FAQ in Croatian.
    widget.ask("koliko traje dostava do Zagreba?", "Standardna dostava traje")
    # Asking for a person: the service's own sentences are Croatian too, and so is the widget.
    widget.say("želim razgovarati s osobom, molim")
    widget.expect_bot("Hvala na strpljenju")
    expect(customer_page.locator("tandem-widget #tw-input")).to_have_attribute(
        "placeholder", re.compile("poruk", re.IGNORECASE)
    )
    shot(customer_page, "croatian-customer-queued")

    # Ivana speaks Croatian: the row says so, by name; she takes it and the customer sees her.
    item = ivana.queue_item("želim razgovarati s osobom")
    expect(item).to_contain_text("Croatian (hr)")
    expect(item).to_contain_text("you speak it")
    ivana.open(item)
    ivana.claim_open()
    widget.expect_bot("Ivana")
    shot(ivana_page, "croatian-agent-claimed")


def test_a_tamil_customer_gets_the_faq_answer_in_tamil_script(
    new_page: Callable[..., Any], service_url: str, shot: Callable[[Page, str], None]
) -> None:
    _, page = new_page("tamil customer", **DESKTOP)
    widget = Widget(page, service_url).open_shop()
    widget.ask("டெலிவரி எத்தனை நாள் ஆகும்?", re.compile("[\u0b80-\u0bff]{3,}"))
    # The service names the conversation's language (it may do so just after the answer) and
    # the widget then redraws its log in Tamil: measure once that has happened, or the answer
    # measured may be the entry the redraw has just taken off the page (no boxes at all).
    expect(widget.language_picker).to_have_value("ta")
    answer = widget.expect_bot(re.compile("[\u0b80-\u0bff]{3,}")).last
    # Rendered with a font that has the script (the setup installs fonts-noto-core): the
    # glyphs have width, where a missing font would draw the same empty box for every letter.
    widths = answer.evaluate(
        """el => { const r = document.createRange(); r.selectNodeContents(el);
                   return Array.from(r.getClientRects()).map(x => x.width); }"""
    )
    assert widths and max(widths) > 20
    shot(page, "tamil-faq-answer")


def test_a_tamil_customer_who_asks_for_a_person_sees_the_services_answer_below_the_panel(
    new_page: Callable[..., Any], service_url: str, shot: Callable[[Page, str], None]
) -> None:
    _, page = new_page("tamil customer", locale="ta-IN", **LAPTOP)
    widget = Widget(page, service_url)
    page.goto(f"{service_url}/")
    widget.launcher_button.click()
    widget.say("நான் ஒரு நபருடன் பேச வேண்டும்")
    # The service answers (queued, or offline when nobody is on) and a panel opens under the
    # log (the wait, or the message form): the answer stays in sight, the log is not left
    # where it was before the panel took its room.
    notice = widget.entries("system").last
    expect(notice).to_contain_text(re.compile("[\u0b80-\u0bff]{3,}"))
    expect(widget.dialog.locator(".state-panel")).to_be_visible()
    expect(notice).to_be_in_viewport()
    shot(page, "tamil-asked-for-a-person")
