"""handoff/ never imports rasa, bot or actions (they live in another environment)."""

import ast
import subprocess
import sys
from pathlib import Path

HANDOFF = Path(__file__).resolve().parents[3] / "handoff"
FORBIDDEN = {"rasa", "rasa_sdk", "bot", "actions"}


def test_no_module_imports_rasa_bot_or_actions() -> None:
    offenders = []
    for path in HANDOFF.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []


def test_importing_the_whole_service_loads_none_of_them() -> None:
    code = (
        "import sys, handoff, handoff.app, handoff.cli, handoff.server; "
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {sorted(FORBIDDEN)!r}); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=HANDOFF.parent,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
