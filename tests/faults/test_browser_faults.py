"""The widget in a real browser under bad input and a Redis outage (issue 10, items 2 and 4).

Real parts only: a redis-server stopped and started again on its port, the service in a
subprocess serving the widget built in widget/dist, the stand-in Rasa, headless Debian Chromium,
and a real agent socket (``tests/support/clients.py``, run on an event loop of its own thread,
since Playwright's sync API owns this one). Screenshots go to ``test-artifacts/``.

- A lone surrogate typed into the widget is refused (``invalid_text``) and shown as failed with
  edit and delete; the next message reaches the agent; after a reload nothing is blocked. The
  same holds for what an older widget left in localStorage: a poisoned message at the head.
- Redis is down when the widget opens: "reconnecting…" is shown; Redis comes back and the
  session comes up by itself, and a message typed during the outage is delivered without the
  customer sending another.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.e2e.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, WIDGET_DIST
from tests.e2e.ui import PageProblems, Widget, fresh_pages, screenshot_taker
from tests.support.accounts import create_agent
from tests.support.clients import Agent, login
from tests.support.handoff_server import HandoffServer
from tests.support.rasa_stub import RasaStub
from tests.support.redis_server import RedisServer

T = TypeVar("T")
LONE_SURROGATE = "String.fromCharCode(0xd800)"
# What the widget before this fix kept in localStorage after refusing to give up on a message.
OLD_POISONED_OUTBOX = [
    {"cmid": "w-old-poisoned", "text": "broken \ud800 text", "created": 1},
    {"cmid": "w-old-next", "text": "written after the broken one", "created": 2},
]


class Loop:
    """An asyncio loop on its own thread, for the async test clients beside Playwright's."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@pytest.fixture(scope="module")
def redis_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("redis")


@pytest.fixture(scope="module")
def redis_server(redis_dir: Path) -> Iterator[RedisServer]:
    server = RedisServer(redis_dir).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def service(
    redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HandoffServer]:
    missing = [
        p for p in ("index.html", "static/tandem-widget.js") if not (WIDGET_DIST / p).exists()
    ]
    if missing or not CHROMIUM.exists():
        pytest.fail(
            f"needs widget/dist (cd widget && npm run build) and Chromium at {CHROMIUM}",
            pytrace=False,
        )
    with RasaStub() as rasa:
        server = HandoffServer(
            redis_url=redis_server.url,
            rasa_url=rasa.url,
            log_dir=tmp_path_factory.mktemp("logs"),
            env={
                "TANDEM_STATIC_DIR": str(WIDGET_DIST),
                "TANDEM_RASA_TIMEOUT": "3",
                "TANDEM_RATE_BURST": "60",
                "TANDEM_RATE_PER_MINUTE": "600",
            },
        )
        with server:
            yield server
        logs = ARTIFACTS / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        logs.joinpath("faults-browser-handoff.log").write_text(server.log_tail(2000))


@pytest.fixture(scope="module")
def browser(service: HandoffServer) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def loop() -> Iterator[Loop]:
    running = Loop()
    yield running
    running.close()


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[..., tuple[BrowserContext, Page]]]:
    """A page in a fresh context, failing the test on a JavaScript error or a dialog."""
    with fresh_pages(browser, PageProblems(), viewport={"width": 1200, "height": 900}) as make:
        yield make


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable[[Page, str], None]:
    return screenshot_taker(ARTIFACTS, request.node.name)


def connect_agent(loop: Loop, service: HandoffServer, redis_server: RedisServer) -> Agent:
    username, password = loop.run(create_agent(redis_server.url))
    agent = Agent(service.url, loop.run(login(service.url, username, password)))
    loop.run(agent.connect())
    loop.run(agent.call("hello"))
    return agent


def type_with_lone_surrogate(widget: Widget, before: str) -> None:
    """Type text holding "\\ud800" (Playwright's own text channel cannot carry one)."""
    widget.input.evaluate(f"(box, text) => {{ box.value = text + {LONE_SURROGATE}; }}", before)
    widget.input.press("Enter")


def stored_outbox(page: Page) -> list[dict[str, Any]]:
    raw = page.evaluate("() => localStorage.getItem('tandem:outbox')")
    return json.loads(raw) if raw else []


def test_a_lone_surrogate_fails_one_message_and_blocks_nothing(
    service: HandoffServer,
    redis_server: RedisServer,
    loop: Loop,
    new_page: Callable[[str], tuple[BrowserContext, Page]],
    shot: Callable[[Page, str], None],
) -> None:
    redis_server.flush()
    ana = connect_agent(loop, service, redis_server)
    _, page = new_page("customer")
    widget = Widget(page, service.url).open_shop()
    widget.say("human please")
    queued = loop.run(ana.wait_for("queue_added", timeout=30))
    conversation_id = queued["item"]["conversation_id"]
    assert loop.run(ana.call("claim", {"conversation_id": conversation_id}))["ok"]
    expect(widget.dialog.get_by_text("You're chatting with a person.")).to_be_visible()

    type_with_lone_surrogate(widget, "my order number is ")
    failed = widget.log.locator("li.failed")
    expect(failed).to_have_count(1)
    expect(failed).to_contain_text("my order number is")
    expect(failed).to_contain_text("contains a character that can't be sent")
    expect(failed.get_by_role("button", name="Edit")).to_be_visible()
    expect(failed.get_by_role("button", name="Delete")).to_be_visible()
    # Refused once, for good: marked in storage, not waiting to be resent.
    assert [item.get("failed", {}).get("code") for item in stored_outbox(page)] == ["invalid_text"]

    widget.say("the next message gets through")
    seen = loop.run(
        ana.wait_for(
            "conversation_message",
            lambda p: p["entry"]["text"] == "the next message gets through",
            timeout=30,
        )
    )
    assert seen["conversation_id"] == conversation_id
    expect(widget.log.locator("li[data-author=customer]").last).to_contain_text(
        "the next message gets through"
    )
    expect(widget.log.locator("li.pending")).to_have_count(0)
    shot(page, "01-failed-with-edit-and-delete")

    page.reload()
    expect(widget.dialog).to_be_visible()  # it was open in this tab: it opens again
    expect(widget.log.locator("li.failed")).to_have_count(1)  # still shown, still not sent
    widget.say("and one after the reload")
    loop.run(
        ana.wait_for(
            "conversation_message",
            lambda p: p["entry"]["text"] == "and one after the reload",
            timeout=30,
        )
    )
    expect(widget.log.locator("li.pending")).to_have_count(0)
    shot(page, "02-after-reload-not-blocked")

    # Edit puts the text back into the message box; the failed one leaves the list.
    widget.log.locator("li.failed").get_by_role("button", name="Edit").click()
    expect(widget.log.locator("li.failed")).to_have_count(0)
    assert widget.input.input_value().startswith("my order number is ")
    assert stored_outbox(page) == []
    texts = [
        m["text"]
        for m in loop.run(ana.call("get_conversation", {"conversation_id": conversation_id}))[
            "messages"
        ]
        if m["author"] == "customer"
    ]
    assert texts == ["human please", "the next message gets through", "and one after the reload"]
    loop.run(ana.close())


def test_a_poisoned_outbox_left_by_an_older_widget_no_longer_blocks(
    service: HandoffServer,
    new_page: Callable[[str], tuple[BrowserContext, Page]],
    shot: Callable[[Page, str], None],
) -> None:
    context, page = new_page("returning customer")
    # The storage as the widget before this fix left it: the poisoned message first.
    context.add_init_script(
        "if (!sessionStorage.getItem('seeded')) {"
        f" localStorage.setItem('tandem:outbox', {json.dumps(json.dumps(OLD_POISONED_OUTBOX))});"
        " sessionStorage.setItem('seeded', '1'); }"
    )
    widget = Widget(page, service.url).open_shop()
    widget.expect_bot("You said: written after the broken one")
    failed = widget.log.locator("li.failed")
    expect(failed).to_have_count(1)
    expect(failed).to_contain_text("broken")
    expect(widget.log.locator("li.pending")).to_have_count(0)
    failed.get_by_role("button", name="Delete").click()
    expect(failed).to_have_count(0)
    assert stored_outbox(page) == []
    shot(page, "01-old-outbox-migrated")


def test_opened_while_redis_is_down_the_widget_recovers_by_itself(
    service: HandoffServer,
    redis_server: RedisServer,
    redis_dir: Path,
    new_page: Callable[[str], tuple[BrowserContext, Page]],
    shot: Callable[[Page, str], None],
) -> None:
    redis_server.stop()
    restarted: RedisServer | None = None
    try:
        _, page = new_page("customer during the outage")
        widget = Widget(page, service.url).open_shop()
        reconnecting = widget.dialog.get_by_role("status").filter(has_text="Reconnecting")
        expect(reconnecting).to_be_visible()
        widget.say("typed while Redis was down")
        expect(widget.log.locator("li.pending")).to_contain_text("typed while Redis was down")
        shot(page, "01-reconnecting")
        restarted = RedisServer(redis_dir, port=redis_server.port).start()
        # Nobody types anything else: the session comes up and the message goes by itself.
        widget.expect_bot("You said: typed while Redis was down")
        expect(reconnecting).to_be_hidden()
        expect(widget.log.locator("li.pending")).to_have_count(0)
        expect(widget.log.locator("li[data-author=customer]")).to_have_count(1)
        shot(page, "02-recovered")
        with restarted.client() as client:
            conversation_id = next(iter(client.scan_iter("tandem:conv:*:log"))).split(":")[2]
            log = client.xrange(f"tandem:conv:{conversation_id}:log")
        customer_texts = [f["text"] for _, f in log if f.get("author") == "customer"]
        assert customer_texts == ["typed while Redis was down"]
    finally:
        # The module's Redis is running again for whatever runs next.
        if restarted is None:
            redis_server.start()
        else:
            redis_server.process = restarted.process


def test_a_message_typed_while_redis_is_down_goes_by_itself_when_it_is_back(
    service: HandoffServer,
    redis_server: RedisServer,
    redis_dir: Path,
    new_page: Callable[[str], tuple[BrowserContext, Page]],
    shot: Callable[[Page, str], None],
) -> None:
    _, page = new_page("customer chatting")
    widget = Widget(page, service.url).open_shop()
    widget.ask("hello before the outage", "You said: hello before the outage")
    with redis_server.client() as client:
        client.save()  # the restarted server loads it: an outage, not a data loss
    redis_server.stop()
    restarted: RedisServer | None = None
    try:
        widget.say("typed while Redis was down")
        reconnecting = widget.dialog.get_by_role("status").filter(has_text="Reconnecting")
        expect(reconnecting).to_be_visible()  # the socket is up, but nothing gets through
        expect(widget.log.locator("li.pending")).to_contain_text("typed while Redis was down")
        shot(page, "01-failing-while-down")
        restarted = RedisServer(redis_dir, port=redis_server.port).start()
        # The customer sends nothing else: the outbox's timer delivers it.
        widget.expect_bot("You said: typed while Redis was down")
        expect(reconnecting).to_be_hidden()
        expect(widget.log.locator("li.pending")).to_have_count(0)
        customer = widget.log.locator("li[data-author=customer]")
        expect(customer).to_have_count(2)
        expect(customer.last).to_contain_text("typed while Redis was down")
        shot(page, "02-delivered-after-recovery")
    finally:
        if restarted is None:
            redis_server.start()
        else:
            redis_server.process = restarted.process
