"""Processes a benchmark starts: spawned on loopback, measured from /proc, always stopped.

Every process gets its own session (so a signal reaches it and its children, and nothing else),
a log under the run directory, and a readiness check. ``Procs`` is a context manager: leaving it
stops everything it started, SIGTERM first, SIGKILL after a grace period.

Example::

    with Procs(run_dir) as procs:
        redis = procs.redis()
        service = procs.handoff(redis_url=redis.url, rasa_url=stub.url, name="handoff-a")
        before = service.cpu_seconds()
        ...
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parent.parent
HANDOFF_PYTHON = ROOT / ".venv" / "handoff" / "bin" / "python"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def python() -> str:
    """The handoff environment's interpreter (the one running the benchmarks, normally)."""
    return str(HANDOFF_PYTHON) if HANDOFF_PYTHON.exists() else sys.executable


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a live process (its finished children included)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # after the command: state(0) ... utime(11) stime(12) cutime(13) cstime(14)
    return sum(int(v) for v in fields[11:15]) / CLOCK_TICKS


def rss_mb(pid: int) -> float:
    try:
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return pages * PAGE_KB / 1024


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:  # loopback only
            return bool(reply.status in (200, 503))
    except (urllib.error.URLError, OSError, ValueError):
        return False


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    port: int = 0
    url: str = ""

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    def rss_mb(self) -> float:
        return rss_mb(self.pid)

    def tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


@dataclass
class Procs:
    run_dir: Path
    started: list[Proc] = field(default_factory=list)
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    def __enter__(self) -> Procs:
        (self.run_dir / "logs").mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop_all()

    # -- generic ------------------------------------------------------------------------------
    def spawn(
        self,
        name: str,
        argv: list[str],
        *,
        env: Mapping[str, str] | None = None,
        ready: Callable[[], bool] | None = None,
        timeout: float = 30.0,
        port: int = 0,
        url: str = "",
        cwd: Path = ROOT,
    ) -> Proc:
        log = self.run_dir / "logs" / f"{name}.log"
        handle = log.open("ab")
        popen = subprocess.Popen(
            argv,
            cwd=cwd,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        handle.close()
        proc = Proc(name, popen, log, port, url)
        self.started.append(proc)
        if ready is not None:
            deadline = time.monotonic() + timeout
            while not ready():
                if not proc.alive():
                    raise RuntimeError(f"{name} exited while starting:\n{proc.tail()}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} not ready after {timeout:.0f} s:\n{proc.tail()}")
                time.sleep(0.1)
        return proc

    def stop(self, proc: Proc, grace: float = 10.0) -> None:
        if proc.alive():
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.popen.wait()
        if proc in self.started:
            self.started.remove(proc)

    def stop_all(self) -> None:
        """Last started, first stopped, each waited for: replicas drain while Redis is up."""
        for proc in reversed(list(self.started)):
            self.stop(proc)

    # -- the parts ------------------------------------------------------------------------------
    def redis(self, name: str = "redis", *, replica_of: Proc | None = None) -> Proc:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not Path(binary).exists():
            raise RuntimeError("redis-server is not installed: run 'make setup'")
        port = free_port()
        data = self.run_dir / name
        data.mkdir(parents=True, exist_ok=True)
        # As the stack runs it: append-only file, fsync every second.
        argv = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data)]
        argv += ["--appendonly", "yes", "--save", "", "--maxclients", "20000"]
        if replica_of is not None:  # asynchronous replication, as under Sentinel
            argv += ["--replicaof", "127.0.0.1", str(replica_of.port)]
        return self.spawn(
            name, argv, ready=lambda: port_open(port), port=port, url=f"redis://127.0.0.1:{port}/0"
        )

    def handoff(
        self,
        *,
        redis_url: str,
        rasa_url: str,
        name: str = "handoff",
        env: Mapping[str, str] | None = None,
        source: Path = ROOT,
    ) -> Proc:
        """A replica of the service; ``source``: the checkout whose ``handoff`` package it runs
        (another commit's export, to compare two versions in one run)."""
        port = free_port()
        settings = {
            "TANDEM_SECRET": self.secret,
            "TANDEM_HOST": "127.0.0.1",
            "TANDEM_PORT": str(port),
            "TANDEM_REDIS_URL": redis_url,
            "TANDEM_RASA_URL": rasa_url,
            "TANDEM_ALLOWED_ORIGINS": "*",
            "TANDEM_LOG_LEVEL": "warning",
            "TANDEM_STATIC_DIR": str(self.run_dir / "no-static"),
            **BENCH_LIMITS,
            **(env or {}),
        }
        url = f"http://127.0.0.1:{port}"
        return self.spawn(
            name,
            [python(), "-m", "handoff", "serve"],
            env=settings,
            ready=lambda: http_ok(f"{url}/health"),
            port=port,
            url=url,
            cwd=source,
        )

    def echo(self, name: str = "echo") -> Proc:
        port = free_port()
        return self.spawn(
            name,
            [python(), "-m", "bench.echo_server", "--port", str(port)],
            ready=lambda: port_open(port),
            port=port,
            url=f"http://127.0.0.1:{port}",
        )

    def stub_rasa(self, name: str = "rasa-stub") -> Proc:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        return self.spawn(
            name,
            [python(), "-m", "bench.stub_rasa", "--port", str(port)],
            ready=lambda: http_ok(f"{url}/webhooks/tandem/health"),
            port=port,
            url=url,
        )


# Benchmarks drive many messages per session and per agent; the flood limits are
# settings (docs/handoff.md) and are raised here so that they do not shape the figures.
BENCH_LIMITS = {
    "TANDEM_RATE_BURST": "1000",
    "TANDEM_RATE_PER_MINUTE": "60000",
    # Every simulated customer comes from 127.0.0.1: one address, thousands of sessions.
    "TANDEM_SESSION_BURST": "1000000",
    "TANDEM_SESSIONS_PER_MINUTE": "1000000",
    "TANDEM_HANDOFF_BURST": "1000000",
    "TANDEM_HANDOFFS_PER_MINUTE": "1000000",
    "TANDEM_SOCKETS_PER_ADDRESS": "1000000",
    "TANDEM_AGENT_SOCKETS_PER_ADDRESS": "1000000",
    "TANDEM_ADDRESS_MESSAGE_BURST": "1000000",
    "TANDEM_ADDRESS_MESSAGES_PER_SECOND": "1000000",
}


class CpuMeter:
    """CPU used by a set of processes between ``start()`` and ``stop()``, in cores."""

    def __init__(self, pids: Mapping[str, int]) -> None:
        self.pids = dict(pids)
        self._before: dict[str, float] = {}
        self._t0 = 0.0
        self.cores: dict[str, float] = {}
        self.seconds = 0.0  # the wall time between start() and stop()

    def start(self) -> None:
        self._t0 = time.monotonic()
        self._before = {name: cpu_seconds(pid) for name, pid in self.pids.items()}

    def stop(self) -> dict[str, float]:
        wall = self.seconds = max(time.monotonic() - self._t0, 1e-6)
        self.cores = {
            name: round((cpu_seconds(pid) - self._before[name]) / wall, 3)
            for name, pid in self.pids.items()
        }
        return self.cores
