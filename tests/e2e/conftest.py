"""End-to-end fixtures: the whole product (scripts/stack.py) and headless Debian Chromium.

One ``Stack`` per test session (Redis, action server, Rasa with the trained model, the handoff
service serving widget/dist) on free loopback ports in a temp directory, and one Chromium
(``/usr/bin/chromium``, never a downloaded browser) driven by Playwright. Each test opens its
own browser contexts (a customer, an agent…) and they are closed when it ends; every page
fails its test if it raised a JavaScript error or opened a dialog (``alert`` from injected
markup would be one). Screenshots and the stack's logs go to ``test-artifacts/``.

A missing Chromium, Tamil font, model or widget build fails the run with a message saying what
to do.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # tests.e2e.ui is importable however pytest was started
    sys.path.insert(0, str(ROOT))

from tests.e2e.ui import PageProblems, fresh_pages, screenshot_taker  # noqa: E402
from tests.support.stack import load_stack_module  # noqa: E402

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path(os.environ.get("TANDEM_CHROMIUM", "/usr/bin/chromium"))
WIDGET_DIST = ROOT / "widget" / "dist"
WEBCHAT_BUNDLE = ROOT / "widget" / "node_modules" / "rasa-webchat" / "lib" / "index.js"
PAGES = Path(__file__).with_name("pages")
# Chromium on this machine must not phone home (the network is closed; it would keep trying).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Waiting is not asserting: a bot turn on two busy cores can take several seconds.
expect.set_options(timeout=30_000)


def tamil_font() -> bool:
    """The widget speaks Tamil: its screenshots must show the script, not boxes."""
    fc_list = shutil.which("fc-list")
    if not fc_list:
        return False
    found = subprocess.run(
        [fc_list, ":lang=ta", "family"], capture_output=True, text=True, timeout=30, check=False
    )
    return bool(found.stdout.strip())


def missing_prerequisites(model: Path) -> list[str]:
    problems = []
    if not CHROMIUM.exists():
        problems.append(
            f"Chromium is not at {CHROMIUM}: install Debian's chromium ('make setup' does, or "
            "'sudo apt-get install chromium'); set TANDEM_CHROMIUM to use another binary."
        )
    if not model.exists():
        problems.append(f"no trained model at {model}: run 'make train' (or scripts/train).")
    for built in ("index.html", "console.html", "static/tandem-widget.js"):
        if not (WIDGET_DIST / built).exists():
            problems.append(f"widget/dist/{built} is missing: run scripts/build-widget.")
            break
    if not tamil_font():
        problems.append(
            "no font with Tamil for Chromium (fc-list :lang=ta is empty): install Debian's "
            "fonts-noto-core ('make setup' does, or 'sudo apt-get install fonts-noto-core')."
        )
    if not WEBCHAT_BUNDLE.exists():
        problems.append(
            "rasa-webchat's bundle is missing (widget/node_modules): run scripts/build-widget."
        )
    return problems


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The whole product, started once for the session and stopped at its end."""
    module = load_stack_module()
    problems = missing_prerequisites(module.MODEL)
    if problems:
        pytest.fail("end-to-end tests cannot run:\n  " + "\n  ".join(problems), pytrace=False)
    run_dir = tmp_path_factory.mktemp("stack")
    instance = module.Stack(
        run_dir=run_dir,
        ports=module.Ports.free(),
        dev=True,
        extra_env={
            "TANDEM_STATIC_DIR": str(WIDGET_DIST),
            # Scripted customers type faster than people; the limit itself is tested elsewhere.
            "TANDEM_RATE_BURST": "40",
            "TANDEM_RATE_PER_MINUTE": "300",
            # The follow-up question due at once, so a test can see it asked. (Email in listens
            # on a free port of its own: Ports.free() has one, as make run has 2526.)
            "TANDEM_FOLLOWUP_HOURS": "0",
        },
        log=lambda line: print(line, flush=True),
    )
    try:
        instance.start()
    except SystemExit as exc:  # Stack reports a missing model or redis-server this way
        pytest.fail(f"the stack did not start: {exc}", pytrace=False)
    try:
        yield instance
    finally:
        instance.stop()
        logs = ARTIFACTS / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        for log in (run_dir / "logs").glob("*.log"):
            shutil.copy(log, logs / log.name)


@pytest.fixture(scope="session")
def service_url(stack: Any) -> str:
    return str(stack.service_url)


@pytest.fixture(scope="session")
def add_agent(stack: Any) -> Callable[..., tuple[str, str]]:
    """Create an agent with the real CLI (``python -m handoff agents add``); returns credentials."""

    def add(
        username: str, name: str, password: str = "e2e-password-1", languages: str = "en"
    ) -> tuple[str, str]:
        env = {
            **os.environ,
            "TANDEM_REDIS_URL": f"redis://127.0.0.1:{stack.ports.redis}/0",
            "TANDEM_SECRET": (stack.run_dir / "secret").read_text().strip(),
            "TANDEM_DEV": "1",
            "AGENT_PASSWORD": password,
        }
        argv = [sys.executable, "-m", "handoff", "agents", "add", username, "--name", name]
        argv += ["--password-env", "AGENT_PASSWORD", "--if-missing", "--languages", languages]
        subprocess.run(argv, cwd=ROOT, env=env, check=True, capture_output=True, timeout=60)
        return username, password

    return add


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="session")
def browser(playwright: Playwright, stack: Any) -> Iterator[Browser]:
    launched = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield launched
    launched.close()


@pytest.fixture
def problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def new_page(
    browser: Browser, problems: PageProblems
) -> Iterator[Callable[..., tuple[BrowserContext, Page]]]:
    """Open a page in a fresh browser context; JavaScript errors and dialogs fail the test."""
    with fresh_pages(browser, problems) as make:
        yield make


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable[[Page, str], None]:
    """Save a screenshot as test-artifacts/<test>-<name>.png."""
    return screenshot_taker(ARTIFACTS, request.node.name)


class _Pages(SimpleHTTPRequestHandler):
    """Serves tests/e2e/pages/ and rasa-webchat's bundle: another site, on another origin."""

    def translate_path(self, path: str) -> str:
        name = path.split("?", 1)[0].lstrip("/")
        if name == "rasa-webchat.js":
            return str(WEBCHAT_BUNDLE)
        return str(PAGES / Path(name).name)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        pass


@pytest.fixture(scope="session")
def other_site() -> Iterator[str]:
    """A plain web server on its own port, for pages that embed a chat from another origin."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Pages))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
