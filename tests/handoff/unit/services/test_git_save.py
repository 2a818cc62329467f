"""Saving commits on workbench/<date> in a real (temporary) git repository, never touching the
checked-out branch, its index or its working tree; without git, the files are just written."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from handoff.services.git_save import Revision, base_of, has_branch, is_checkout, save_files


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "config", "user.email", "dev@example.invalid")
    git(tmp_path, "config", "user.name", "Dev")
    (tmp_path / "data").mkdir()
    (tmp_path / "data/a.yml").write_text("a: 1\n")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "start")
    return tmp_path


def test_a_save_is_a_commit_on_its_own_branch(repo: Path) -> None:
    (repo / "data/a.yml").write_text("a: local edit\n")  # the developer's uncommitted work
    head = git(repo, "rev-parse", "HEAD")
    saved = save_files(
        repo,
        {"data/a.yml": "a: 2\n", "data/new/b.yml": "b: 1\n"},
        message="Workbench: two\n",
        author="Ana Lima",
        branch="workbench/2026-12-02",
    )
    assert saved["branch"] == "workbench/2026-12-02" and saved["written"] == []
    # The checkout is as it was: branch, HEAD, working tree, index.
    assert git(repo, "symbolic-ref", "--short", "HEAD") == "main"
    assert git(repo, "rev-parse", "HEAD") == head
    assert (repo / "data/a.yml").read_text() == "a: local edit\n"
    assert not (repo / "data/new").exists()
    assert git(repo, "status", "--porcelain") == "M data/a.yml"
    # The commit: on the branch, parent HEAD, by the writer, with both files.
    commit = saved["commit"]
    assert git(repo, "rev-parse", "workbench/2026-12-02") == commit
    assert git(repo, "rev-parse", f"{commit}^") == head
    assert git(repo, "log", "-1", "--format=%an|%s", commit) == "Ana Lima|Workbench: two"
    assert git(repo, "show", f"{commit}:data/a.yml") == "a: 2"
    assert git(repo, "show", f"{commit}:data/new/b.yml") == "b: 1"

    # A second save builds on the first.
    again = save_files(
        repo, {"data/c.yml": "c: 1\n"}, message="more", author="Ana", branch="workbench/2026-12-02"
    )
    assert git(repo, "rev-parse", f"{again['commit']}^") == commit
    assert base_of(repo, "workbench/2026-12-02") == again["commit"]
    assert base_of(repo, "workbench/other") == head and not has_branch(repo, "workbench/other")
    files = Revision(repo, again["commit"])
    assert files.read("data/a.yml") == "a: 2\n" and files.read("data/none.yml") is None
    assert files.names("data") == ["a.yml", "c.yml", "new"] and files.names("nope") == []


def test_on_the_checked_out_branch_only_when_asked(repo: Path) -> None:
    saved = save_files(
        repo,
        {"data/a.yml": "a: 3\n"},
        message="m",
        author="A",
        branch="workbench/x",
        on_checked_out=True,
    )
    assert saved["written"] == ["data/a.yml"] and (repo / "data/a.yml").read_text() == "a: 3\n"


def test_without_git_the_files_are_written(tmp_path: Path) -> None:
    assert not is_checkout(tmp_path)
    saved = save_files(tmp_path, {"data/a.yml": "a: 1\n"}, message="m", author="A", branch="b")
    assert saved == {"branch": None, "commit": None, "written": ["data/a.yml"]}
    assert (tmp_path / "data/a.yml").read_text() == "a: 1\n"
