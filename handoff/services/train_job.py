""" "Check & train": ``scripts/test content`` as a background job, one at a time, with each step,
the log's tail and the verdict kept for the workbench page to show.

The job checks and trains the day's workbench branch (``workbench/<date>``) in a temporary git
worktree, so the stack's own checkout is never touched; ``scripts/test content`` ends by loading
the new model into the running Rasa (``scripts/reload_model.py``, ``PUT /model``; it is told
where the stack's ``run/`` is through ``TANDEM_RUN_DIR``). Without a branch, or outside a git
checkout, it runs in the repository itself. Afterwards the texts the writer labelled
(``probes``) are parsed by the model now loaded, to show what it understands.

With a :class:`~handoff.store.job_board.JobBoard` (as the service runs it) the job is one at a
time across replicas (a lease in Redis) and its state is published there as it goes, so every
replica shows its progress; a job whose replica died (its lease ran out while it said
"running") shows as failed, and the next one may start.

Example::

    jobs = TrainJobs(repo=Path("."), run_dir=Path("run"), branch=content.branch,
                     parse=rasa_api.parse, clock=time.time, board=JobBoard(redis, keys))
    job = await jobs.start(started_by="ana", probes=["where's my parcel"])  # None if one runs
    await jobs.view()       # {"status": "running", "steps": [...], "tail": [...], …}, any replica
"""

from __future__ import annotations

import asyncio
import collections
import logging
import os
import re
import secrets
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from handoff.domain.clock import Clock
from handoff.services import git_save
from handoff.store.job_board import JobBoard

log = logging.getLogger("handoff.workbench")

COMMAND = ("scripts/test", "content")
# The steps scripts/test content announces (``==> …``), for the page's progress bar.
EXPECTED_STEPS = 6
TAIL = 60
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
VERDICT_STEP = "content: verdict"
PUBLISH_EVERY = 0.5  # seconds between publications of a running job's state (and lease renewals)
LOST = "the replica running this job stopped before it finished; start it again"


@dataclass
class Step:
    name: str
    status: str = "running"  # running, passed, failed


@dataclass
class Job:
    id: str
    started_by: str
    started_at: float
    probes: list[str]
    where: str = ""  # the branch trained, or "working tree"
    status: str = "running"  # running, passed, failed
    steps: list[Step] = field(default_factory=list)
    tail: collections.deque[str] = field(default_factory=lambda: collections.deque(maxlen=TAIL))
    verdict: list[str] = field(default_factory=list)
    predictions: list[dict[str, Any]] = field(default_factory=list)
    finished_at: float | None = None
    exit_code: int | None = None

    def view(self) -> dict[str, Any]:
        done = sum(s.status != "running" for s in self.steps)
        return {
            "id": self.id,
            "started_by": self.started_by,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "where": self.where,
            "status": self.status,
            "progress": 1.0 if self.status != "running" else min(done / EXPECTED_STEPS, 0.99),
            "steps": [{"name": s.name, "status": s.status} for s in self.steps],
            "tail": list(self.tail),
            "verdict": self.verdict,
            "predictions": self.predictions,
            "exit_code": self.exit_code,
        }

    def line(self, raw: str) -> None:
        """One line of the script's output: a new step, a verdict line, or log."""
        text = _ANSI.sub("", raw).rstrip()
        if text.startswith("==> "):
            for step in self.steps:
                if step.status == "running":
                    step.status = "passed"
            name = text[4:].strip()
            if name != VERDICT_STEP:
                self.steps.append(Step(name))
            else:
                self.verdict.append("")  # from here on, lines are the verdict
            return
        if self.verdict:
            if text.strip():
                self.verdict.append(text.strip())
            return
        self.tail.append(text)

    def finish(self, exit_code: int, now: float) -> None:
        self.exit_code = exit_code
        self.finished_at = now
        self.status = "passed" if exit_code == 0 else "failed"
        self.verdict = [v for v in self.verdict if v]
        for step in self.steps:
            if step.status == "running":
                step.status = "passed" if exit_code == 0 else "failed"
        if exit_code != 0 and self.steps and all(s.status == "passed" for s in self.steps):
            self.steps[-1].status = "failed"


def lost(view: dict[str, Any]) -> dict[str, Any]:
    """A running job's state once nobody holds its lease: failed, and why."""
    steps = [
        {**step, "status": "failed" if step["status"] == "running" else step["status"]}
        for step in view.get("steps", [])
    ]
    tail = [*view.get("tail", []), LOST][-TAIL:]
    return {**view, "status": "failed", "progress": 1.0, "steps": steps, "tail": tail}


class TrainJobs:
    """At most one check-and-train job at a time, across replicas with a board (see the
    module's doc)."""

    def __init__(
        self,
        *,
        repo: Path,
        run_dir: Path,
        branch: Callable[[], str],
        parse: Callable[[str], Awaitable[dict[str, Any]]],
        clock: Clock,
        command: Sequence[str] = COMMAND,
        board: JobBoard | None = None,
    ) -> None:
        self.board = board  # None: the job is this replica's only (tests of the script's run)
        self.repo = repo
        self.run_dir = run_dir
        self.branch = branch
        self.parse = parse
        self.now = clock
        self.command = tuple(command)
        self.current: Job | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self, *, started_by: str, probes: list[str]) -> Job | None:
        """Start a job; None while one runs (here, or on any replica)."""
        if self.current is not None and self.current.status == "running":
            return None
        job = Job(secrets.token_hex(6), started_by, self.now(), probes)
        if self.board is not None:
            if not await self.board.claim(job.id):
                return None
            await self.board.publish(job.view())
        self.current = job
        self._task = asyncio.create_task(self._run(job), name=f"train-job:{job.id}")
        return job

    async def view(self) -> dict[str, Any] | None:
        """The latest job as the page shows it, whichever replica runs it (None: none yet)."""
        if self.board is None or (self.current is not None and self.current.status == "running"):
            return self.current.view() if self.current else None
        view, holder = await self.board.read()
        if view is not None and view.get("status") == "running" and holder != view.get("id"):
            return lost(view)
        return view

    async def _keep(self, job: Job) -> None:
        """While ``job`` runs: publish its state and renew its lease, every ``PUBLISH_EVERY``."""
        assert self.board is not None
        while True:
            await asyncio.sleep(PUBLISH_EVERY)
            try:
                if not await self.board.renew(job.id):
                    # Redis lost it (a restart, a failover): take it again if nobody else has.
                    log.warning("check & train job %s lost its lease", job.id)
                    await self.board.claim(job.id)
                await self.board.publish(job.view())
            except Exception:  # noqa: BLE001 - Redis away: the job goes on, the page catches up
                log.warning("could not publish check & train job %s", job.id)

    async def _settle(self, job: Job) -> None:
        """The finished job's state for every replica, and its lease given back."""
        assert self.board is not None
        try:
            await self.board.publish(job.view())
            await self.board.release(job.id)
        except Exception:  # noqa: BLE001 - the lease runs out by itself
            log.warning("could not publish the end of check & train job %s", job.id)

    async def wait(self) -> None:
        """Until the current job is over (tests, shutdown)."""
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
        await self.wait()

    async def _run(self, job: Job) -> None:
        keeper = None
        if self.board is not None:
            keeper = asyncio.create_task(self._keep(job), name=f"train-job-keeper:{job.id}")
        try:
            await self._work(job)
        finally:
            if keeper is not None:
                keeper.cancel()
                await asyncio.gather(keeper, return_exceptions=True)
                await asyncio.shield(self._settle(job))

    async def _work(self, job: Job) -> None:
        workdir, worktree = self.repo, None
        try:
            branch = self.branch()
            if git_save.is_checkout(self.repo) and git_save.has_branch(self.repo, branch):
                worktree = await asyncio.to_thread(self._worktree, branch)
                workdir, job.where = worktree, branch
            else:
                job.where = "working tree"
            code = await self._script(job, workdir)
            if code == 0 and job.probes:
                job.predictions = [await self.parse(text) for text in job.probes]
            job.finish(code, self.now())
        except asyncio.CancelledError:
            job.finish(-1, self.now())
            raise
        except Exception as exc:
            log.exception("check & train failed to run")
            job.tail.append(f"the job could not run: {exc}")
            job.finish(-1, self.now())
        finally:
            if worktree is not None:
                await asyncio.to_thread(git_save.remove_worktree, self.repo, worktree)

    def _worktree(self, branch: str) -> Path:
        path = Path(tempfile.mkdtemp(prefix="tandem-workbench-"))
        git_save.add_worktree(self.repo, path, branch)
        # The environments are the repository's own (never reinstalled in the worktree).
        for shared in (".venv",):
            if (self.repo / shared).exists():
                os.symlink((self.repo / shared).resolve(), path / shared)
        return path

    async def _script(self, job: Job, workdir: Path) -> int:
        env = {**os.environ, "TANDEM_RUN_DIR": str(self.run_dir), "PYTHONUNBUFFERED": "1"}
        # A real pipe for both streams, not asyncio's PIPE (a socket): the script opens
        # /dev/stderr itself (``tee /dev/stderr``), which a socket refuses (ENXIO).
        read_fd, write_fd = os.pipe()
        try:
            process = await asyncio.create_subprocess_exec(
                *self.command, cwd=workdir, env=env, stdout=write_fd, stderr=write_fd
            )
        finally:
            os.close(write_fd)
        reader = asyncio.StreamReader()
        loop = asyncio.get_running_loop()
        transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(read_fd, "rb", 0)
        )
        try:
            async for raw in reader:
                job.line(raw.decode("utf-8", errors="replace"))
            return await process.wait()
        except asyncio.CancelledError:
            process.kill()
            await process.wait()
            raise
        finally:
            transport.close()
