"""An interpreter older than 3.11 gets a clear message, not an obscure ImportError.

pyproject.toml's requires-python is the lower bound of both environments (Rasa's is 3.10), so
handoff/__init__.py checks the version itself; this imports it with the bot's 3.10.
"""

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
PYTHON310 = REPO / ".venv" / "bot" / "bin" / "python"


def test_python_older_than_311_is_told_what_the_service_needs() -> None:
    assert PYTHON310.exists(), "the bot's environment is part of every set-up (scripts/setup)"
    done = subprocess.run(
        [str(PYTHON310), "-c", "import sys; assert sys.version_info < (3, 11); import handoff"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "the handoff service needs Python 3.11 or newer" in done.stderr, done.stderr
