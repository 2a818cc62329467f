"""Administration in the console, on the whole product: the demo admin creates an agent on the
admin page and that agent logs in with the password shown once (and sees neither Admin nor
Mail); the page fits a laptop and a phone; a customer who talked to the
real bot is found, exported and erased, and Rasa's tracker of the conversation is gone."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import redis
from playwright.sync_api import Page, expect

from tests.e2e.ui import Console, Widget

DESKTOP = {"viewport": {"width": 1400, "height": 1000}}


def test_an_admin_creates_an_agent_who_then_logs_in(
    new_page: Callable[..., Any], service_url: str, shot: Callable[[Page, str], None]
) -> None:
    _, admin_page = new_page("admin", **DESKTOP)
    console = Console(admin_page, service_url).login()  # the demo agent: admin in dev mode
    # A reload keeps the session (this tab's token) and the whole header with it: Admin, and
    # developer mode's Mail page (its link once went missing when the desk came from the token).
    admin_page.reload()
    expect(console.connection).to_have_text("Connected")
    expect(admin_page.get_by_role("link", name="Mail")).to_be_visible()
    # Legible on the dark header (the browser's default link blue was not).
    for link in ("Workbench", "Admin", "Mail"):
        expect(admin_page.get_by_role("link", name=link)).to_have_css("color", "rgb(255, 255, 255)")
    admin_page.get_by_role("link", name="Admin").click()
    agents = admin_page.locator("table.adm-agents")
    expect(agents).to_contain_text("demo")

    admin_page.get_by_label("Username").fill("erin")
    admin_page.get_by_label("Name (shown to customers)").fill("Erin <b>Example</b>")
    admin_page.get_by_label("Languages").fill("en, de")
    admin_page.get_by_label("Skills").fill("billing")
    admin_page.get_by_role("button", name="Create agent").click()
    password = admin_page.locator(".adm-password")
    expect(password).to_have_text(re.compile(r"^\S{12,}$"))
    row = agents.locator("tr[data-username=erin]")
    expect(row).to_contain_text("Erin <b>Example</b>")  # text, never markup
    expect(row).to_contain_text("de, en")
    shot(admin_page, "01-admin-agent-created")
    generated = password.inner_text()

    _, erin_page = new_page("erin", **DESKTOP)
    Console(erin_page, service_url).login("erin", generated)
    expect(erin_page.locator(".topbar .me")).to_have_text("Erin <b>Example</b>")
    expect(erin_page.get_by_role("link", name="Admin")).to_be_hidden()  # not an admin
    expect(erin_page.get_by_role("link", name="Mail")).to_be_hidden()  # the mailbox: admins'


# The placeholders of the page's visible fields whose text is wider than the room inside them.
CUT_PLACEHOLDERS = """() => {
  const pen = document.createElement("canvas").getContext("2d");
  return [...document.querySelectorAll("#agents input[placeholder]")]
    .filter((field) => field.offsetParent !== null)
    .filter((field) => {
      const style = getComputedStyle(field);
      pen.font = style.font;
      const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
      const room = field.clientWidth - padding;
      return pen.measureText(field.placeholder).width > room;
    })
    .map((field) => field.placeholder);
}"""


def test_the_admin_page_fits_a_laptop_and_a_phone(
    new_page: Callable[..., Any], service_url: str, shot: Callable[[Page, str], None]
) -> None:
    # The new-password field's hint was cut off ("type one, or leave empt"), and on a phone the
    # agents' table pushed the whole page sideways.
    for name, width, height in (("laptop", 1366, 768), ("phone", 390, 844)):
        _, page = new_page(f"admin-{name}", viewport={"width": width, "height": height})
        Console(page, service_url).login()
        page.goto(f"{service_url}/console#agents")
        expect(page.locator("table.adm-agents")).to_contain_text("demo")
        assert page.evaluate(CUT_PLACEHOLDERS) == [], name
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
        shot(page, f"03-admin-{name}")


def test_an_admin_erases_a_customer_and_the_bots_tracker(
    new_page: Callable[..., Any], service_url: str, stack: Any, shot: Callable[[Page, str], None]
) -> None:
    store = redis.Redis(port=stack.ports.redis, decode_responses=True)

    def asked_about_delivery() -> set[str]:
        return {
            key.split(":")[-1]
            for key in store.scan_iter("tandem:conv:*", _type="hash")
            if any(
                fields.get("text") == "how long does delivery take?"
                for _, fields in store.xrange(f"{key}:log")
            )
        }

    before = asked_about_delivery()  # other tests of the session may have asked it too
    _, customer_page = new_page("customer", **DESKTOP)
    widget = Widget(customer_page, service_url).open_shop()
    widget.ask("how long does delivery take?", "Standard delivery takes")
    [conversation_id] = asked_about_delivery() - before
    # Written by the real Rasa, one event per element (bot/event_log_store.py).
    logged = [json.loads(e) for e in store.lrange(f"rasa:events:{conversation_id}", 0, -1)]
    assert any(e["event"] == "user" and e["text"] == "how long does delivery take?" for e in logged)

    _, admin_page = new_page("admin", **DESKTOP)
    Console(admin_page, service_url).login()
    admin_page.goto(f"{service_url}/console#agents")
    admin_page.get_by_label("Find the customer by").select_option("conversation")
    admin_page.get_by_label("Email or id").fill(conversation_id)
    admin_page.get_by_role("button", name="Find").click()
    found = admin_page.locator("li.adm-customer")
    expect(found).to_contain_text(conversation_id)
    customer_id = found.get_attribute("data-customer")
    assert customer_id

    with admin_page.expect_download() as download:
        found.get_by_role("button", name="Export (JSON)").click()
    export = json.loads(open(download.value.path(), encoding="utf-8").read())  # noqa: SIM115
    texts = [m["text"] for c in export["conversations"] for m in c["messages"]]
    assert "how long does delivery take?" in texts
    bot_tracker = export["conversations"][0]["bot_tracker"]
    assert bot_tracker["name"] == conversation_id and len(bot_tracker["events"]) == len(logged)

    found.get_by_label(f"Type {customer_id} to confirm").fill(customer_id)
    found.get_by_role("button", name="Erase everything").click()
    expect(admin_page.locator(".adm-message")).to_contain_text(f"Erased {customer_id}")
    shot(admin_page, "02-admin-customer-erased")
    assert not store.exists(f"rasa:events:{conversation_id}", f"rasa:session:{conversation_id}")
    assert [
        k for k in store.scan_iter(count=1000) if conversation_id in k or customer_id in k
    ] == []
    expect(admin_page.locator(".adm-audit")).to_contain_text(f"privacy.erase · {customer_id}")
