"""What a customer and an agent do on screen, in the words of the screen (roles and labels).

Playwright's locators pierce the widget's open Shadow DOM, and every ``expect`` waits for the
page to get there (no sleeps, nothing timed).

Example::

    widget = Widget(page, service_url).open_shop()
    widget.say("how long does delivery take?")
    widget.expect_bot("Standard delivery")
"""

from __future__ import annotations

import re
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

DEMO_AGENT = ("demo", "tandem-demo")  # scripts/stack.py creates it in development mode


class Widget:
    """The customer's chat widget on the demo shop page."""

    def __init__(self, page: Page, service_url: str) -> None:
        self.page = page
        self.url = service_url

    def open_shop(self) -> Widget:
        self.page.goto(f"{self.url}/")
        self.launcher.click()
        expect(self.dialog).to_be_visible()
        return self

    @property
    def launcher(self) -> Locator:
        return self.page.get_by_role("button", name=re.compile("support chat"))

    @property
    def launcher_button(self) -> Locator:
        """The launcher whatever language the widget speaks (its label is translated)."""
        return self.page.locator("tandem-widget button.launcher")

    @property
    def language_picker(self) -> Locator:
        """The language select in the widget's header."""
        return self.dialog.get_by_role("combobox")

    @property
    def dialog(self) -> Locator:
        return self.page.get_by_role("dialog")

    @property
    def log(self) -> Locator:
        """The conversation, whatever language its label is in."""
        return self.dialog.get_by_role("log")

    @property
    def input(self) -> Locator:
        """The message box, whatever language its label is in."""
        return self.page.locator("tandem-widget #tw-input")

    def entries(self, author: str | None = None) -> Locator:
        selector = f"li[data-author={author}]" if author else "li[data-seq]"
        return self.log.locator(selector)

    def say(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")

    def ask(self, text: str, expect_reply: str | re.Pattern[str]) -> None:
        """Send a message and wait for the bot's (or a system) answer containing the text."""
        self.say(text)
        self.expect_bot(expect_reply)

    def expect_bot(self, text: str | re.Pattern[str]) -> Locator:
        reply = self.log.locator("li[data-author=bot], li[data-author=system]").filter(
            has_text=text
        )
        expect(reply.last).to_be_visible()
        return reply

    def expect_text(self, text: str, author: str | None = None) -> Locator:
        """An entry whose text is exactly ``text`` (as text: nothing in it is markup)."""
        entry = (
            self.entries(author)
            .locator(".bubble")
            .filter(has_text=re.compile(f"^{re.escape(text)}$"))
        )
        expect(entry).to_have_count(1)
        return entry


class Console:
    """The agent console."""

    def __init__(self, page: Page, service_url: str) -> None:
        self.page = page
        self.url = service_url

    def login(self, username: str = DEMO_AGENT[0], password: str = DEMO_AGENT[1]) -> Console:
        self.page.goto(f"{self.url}/console")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Log in").click()
        expect(self.connection).to_have_text("Connected")
        return self

    @property
    def connection(self) -> Locator:
        return self.page.locator(".topbar .connection")

    @property
    def queue(self) -> Locator:
        return self.page.get_by_role("list", name="Queued conversations")

    @property
    def tickets(self) -> Locator:
        return self.page.get_by_role("list", name="Offline tickets")

    @property
    def mine(self) -> Locator:
        return self.page.get_by_role("list", name="My conversations")

    @property
    def transcript(self) -> Locator:
        return self.page.get_by_role("log", name="Transcript")

    @property
    def story(self) -> Locator:
        return self.page.locator("section.story")

    @property
    def reply_box(self) -> Locator:
        return self.page.get_by_label("Reply to customer")

    def queue_item(self, text: str) -> Locator:
        item = self.queue.locator("li.queue-item").filter(has_text=text)
        expect(item).to_have_count(1)
        return item

    def new_queue_item(self, text: str, known: set[str]) -> Locator:
        """The one queue row with ``text`` whose conversation is not in ``known`` (the queue
        before this test acted): a shared stack's queue may hold other tests' conversations,
        queued again when the agent who owned them left (``TANDEM_AGENT_GRACE_SECONDS``)."""
        others = "".join(f':not([data-conversation-id="{c}"])' for c in sorted(known))
        item = self.queue.locator(f"li.queue-item{others}").filter(has_text=text)
        expect(item).to_have_count(1)
        return item

    def ticket(self, text: str) -> Locator:
        item = self.tickets.locator("li.queue-item").filter(has_text=text)
        expect(item).to_have_count(1)
        return item

    def open(self, item: Locator) -> None:
        item.locator("button.open").click()
        expect(self.transcript).to_be_visible()

    def claim_open(self) -> None:
        self.page.locator(".conv-header").get_by_role(
            "button", name=re.compile("^(Claim|Answer)")
        ).click()
        expect(self.reply_box).to_be_visible()

    def entry(self, text: str, author: str | None = None) -> Locator:
        """The transcript entry whose text is exactly ``text``."""
        selector = f"li[data-author={author}]" if author else "li[data-seq]"
        entry = self.transcript.locator(selector).filter(
            has=self.page.locator(".text").filter(has_text=re.compile(f"^{re.escape(text)}$"))
        )
        expect(entry).to_have_count(1)
        return entry

    def reply(self, text: str) -> None:
        self.reply_box.fill(text)
        self.reply_box.press("Enter")
        self.entry(text, "agent")

    def hand_back(self) -> None:
        self.page.get_by_role("button", name="Hand back to bot").click()
        expect(self.reply_box).to_have_count(0)

    def close(self, resolution: str, tags: str) -> None:
        self.page.get_by_role("button", name="Close…").click()
        self.page.get_by_label("Resolution note").fill(resolution)
        self.page.get_by_label("Tags (comma separated)").fill(tags)
        self.page.get_by_role("button", name="Close conversation").click()
        expect(self.reply_box).to_have_count(0)

    def stat(self, label: str) -> Locator:
        return (
            self.page.locator(".stats-list dt")
            .filter(has_text=label)
            .locator("xpath=following-sibling::dd[1]")
        )


def inside(page: Page, inner: str, outer: str) -> bool:
    """Is the first ``inner`` element wholly within the visible box of ``outer``?"""
    found: bool = page.evaluate(
        """([inner, outer]) => {
          const a = document.querySelector(inner).getBoundingClientRect();
          const b = outer === "viewport"
            ? { top: 0, bottom: window.innerHeight, left: 0, right: window.innerWidth }
            : document.querySelector(outer).getBoundingClientRect();
          return a.top >= b.top - 1 && a.bottom <= b.bottom + 1
            && a.left >= b.left - 1 && a.right <= b.right + 1;
        }""",
        [inner, outer],
    )
    return found


def queued_conversations(stack: Any) -> set[str]:
    """The conversations in the stack's queue now, for :meth:`Console.new_queue_item`."""
    with redis.Redis(port=stack.ports.redis, decode_responses=True) as store:
        return set(store.zrange("tandem:queue", 0, -1))


def agents_online(service_url: str) -> int:
    with urllib.request.urlopen(f"{service_url}/metrics", timeout=5) as reply:
        for line in reply.read().decode().splitlines():
            if line.startswith("tandem_agents_online "):
                return int(line.split()[1])
    raise AssertionError("/metrics has no tandem_agents_online")


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Poll ``condition`` (state outside any page, e.g. /metrics) until it holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting: {what}")
        time.sleep(0.2)


@dataclass
class PageProblems:
    """What went wrong inside pages: JavaScript errors and dialogs (alert, confirm, …)."""

    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def watch(self, page: Page, name: str) -> None:
        page.on("pageerror", lambda error: self.errors.append(f"{name}: {error}"))

        def on_dialog(dialog: Any) -> None:
            self.dialogs.append(f"{name}: {dialog.type} {dialog.message!r}")
            dialog.dismiss()

        page.on("dialog", on_dialog)


@contextmanager
def fresh_pages(
    browser: Browser, problems: PageProblems, **defaults: Any
) -> Iterator[Callable[..., tuple[BrowserContext, Page]]]:
    """Yields ``make(name, **options)``: a page in a fresh browser context (its own storage:
    another person, another device), watched for JavaScript errors and dialogs, which fail the
    test when the block ends. Third-party fonts (rasa-webchat asks Google for one) are refused:
    the machine is offline."""
    contexts: list[BrowserContext] = []

    def make(name: str, **options: Any) -> tuple[BrowserContext, Page]:
        context = browser.new_context(**{**defaults, **options})
        context.route("https://fonts.googleapis.com/**", lambda route: route.abort())
        contexts.append(context)
        page = context.new_page()
        problems.watch(page, name)
        return context, page

    yield make
    for context in contexts:
        context.close()
    assert not problems.dialogs, f"a page opened a dialog: {problems.dialogs}"
    assert not problems.errors, f"JavaScript errors: {problems.errors}"


def screenshot_taker(artifacts: Path, test_name: str) -> Callable[[Page, str], None]:
    """``take(page, name)`` saves ``<artifacts>/<test>-<name>.png``."""
    artifacts.mkdir(exist_ok=True)

    def take(page: Page, name: str) -> None:
        page.screenshot(path=str(artifacts / f"{test_name}-{name}.png"))

    return take
