"""The writers' workbench with the real trained bot: a message the bot does not understand
reaches the inbox, the writer labels it, sees the diff, saves it as a commit on
workbench/<date>, checks and trains (the real ``scripts/test content``: validation, content
checks, training, dialogue tests, NLU report, the model loaded into the running Rasa), and the
same message is then understood in the widget, without restarting anything.

The service edits a clone of this repository made for the test (its own git history), never
the checkout the tests run from. The whole check-and-train takes minutes here.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ROOT, WIDGET_DIST, missing_prerequisites
from tests.e2e.ui import Console, Widget
from tests.support.stack import load_stack_module

# The trained model reads this as out_of_scope (0.97): the bot says it cannot help.
MESSAGE = "when do your folks clock in"
NOT_UNDERSTOOD = "I'm afraid I can't help with that here"
OPENING_HOURS = "Our customer service team works Monday to Friday"
# The job as the page's API gives it (the console keeps its token in sessionStorage).
JOB = """async () => {
  const { token } = JSON.parse(sessionStorage.getItem("tandem-console:token"));
  const headers = { Authorization: `Bearer ${token}` };
  const answer = await fetch("/api/workbench/jobs/current", { headers });
  return (await answer.json()).job;
}"""
DESKTOP = {"viewport": {"width": 1400, "height": 1000}}
TRAINING_MS = 20 * 60 * 1000  # the whole content run on two busy cores, with room


@pytest.fixture(scope="session")
def bot_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clone of this repository at its current commit: the repository the stack runs from,
    as far as the workbench is concerned (its branches, its data)."""
    repo = tmp_path_factory.mktemp("bot-repo") / "tandem"
    subprocess.run(
        ["git", "clone", "-q", "--no-hardlinks", str(ROOT), str(repo)], check=True, timeout=120
    )
    os.symlink((ROOT / ".venv").resolve(), repo / ".venv")  # the environments, never reinstalled
    return repo


@pytest.fixture(scope="session")
def workbench_stack(tmp_path_factory: pytest.TempPathFactory, bot_repo: Path) -> Iterator[Any]:
    """The whole product (as conftest's ``stack``), its workbench on the clone. Its own names:
    an override of ``stack`` would lose to conftest's session-cached ``service_url`` whenever
    an earlier test had asked for it, and the workbench would edit the real checkout."""
    module = load_stack_module()
    problems = missing_prerequisites(module.MODEL)
    if problems:
        pytest.fail("end-to-end tests cannot run:\n  " + "\n  ".join(problems), pytrace=False)
    instance = module.Stack(
        run_dir=tmp_path_factory.mktemp("stack"),
        ports=module.Ports.free(),
        dev=True,
        extra_env={"TANDEM_STATIC_DIR": str(WIDGET_DIST), "TANDEM_WORKBENCH_REPO": str(bot_repo)},
        log=lambda line: print(line, flush=True),
    )
    instance.start()
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture(scope="session")
def workbench_url(workbench_stack: Any) -> str:
    return str(workbench_stack.service_url)


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def test_a_misunderstood_message_is_labelled_trained_and_then_understood(
    new_page: Callable[..., Any],
    workbench_url: str,
    bot_repo: Path,
    shot: Callable[[Page, str], None],
) -> None:
    head = git(bot_repo, "rev-parse", "HEAD")
    _, customer_page = new_page("customer", **DESKTOP)
    widget = Widget(customer_page, workbench_url).open_shop()
    widget.ask(MESSAGE, NOT_UNDERSTOOD)

    # The writer (the dev demo agent has the writer role) opens the workbench from the desk.
    _, writer_page = new_page("writer", **DESKTOP)
    console = Console(writer_page, workbench_url).login()
    writer_page.get_by_role("link", name="Workbench").click()
    item = writer_page.locator("li.wb-item").filter(has_text=MESSAGE)
    expect(item).to_be_visible()
    expect(item.locator(".wb-meta")).to_contain_text("predicted out_of_scope")
    shot(writer_page, "01-inbox")

    item.get_by_label("Another intent").fill("faq/opening_hours")
    item.get_by_role("button", name="Label", exact=True).click()
    expect(writer_page.locator(".wb-message")).to_have_text("Labelled as faq/opening_hours.")
    writer_page.get_by_role("button", name="Show the diff").click()
    diff = writer_page.locator("pre.wb-diff")
    expect(diff).to_contain_text(f"+    - {MESSAGE}")
    expect(diff).to_contain_text("+++ b/data/nlu/en/faq.yml")
    shot(writer_page, "02-diff")
    writer_page.get_by_role("button", name="Save as a commit").click()
    expect(writer_page.locator(".wb-message")).to_contain_text("Saved as commit")
    branch = git(bot_repo, "branch", "--list", "workbench/*", "--format=%(refname:short)")
    assert branch.startswith("workbench/") and git(bot_repo, "rev-parse", "HEAD") == head
    assert MESSAGE in git(bot_repo, "show", f"{branch}:data/nlu/en/faq.yml")

    # Check & train: steps appear as they run; at the end the verdict and what the new model
    # makes of the labelled message.
    writer_page.get_by_role("button", name="Check & train").click()
    steps = writer_page.locator("ol.wb-steps li")
    expect(steps.first).to_contain_text("data:")
    expect(writer_page.locator(".wb-job-status")).to_contain_text(f"running ({branch})")
    shot(writer_page, "03-job-progress")
    expect(writer_page.locator(".wb-job-status")).to_contain_text(
        re.compile("^(passed|failed)"), timeout=TRAINING_MS
    )
    shot(writer_page, "04-job-verdict")
    job = writer_page.evaluate(JOB)
    print("\n".join(job["tail"][-30:] + job["verdict"]))  # shown when the job failed
    assert job["status"] == "passed", job["verdict"]
    expect(writer_page.locator("pre.wb-verdict")).to_contain_text("ALL PASSED")
    expect(writer_page.locator("table.wb-predictions")).to_contain_text("faq/opening_hours")

    # The same customer asks again: the running bot now understands (nothing was restarted).
    widget.ask(MESSAGE, OPENING_HOURS)
    shot(customer_page, "05-understood")
    assert console.connection.text_content() == "Connected"
    assert git(bot_repo, "worktree", "list").count("\n") == 0  # the job's worktree is gone
