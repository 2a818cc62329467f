"""An interpreter older than 3.11 gets a clear message, not an obscure ImportError; newer
ones can compile every module.

pyproject.toml's requires-python is the lower bound of both environments (Rasa's is 3.10), so
handoff/__init__.py checks the version itself; this imports it with the bot's 3.10.
"""

import ast
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


def test_every_docstring_is_text_that_python_313_can_compile() -> None:
    # Python 3.13 encodes docstrings to UTF-8 when it strips their indentation at compile time:
    # a lone surrogate written as an escape in one (an example of bad input) stopped the service
    # importing there. Examples of such input belong in raw or escaped form.
    bad = []
    for path in sorted((REPO / "handoff").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            documented = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
            doc = ast.get_docstring(node, clean=False) if isinstance(node, documented) else None
            try:
                (doc or "").encode("utf-8")
            except UnicodeEncodeError:
                bad.append(f"{path.relative_to(REPO)}:{getattr(node, 'lineno', 1)}")
    assert bad == []
