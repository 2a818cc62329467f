"""Runs the whole product on one machine: Redis, the action server, Rasa and the handoff service.

    make run                                  # what the README says
    .venv/handoff/bin/python scripts/stack.py # the same, once set up and trained

Everything listens on 127.0.0.1: the service on TANDEM_PORT (8000), Rasa on TANDEM_RASA_PORT
(5005), the action server on TANDEM_ACTIONS_PORT (5055). Without TANDEM_REDIS_URL an embedded
redis-server runs under run/redis (append-only file, so conversations survive a restart) on
TANDEM_REDIS_PORT (6390), with at most TANDEM_REDIS_MAXMEMORY (default 1gb) and the policy
noeviction: a full Redis refuses writes (clients retry; /metrics shows it coming) rather than
dropping conversations. TANDEM_REDIS_APPENDFSYNC=always makes it fsync every write before
answering, instead of once a second (everysec, the default; docs/reliability.md). Logs go to
run/logs/. Ctrl-C stops everything; a process that dies is reported with the end of its log,
and the rest are stopped.

The ``Stack`` class is also what the end-to-end tests use, with free ports and a temp directory.
Standard library only: it runs under either virtual environment.
"""

from __future__ import annotations

import argparse
import json
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

ROOT = Path(__file__).resolve().parent.parent
BOT_BIN = ROOT / ".venv" / "bot" / "bin"
HANDOFF_PYTHON = ROOT / ".venv" / "handoff" / "bin" / "python"
MODEL = ROOT / "models" / "tandem.tar.gz"
DEMO_AGENT = "demo:tandem-demo"
RASA_API_FILE = "rasa-api.json"  # under run_dir: the running Rasa's URL and API token
# The embedded Redis's appendfsync choices (docs/reliability.md, "Durability of acknowledged
# messages"): "no" is left out on purpose, it would leave durability to the kernel's timing.
APPENDFSYNC = ("everysec", "always")


DEFAULT_MAXMEMORY = "1gb"  # ~100k conversations of a few dozen messages each, with room


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Ports:
    service: int = 8000
    rasa: int = 5005
    actions: int = 5055
    redis: int = 6390
    mail: int = 8025  # developer mode's mail sink (TANDEM_DEV_MAIL_PORT)
    inbound: int = 2526  # developer mode's SMTP listener for customers' replies (docs/email.md)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Ports:
        return cls(
            service=int(env.get("TANDEM_PORT", 8000)),
            rasa=int(env.get("TANDEM_RASA_PORT", 5005)),
            actions=int(env.get("TANDEM_ACTIONS_PORT", 5055)),
            redis=int(env.get("TANDEM_REDIS_PORT", 6390)),
            mail=int(env.get("TANDEM_DEV_MAIL_PORT", 8025)),
            inbound=int(env.get("TANDEM_INBOUND_SMTP_PORT", 2526)),
        )

    @classmethod
    def free(cls) -> Ports:
        return cls(free_port(), free_port(), free_port(), free_port(), free_port(), free_port())


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path


@dataclass
class Stack:
    """The product's processes, started in dependency order and stopped in reverse.

    Example::

        stack = Stack(run_dir=tmp_path, ports=Ports.free(), dev=True)
        stack.start()          # returns once every part answers its health check
        stack.service_url      # "http://127.0.0.1:<port>"
        stack.stop()
    """

    run_dir: Path = ROOT / "run"
    ports: Ports = field(default_factory=Ports)
    redis_url: str | None = None  # an external Redis; None runs the embedded one
    # The embedded Redis's limit (its syntax: "1gb", "512mb"); noeviction, never a silent loss.
    redis_maxmemory: str = field(
        default_factory=lambda: os.environ.get("TANDEM_REDIS_MAXMEMORY") or DEFAULT_MAXMEMORY
    )
    dev: bool = True
    model: Path = MODEL
    extra_env: dict[str, str] = field(default_factory=dict)
    # How often the embedded Redis fsyncs its append-only file: one of APPENDFSYNC.
    appendfsync: str = "everysec"
    # Which parts to run; tests of the bot alone leave out the handoff service.
    components: tuple[str, ...] = ("redis", "actions", "rasa", "handoff")
    # Shared by Rasa and the handoff service; new for every run.
    bot_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    # Rasa's HTTP API (PUT /model for a new model without a restart), for the writer's tools only.
    rasa_api_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    processes: list[Process] = field(default_factory=list)
    log: Callable[[str], None] = print

    @property
    def service_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.service}"

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.rasa}"

    @property
    def rasa_api_file(self) -> Path:
        return self.run_dir / RASA_API_FILE

    @property
    def service_redis_url(self) -> str:
        """The Redis the service uses: the one given, or the embedded one."""
        return self.redis_url or f"redis://127.0.0.1:{self.ports.redis}/0"

    def cli_command(self, arguments: str) -> str:
        """The exact shell command that runs ``python -m handoff <arguments>`` against this
        stack's Redis (with its secret, or development mode), from the repository's root."""
        settings = f"TANDEM_REDIS_URL={self.service_redis_url}"
        if self.dev:
            settings += " TANDEM_DEV=1"
        elif os.environ.get("TANDEM_SECRET"):
            settings += ' TANDEM_SECRET="$TANDEM_SECRET"'  # never printed in clear
        else:
            settings += f' TANDEM_SECRET="$(cat {self.run_dir / "secret"})"'
        prefix = self.extra_env.get("TANDEM_REDIS_PREFIX")
        if prefix:
            settings += f" TANDEM_REDIS_PREFIX={prefix}"
        python = os.path.relpath(HANDOFF_PYTHON, ROOT)
        return f"{settings} {python} -m handoff {arguments}"

    def start(self) -> None:
        (self.run_dir / "logs").mkdir(parents=True, exist_ok=True)
        if not self.model.exists():
            raise SystemExit(f"no trained model at {self.model}: run 'make train' first")
        try:
            redis_url = self.redis_url or ""
            if "redis" in self.components and not self.redis_url:
                redis_url = self._start_redis()
            if "actions" in self.components:
                self._start_actions()
            if "rasa" in self.components:
                self._start_rasa(redis_url)
            if "handoff" in self.components:
                self._start_service(redis_url)
        except BaseException:
            self.stop()
            raise

    def _spawn(self, name: str, argv: list[str], env: Mapping[str, str]) -> Process:
        log = self.run_dir / "logs" / f"{name}.log"
        handle = log.open("ab")
        popen = subprocess.Popen(
            argv,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches us only; we stop children in order
        )
        process = Process(name, popen, log)
        self.processes.append(process)
        return process

    def _wait(self, process: Process, ready: Callable[[], bool], what: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.popen.poll() is not None:
                raise RuntimeError(f"{process.name} exited while starting:\n{tail(process.log)}")
            if ready():
                self.log(f"    {what} is up")
                return
            time.sleep(0.25)
        raise RuntimeError(f"{what} did not come up in {timeout:.0f} s:\n{tail(process.log)}")

    def _start_redis(self) -> str:
        binary = shutil.which("redis-server")
        if binary is None:
            raise SystemExit("redis-server is not installed: run 'make setup'")
        if self.appendfsync not in APPENDFSYNC:
            raise SystemExit(
                f"TANDEM_REDIS_APPENDFSYNC must be one of {', '.join(APPENDFSYNC)}, "
                f"not {self.appendfsync!r}"
            )
        data = self.run_dir / "redis"
        data.mkdir(parents=True, exist_ok=True)
        self.log(
            f"==> Redis on 127.0.0.1:{self.ports.redis} (data in {data}, "
            f"appendfsync {self.appendfsync})"
        )
        argv = [binary, "--port", str(self.ports.redis), "--bind", "127.0.0.1"]
        argv += ["--dir", str(data), "--appendonly", "yes", "--save", ""]
        argv += ["--appendfsync", self.appendfsync]
        argv += ["--maxmemory", self.redis_maxmemory, "--maxmemory-policy", "noeviction"]
        process = self._spawn("redis", argv, {})
        self._wait(process, lambda: redis_ping(self.ports.redis), "Redis", 15)
        return f"redis://127.0.0.1:{self.ports.redis}/0"

    def _start_actions(self) -> None:
        self.log(f"==> action server on 127.0.0.1:{self.ports.actions}")
        argv = [str(BOT_BIN / "rasa"), "run", "actions", "--port", str(self.ports.actions)]
        process = self._spawn("actions", argv, {"SANIC_HOST": "127.0.0.1"})
        health = f"http://127.0.0.1:{self.ports.actions}/health"
        self._wait(process, lambda: http_ok(health), "action server", 60)

    def _start_rasa(self, redis_url: str) -> None:
        self.log(f"==> Rasa on 127.0.0.1:{self.ports.rasa} (loading the model takes ~20 s)")
        endpoints = self.run_dir / "endpoints.yml"
        endpoints.write_text(
            (ROOT / "endpoints.yml")
            .read_text()
            .replace("127.0.0.1:5055", f"127.0.0.1:{self.ports.actions}")
        )
        argv = [str(BOT_BIN / "rasa"), "run", "--model", str(self.model), "-i", "127.0.0.1"]
        argv += ["--port", str(self.ports.rasa), "--endpoints", str(endpoints)]
        argv += ["--credentials", str(ROOT / "credentials.yml")]
        # One argument with "=": a token that starts with "-" (token_urlsafe may) is no option.
        argv += ["--enable-api", f"--auth-token={self.rasa_api_token}"]
        env = {"TANDEM_REDIS_URL": redis_url, "TANDEM_BOT_TOKEN": self.bot_token}
        process = self._spawn("rasa", argv, env)
        health = f"{self.rasa_url}/webhooks/tandem/health"
        self._wait(process, lambda: http_ok(health), "Rasa", 180)
        # Where scripts/reload_model.py finds this Rasa (readable by this user only).
        self.rasa_api_file.write_text(
            json.dumps({"url": self.rasa_url, "token": self.rasa_api_token, "pid": os.getpid()})
        )
        self.rasa_api_file.chmod(0o600)

    def _start_service(self, redis_url: str) -> None:
        self.log(f"==> handoff service on 127.0.0.1:{self.ports.service}")
        env = {
            "TANDEM_HOST": "127.0.0.1",
            "TANDEM_PORT": str(self.ports.service),
            "TANDEM_REDIS_URL": redis_url,
            "TANDEM_RASA_URL": self.rasa_url,
            "TANDEM_BOT_TOKEN": self.bot_token,
            # The workbench finds this run's Rasa API (rasa-api.json) here.
            "TANDEM_RUN_DIR": str(self.run_dir),
            "TANDEM_SECRET": os.environ.get("TANDEM_SECRET") or self._dev_secret(),
        }
        if self.dev:
            env.update({"TANDEM_DEV": "1", "TANDEM_DEMO_AGENT": DEMO_AGENT})
            # Email stays on this machine: the service's own sink keeps it for the console's
            # Mail page (docs/email.md), unless a real TANDEM_SMTP_URL is given; the customers'
            # replies ("Reply as the customer") come back to the service's own listener.
            env.update(
                {
                    "TANDEM_DEV_MAIL_PORT": str(self.ports.mail),
                    "TANDEM_INBOUND_SMTP_PORT": str(self.ports.inbound),
                    "TANDEM_PUBLIC_URL": os.environ.get("TANDEM_PUBLIC_URL") or self.service_url,
                }
            )
        env.update(self.extra_env)
        argv = [str(HANDOFF_PYTHON), "-m", "handoff", "serve"]
        process = self._spawn("handoff", argv, env)
        self._wait(process, lambda: http_ok(f"{self.service_url}/health"), "handoff service", 60)

    def _dev_secret(self) -> str:
        # Kept under run/ so agent tokens survive a restart of the development stack.
        path = self.run_dir / "secret"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(32))
            path.chmod(0o600)
        return path.read_text().strip()

    def stop_actions(self) -> None:
        """Stops the action server alone (tests of Rasa's behaviour without it)."""
        for process in [p for p in self.processes if p.name == "actions"]:
            os.killpg(process.popen.pid, signal.SIGTERM)
            process.popen.wait(timeout=15)
            self.processes.remove(process)

    def start_actions(self) -> None:
        """Starts the action server again after ``stop_actions``."""
        self._start_actions()

    def crashed(self) -> Process | None:
        """The first process that exited on its own, if any."""
        return next((p for p in self.processes if p.popen.poll() is not None), None)

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.popen.poll() is None:
                os.killpg(process.popen.pid, signal.SIGTERM)
        for process in reversed(self.processes):
            try:
                process.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.popen.pid, signal.SIGKILL)
                process.popen.wait()
        self.processes.clear()
        self.rasa_api_file.unlink(missing_ok=True)


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:  # noqa: S310 (loopback URLs)
            return reply.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def main() -> int:
    parser = argparse.ArgumentParser(description="Run Tandem's whole stack on 127.0.0.1.")
    parser.add_argument("--production", action="store_true", help="no demo agent, no dev mode")
    args = parser.parse_args()
    stack = Stack(
        ports=Ports.from_env(os.environ),
        redis_url=os.environ.get("TANDEM_REDIS_URL") or None,
        dev=not args.production and os.environ.get("TANDEM_DEV", "1") != "0",
        appendfsync=os.environ.get("TANDEM_REDIS_APPENDFSYNC", "").strip().lower() or "everysec",
    )
    stopping = False

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        stack.start()
    except (RuntimeError, SystemExit) as error:
        print(f"\nerror: {error}", file=sys.stderr)
        return 1
    url = stack.service_url
    print("\nTandem is running:")
    print(f"  demo shop with the widget  {url}/")
    print(f"  agent console             {url}/console")
    if stack.dev:
        user, password = DEMO_AGENT.split(":")
        print(f"  demo agent login          {user} / {password}   (development mode only)")
        print(f"  emails sent (dev sink)    {url}/console#mail")
        inbound = stack.extra_env.get("TANDEM_INBOUND_SMTP_PORT") or stack.ports.inbound
        print(f"  email replies come in at  smtp://127.0.0.1:{inbound}   (the inbound listener)")
    print(f"  health                    {url}/health")
    print("  manage agents and privacy requests with the CLI against this stack's Redis:")
    for example in ("agents list", 'agents add ana --name "Ana Lima" --roles admin'):
        print(f"    {stack.cli_command(example)}")
    print(f"  logs                      {stack.run_dir / 'logs'}/")
    print("Press Ctrl-C to stop.", flush=True)
    code = 0
    while not stopping:
        crashed = stack.crashed()
        if crashed:
            status = crashed.popen.returncode
            print(f"\nerror: {crashed.name} exited with code {status}. End of {crashed.log}:")
            print(tail(crashed.log), file=sys.stderr)
            code = 1
            break
        time.sleep(0.5)
    print("\nstopping …", flush=True)
    stack.stop()
    print("stopped.")
    return code


if __name__ == "__main__":
    sys.exit(main())
