"""The workbench page in a real browser, without the trained bot: the stand-in Rasa (its
"Did you mean…?" turn and the button a customer presses), the real service serving widget/dist
and a temporary clone of the bot's data as the workbench's repository, whose ``scripts/test``
is a stand-in that waits, so that a check & train job keeps the page polling (and redrawing).

- What a customer picked from "Did you mean…?" is offered as a one-click label.
- What the writer types into "save as test conversation" survives the redraws a running job's
  polls cause, and is what gets saved.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect

from tests.e2e.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, ROOT, WIDGET_DIST
from tests.e2e.ui import Console, PageProblems, Widget
from tests.support.accounts import create_agent
from tests.support.handoff_server import HandoffServer
from tests.support.rasa_stub import RasaStub
from tests.support.redis_server import RedisServer

# Announces a step, then waits for the test to let it finish: the page polls all along.
JOB_SCRIPT = """#!/usr/bin/env bash
echo "==> data: rasa data validate"
while [ ! -f "$TANDEM_RUN_DIR/go" ]; do sleep 0.1; done
echo "==> content: verdict"
echo "    ALL PASSED"
"""


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


@pytest.fixture(scope="module")
def bot_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("workbench") / "bot"
    for part in ("data", "tests/nlu", "tests/conversations"):
        shutil.copytree(ROOT / part, repo / part)
    shutil.copy(ROOT / "domain.yml", repo / "domain.yml")
    (repo / "scripts").mkdir()
    (repo / "scripts/test").write_text(JOB_SCRIPT)
    (repo / "scripts/test").chmod(0o755)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "dev@example.invalid")
    git(repo, "config", "user.name", "Dev")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "the bot as it is")
    return repo


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("run")


@pytest.fixture(scope="module")
def service(
    tmp_path_factory: pytest.TempPathFactory, bot_repo: Path, run_dir: Path
) -> Iterator[HandoffServer]:
    if not (WIDGET_DIST / "static/tandem-console.js").exists() or not CHROMIUM.exists():
        pytest.fail(
            f"needs widget/dist (cd widget && npm run build) and Chromium at {CHROMIUM}",
            pytrace=False,
        )
    with RedisServer(tmp_path_factory.mktemp("redis")) as redis, RasaStub() as rasa:
        server = HandoffServer(
            redis_url=redis.url,
            rasa_url=rasa.url,
            log_dir=tmp_path_factory.mktemp("logs"),
            env={
                "TANDEM_STATIC_DIR": str(WIDGET_DIST),
                "TANDEM_WORKBENCH_REPO": str(bot_repo),
                "TANDEM_RUN_DIR": str(run_dir),
            },
        )
        with server:
            yield server


@pytest.fixture(scope="module")
def writer(service: HandoffServer) -> tuple[str, str]:
    """A writer's account. Made on a thread of its own: Playwright's sync API, started by an
    earlier test of the session, owns this thread's event loop."""
    with ThreadPoolExecutor(1) as thread:
        make = thread.submit(
            asyncio.run, create_agent(service.env["TANDEM_REDIS_URL"], roles=["writer"])
        )
        return make.result(timeout=60)


@pytest.fixture(scope="module")
def browser(playwright: Playwright, writer: tuple[str, str]) -> Iterator[Browser]:
    """A browser of this module's own (the session's goes with the whole stack this module
    does not need), from the session's one Playwright."""
    launched = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield launched
    launched.close()


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[[str], Page]]:
    """A page in a fresh context, failing the test on a JavaScript error or a dialog."""
    problems = PageProblems()
    contexts: list[BrowserContext] = []

    def make(name: str) -> Page:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        contexts.append(context)
        page = context.new_page()
        problems.watch(page, name)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not problems.dialogs, f"a page opened a dialog: {problems.dialogs}"
    assert not problems.errors, f"JavaScript errors: {problems.errors}"


def test_a_customers_pick_labels_in_one_click_and_a_drafted_test_outlives_redraws(
    service: HandoffServer,
    writer: tuple[str, str],
    bot_repo: Path,
    run_dir: Path,
    new_page: Callable[[str], Page],
) -> None:
    widget = Widget(new_page("customer"), service.url).open_shop()
    widget.ask("unsure where has my parcel gone", "Did you mean")
    widget.dialog.get_by_role("button", name="Tracking an order").click()
    widget.expect_bot("You can track your order")

    page = new_page("writer")
    Console(page, service.url).login(*writer)
    page.get_by_role("link", name="Workbench").click()
    item = page.locator("li.wb-item").filter(has_text="unsure where has my parcel gone")
    picked = item.get_by_role("button", name="customers picked faq/order_tracking (1×)")
    expect(picked).to_be_visible()

    # Start a job (it polls, and so redraws the page, every 2 s while it runs), then draft a
    # test from the conversation and type into it across a redraw.
    page.get_by_role("button", name="Check & train").click()
    expect(page.locator("ol.wb-steps li").first).to_contain_text("data: rasa data validate")
    item.get_by_role("button", name="→ test").first.click()
    name, steps = page.locator("#wb-test-name"), page.locator("#wb-test-steps")
    expect(steps).to_have_value(re.compile("unsure where has my parcel gone"))
    name.fill("parcel_pick")
    steps.press("Control+End")
    steps.press_sequentially("\nuser: and when")
    # A redraw replaces the fields with new ones; what was typed, the focus and the caret stay,
    # so the keys typed next land where the writer was typing.
    typed_into = steps.element_handle()
    page.wait_for_function("field => !field.isConnected", arg=typed_into)
    page.keyboard.type(" will it come | faq/shipping_time")
    expect(name).to_have_value("parcel_pick")
    expect(steps).to_have_value(re.compile("user: and when will it come \\| faq/shipping_time$"))

    picked.click()
    expect(page.locator(".wb-message")).to_have_text("Labelled as faq/order_tracking.")
    page.get_by_role("button", name="Save test conversation").click()
    expect(page.locator(".wb-message")).to_contain_text("test_parcel_pick.yml")
    branch = git(bot_repo, "branch", "--list", "workbench/*", "--format=%(refname:short)")
    saved = git(bot_repo, "show", f"{branch}:tests/conversations/test_parcel_pick.yml")
    assert "and when will it come" in saved
    (run_dir / "go").write_text("")
    expect(page.locator(".wb-job-status")).to_contain_text("passed")
    page.screenshot(path=str(ARTIFACTS / "workbench-page-drafts.png"))
