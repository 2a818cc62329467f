"""The real handoff service in a subprocess (``python -m handoff serve``) on a free port.

Example::

    with HandoffServer(redis_url=..., rasa_url=..., log_dir=tmp_path) as server:
        server.url            # "http://127.0.0.1:<port>"
        server.kill()         # SIGKILL, to test what a dying replica loses (nothing)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import httpx

from tests.support.ports import free_port

REPO = Path(__file__).resolve().parents[2]
TEST_SECRET = "tandem-test-secret-0123456789abcdef"


class HandoffServer:
    def __init__(
        self,
        *,
        redis_url: str,
        rasa_url: str,
        log_dir: Path,
        env: dict[str, str] | None = None,
        port: int | None = None,
        python: str | None = None,
    ) -> None:
        self.port = port or free_port()
        self.log_path = Path(log_dir) / f"handoff-{self.port}.log"
        self.python = python or sys.executable
        self.env = {
            **os.environ,
            "TANDEM_SECRET": TEST_SECRET,
            "TANDEM_HOST": "127.0.0.1",
            "TANDEM_PORT": str(self.port),
            "TANDEM_REDIS_URL": redis_url,
            "TANDEM_RASA_URL": rasa_url,
            "TANDEM_LOG_LEVEL": "info",
            "TANDEM_STATIC_DIR": str(Path(log_dir) / "no-static"),
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> HandoffServer:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [self.python, "-m", "handoff", "serve"],
            cwd=REPO,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the handoff service exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            try:
                if httpx.get(f"{self.url}/health", timeout=1.0).status_code in (200, 503):
                    return self
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(
                    f"the handoff service did not answer /health in {timeout}s:\n{self.log_tail()}"
                )
            time.sleep(0.1)

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        """Graceful stop (SIGTERM), then SIGKILL if it hangs."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self) -> None:
        """Die like a crashed replica: no clean-up at all."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def __enter__(self) -> HandoffServer:
        return self.start()

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop()
