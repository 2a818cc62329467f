"""Saving the workbench's edits as a git commit on a branch of its own, ``workbench/<date>``.

The repository is the one the stack runs from, so its checked-out branch, index and working
tree are never touched: the commit is built with git's plumbing on a temporary index
(``read-tree``, ``hash-object``, ``update-index``, ``write-tree``, ``commit-tree``) and the
branch moved with ``update-ref`` against the value it had (two saves at once cannot lose one).
Only when the writer asks (``on_checked_out``) are the files also written to the working tree.
A directory that is not a git checkout just gets the files.

Example::

    saved = save_files(Path("."), {"data/nlu/en/faq.yml": "…"}, message="Workbench: 3 examples",
                       author="Ana", branch="workbench/2026-12-02")
    saved["commit"], saved["branch"]
"""

from __future__ import annotations

import logging
import os
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

log = logging.getLogger("handoff.workbench")

GIT_TIMEOUT = 60
AUTHOR_EMAIL = "workbench@tandem.invalid"  # the writer's name is theirs; no address is known


class GitError(RuntimeError):
    """git refused; the message carries its words."""


def _git(repo: Path, *args: str, env: Mapping[str, str] | None = None, data: bytes = b"") -> str:
    return _raw(repo, *args, env=env, data=data).strip()


def _raw(repo: Path, *args: str, env: Mapping[str, str] | None = None, data: bytes = b"") -> str:
    done = subprocess.run(  # noqa: S603 - fixed argv, no shell
        ["git", "-C", str(repo), *args],  # noqa: S607 - git from PATH, like the developer's
        input=data,
        capture_output=True,
        timeout=GIT_TIMEOUT,
        env={**os.environ, **(env or {})},
        check=False,
    )
    if done.returncode != 0:
        raise GitError(f"git {args[0]}: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout.decode("utf-8")


def is_checkout(repo: Path) -> bool:
    try:
        return _git(repo, "rev-parse", "--is-inside-work-tree") == "true"
    except (GitError, OSError):
        return False


def save_files(
    repo: Path,
    files: Mapping[str, str],
    *,
    message: str,
    author: str,
    branch: str,
    on_checked_out: bool = False,
) -> dict[str, Any]:
    """Commit ``files`` (relative path -> new text) on ``branch``; see the module's doc."""
    if not is_checkout(repo):
        _write(repo, files)
        return {"branch": None, "commit": None, "written": sorted(files)}
    ref = f"refs/heads/{branch}"
    try:
        parent = _git(repo, "rev-parse", "--verify", "--quiet", ref)
    except GitError:
        parent = _git(repo, "rev-parse", "HEAD")
        old = "0" * len(parent)  # update-ref: the branch must not exist yet
    else:
        old = parent
    with tempfile.TemporaryDirectory(prefix="workbench-index-") as tmp:
        env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        _git(repo, "read-tree", parent, env=env)
        for path, text in sorted(files.items()):
            blob = _git(repo, "hash-object", "-w", "--stdin", data=text.encode("utf-8"))
            _git(repo, "update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=env)
        tree = _git(repo, "write-tree", env=env)
    who = {
        "GIT_AUTHOR_NAME": author or "Tandem workbench",
        "GIT_AUTHOR_EMAIL": AUTHOR_EMAIL,
        "GIT_COMMITTER_NAME": "Tandem workbench",
        "GIT_COMMITTER_EMAIL": AUTHOR_EMAIL,
    }
    commit = _git(repo, "commit-tree", tree, "-p", parent, "-m", message, env=who)
    _git(repo, "update-ref", "-m", "workbench: save", ref, commit, old)
    if on_checked_out:
        _write(repo, files)
    return {"branch": branch, "commit": commit, "written": sorted(files) if on_checked_out else []}


def base_of(repo: Path, branch: str) -> str:
    """What a save on ``branch`` builds on: the branch's tip, else the checked-out commit."""
    try:
        return _git(repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}")
    except GitError:
        return _git(repo, "rev-parse", "HEAD")


def has_branch(repo: Path, branch: str) -> bool:
    try:
        _git(repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}")
    except GitError:
        return False
    return True


class Revision:
    """Files as they are in one commit (``training_data.Files``), read with ``git show``."""

    def __init__(self, repo: Path, commit: str) -> None:
        self.repo = repo
        self.commit = commit
        self._listing: dict[str, list[str]] = {}

    def read(self, path: str) -> str | None:
        try:
            return _raw(self.repo, "show", f"{self.commit}:{path}")
        except GitError:
            return None

    def names(self, folder: str) -> list[str]:
        if folder not in self._listing:
            try:
                out = _git(self.repo, "ls-tree", "--name-only", f"{self.commit}:{folder}")
            except GitError:
                out = ""
            self._listing[folder] = sorted(n for n in out.splitlines() if n)
        return self._listing[folder]


def _write(repo: Path, files: Mapping[str, str]) -> None:
    for path, text in files.items():
        target = repo / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def add_worktree(repo: Path, path: Path, branch: str) -> None:
    """A detached worktree of ``branch`` at ``path`` (the branch stays free for saves)."""
    _git(repo, "worktree", "add", "--detach", str(path), f"refs/heads/{branch}")


def remove_worktree(repo: Path, path: Path) -> None:
    try:
        _git(repo, "worktree", "remove", "--force", str(path))
    except GitError:
        log.warning("could not remove the worktree %s", path)
