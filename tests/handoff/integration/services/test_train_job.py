"""Check & train as a background job: one at a time, its steps, log tail and verdict read from
the script's own output, run in a worktree of the workbench branch (removed afterwards), and
the labelled texts parsed by the model afterwards. The script here is a real one that talks
like scripts/test content; the model's parse is the stand-in Rasa's HTTP API."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from handoff.services.rasa_api import RasaApi
from handoff.services.train_job import TrainJobs
from handoff.store.job_board import JobBoard
from tests.handoff.integration.store.conftest import KEYS
from tests.support.rasa_stub import RasaStub

SCRIPT = """#!/usr/bin/env bash
set -euo pipefail
echo "==> data: rasa data validate"
echo "    $(cat data/marker.txt) in $(pwd)"
echo "    run dir $TANDEM_RUN_DIR"
while [ ! -f "$TANDEM_RUN_DIR/go" ]; do sleep 0.05; done
echo "==> training"
echo "    trained models/tandem.tar.gz in 3 s"
if [ -f "$TANDEM_RUN_DIR/fail" ]; then
  echo "data/nlu/en/faq.yml: line 4: bad indentation" >&2
  echo "==> content: verdict"
  echo "    training               FAILED   see the message above"
  exit 1
fi
# As scripts/test content reports the reload: its own stderr opened by name.
loaded=$(echo "    the running bot now uses model m1" | tee /dev/stderr | tail -n 1)
echo "==> content: verdict"
echo "    training               passed   trained in 3 s"
echo "    ALL PASSED"
"""


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    (repo / "data").mkdir()
    (repo / "scripts/check").write_text(SCRIPT)
    (repo / "scripts/check").chmod(0o755)
    (repo / "data/marker.txt").write_text("checked out\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "-c", "user.name=D", "-c", "user.email=d@x.invalid", "add", ".")
    git(repo, "-c", "user.name=D", "-c", "user.email=d@x.invalid", "commit", "-qm", "start")
    return repo


def gone(path: str) -> bool:
    return not Path(path).exists()


async def run(jobs: TrainJobs, run_dir: Path) -> None:
    (run_dir / "go").write_text("")
    await jobs.wait()


@pytest.mark.asyncio
async def test_a_job_on_the_workbench_branch_with_its_verdict_and_predictions(
    repo: Path, tmp_path: Path
) -> None:
    git(repo, "checkout", "-qb", "workbench/today")
    (repo / "data/marker.txt").write_text("from the branch\n")
    git(repo, "-c", "user.name=D", "-c", "user.email=d@x.invalid", "commit", "-qam", "wb")
    git(repo, "checkout", "-q", "main")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    with RasaStub(api_token="tok") as rasa:
        record = {"url": rasa.url, "token": "tok", "pid": os.getpid()}
        (run_dir / "rasa-api.json").write_text(json.dumps(record))
        jobs = TrainJobs(
            repo=repo,
            run_dir=run_dir,
            branch=lambda: "workbench/today",
            parse=RasaApi(run_dir, timeout=5).parse,
            clock=time.time,
            command=["scripts/check"],
        )
        job = await jobs.start(started_by="ana", probes=["faq gift_cards do you sell them"])
        assert (
            job is not None and await jobs.start(started_by="ben", probes=[]) is None
        )  # one at a time
        await run(jobs, run_dir)
    view = job.view()
    assert (view["status"], view["where"], view["progress"]) == ("passed", "workbench/today", 1.0)
    assert view["steps"] == [
        {"name": "data: rasa data validate", "status": "passed"},
        {"name": "training", "status": "passed"},
    ]
    ran_in = next(line for line in view["tail"] if "from the branch in" in line).split(" in ")[-1]
    assert Path(ran_in) != repo and f"run dir {run_dir}" in "\n".join(view["tail"])
    assert view["verdict"] == ["training               passed   trained in 3 s", "ALL PASSED"]
    assert "    the running bot now uses model m1" in view["tail"]
    assert view["predictions"] == [
        {"text": "faq gift_cards do you sell them", "intent": "faq/gift_cards", "confidence": 1.0}
    ]
    assert gone(ran_in) and git(repo, "worktree", "list").count("\n") == 0
    assert git(repo, "symbolic-ref", "--short", "HEAD") == "main"
    assert (repo / "data/marker.txt").read_text() == "checked out\n"


@pytest.mark.asyncio
async def test_a_failing_step_is_named_and_the_next_job_may_start(
    repo: Path, tmp_path: Path
) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "fail").write_text("")

    async def parse(text: str) -> dict[str, str]:
        raise AssertionError("a failed job loads no model to ask")

    jobs = TrainJobs(
        repo=repo,
        run_dir=run_dir,
        branch=lambda: "workbench/none-yet",
        parse=parse,
        clock=time.time,
        command=["scripts/check"],
    )
    job = await jobs.start(started_by="ana", probes=["x"])
    assert job is not None
    await run(jobs, run_dir)
    view = job.view()
    assert (view["status"], view["where"], view["exit_code"]) == ("failed", "working tree", 1)
    assert view["steps"][-1] == {"name": "training", "status": "failed"}
    assert "data/nlu/en/faq.yml: line 4: bad indentation" in view["tail"]
    assert view["verdict"] == ["training               FAILED   see the message above"]
    assert view["predictions"] == []
    assert await jobs.start(started_by="ana", probes=[]) is not None
    await run(jobs, run_dir)


def test_under_uvloop_as_the_service_runs_it(repo: Path, tmp_path: Path) -> None:
    """uvicorn serves on uvloop, whose subprocess pipes are sockets: the script must still be
    able to open its own stderr (``tee /dev/stderr``, as scripts/test content does)."""
    import asyncio

    import uvloop

    run_dir = tmp_path / "run"
    run_dir.mkdir()

    async def parse(text: str) -> dict[str, str]:
        return {"text": text, "error": "no stack"}

    async def main() -> dict[str, Any]:
        jobs = TrainJobs(
            repo=repo,
            run_dir=run_dir,
            branch=lambda: "workbench/none",
            parse=parse,
            clock=time.time,
            command=["scripts/check"],
        )
        job = await jobs.start(started_by="ana", probes=[])
        assert job is not None
        await run(jobs, run_dir)
        return job.view()

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        view = runner.run(main())
    assert view["status"] == "passed", view["tail"]
    assert "    the running bot now uses model m1" in view["tail"]


async def until_view(jobs: TrainJobs, ready: Any) -> dict[str, Any]:
    """The job as ``jobs`` shows it once ``ready(view)`` holds (a guard, not a timing)."""
    for _ in range(400):
        view = await jobs.view()
        if view is not None and ready(view):
            return view
        await asyncio.sleep(0.05)
    raise AssertionError(f"the job never got there: {view}")


@pytest.mark.asyncio
async def test_two_replicas_share_one_job_its_progress_and_its_end(
    repo: Path, tmp_path: Path, redis: Any
) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()

    async def parse(text: str) -> dict[str, str]:
        return {"text": text, "error": "no stack"}

    def replica() -> TrainJobs:
        return TrainJobs(
            repo=repo,
            run_dir=run_dir,
            branch=lambda: "workbench/none",
            parse=parse,
            clock=time.time,
            command=["scripts/check"],
            board=JobBoard(redis, KEYS),
        )

    a, b = replica(), replica()
    assert await b.view() is None
    job = await a.start(started_by="ana", probes=[])
    assert job is not None
    # B never ran it, yet shows its progress, and refuses a second job while it runs.
    seen = await until_view(b, lambda v: any("run dir" in line for line in v["tail"]))
    assert (seen["id"], seen["status"], seen["started_by"]) == (job.id, "running", "ana")
    assert seen["steps"] == [{"name": "data: rasa data validate", "status": "running"}]
    assert await b.start(started_by="ben", probes=[]) is None
    await run(a, run_dir)
    done = await b.view()
    assert done is not None and (done["id"], done["status"]) == (job.id, "passed")
    assert done["verdict"] == ["training               passed   trained in 3 s", "ALL PASSED"]
    # Over: B may start the next one, which A then refuses and shows.
    second = await b.start(started_by="ben", probes=[])
    assert second is not None and await a.start(started_by="ana", probes=[]) is None
    assert (await until_view(a, lambda v: v["id"] == second.id))["status"] == "running"
    await run(b, run_dir)


@pytest.mark.asyncio
async def test_a_job_whose_replica_died_shows_failed_and_frees_the_next(
    tmp_path: Path, redis: Any
) -> None:
    # A replica that took the lease and published "running", then died: nobody renews it.
    dead = JobBoard(redis, KEYS, lease=0.3)
    assert await dead.claim("j_dead")
    await dead.publish({"id": "j_dead", "status": "running", "steps": [], "tail": ["started"]})

    async def parse(text: str) -> dict[str, str]:
        return {"text": text, "error": "no stack"}

    alive = TrainJobs(
        repo=tmp_path,
        run_dir=tmp_path,
        branch=lambda: "workbench/none",
        parse=parse,
        clock=time.time,
        command=["true"],
        board=JobBoard(redis, KEYS),
    )
    assert await alive.start(started_by="ben", probes=[]) is None  # its lease still holds
    failed = await until_view(alive, lambda v: v["status"] != "running")
    assert failed["id"] == "j_dead" and failed["status"] == "failed"
    assert failed["tail"][-1].startswith("the replica running this job stopped")
    assert await alive.start(started_by="ben", probes=[]) is not None
    await alive.wait()
    assert (await alive.view())["status"] == "passed"  # type: ignore[index]
