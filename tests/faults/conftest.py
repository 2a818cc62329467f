"""Fixtures for the fault suite: real processes a test may kill, freeze and restart.

Each test gets its own redis-server with an append-only file (so that it can be killed and
started again on the same port and directory), starts the service replicas it needs as
subprocesses, and opens real socket.io clients, all closed at its end. ``fault_report`` collects
the figures each test measured and writes them to ``results/faults.json`` (a measurement, read
by ``docs/reliability.md``; nothing asserts on times).
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # tests.support is importable however pytest was started
    sys.path.insert(0, str(REPO))

from tests.support.accounts import create_agent  # noqa: E402
from tests.support.clients import Agent, Customer, login  # noqa: E402
from tests.support.handoff_server import HandoffServer  # noqa: E402
from tests.support.ledger import Ledger  # noqa: E402
from tests.support.rasa_stub import RasaStub  # noqa: E402
from tests.support.redis_server import RedisServer  # noqa: E402

RESULTS = REPO / "results" / "faults.json"
# Small timeouts so that failure paths run quickly; a rate limit no scripted burst reaches.
BASE_ENV = {
    "TANDEM_RASA_TIMEOUT": "2",
    "TANDEM_RATE_BURST": "500",
    "TANDEM_RATE_PER_MINUTE": "6000",
    # Every client comes from 127.0.0.1: the per-address message budget is raised alike.
    "TANDEM_ADDRESS_MESSAGE_BURST": "100000",
    "TANDEM_ADDRESS_MESSAGES_PER_SECOND": "10000",
}


class FaultReport:
    """Figures per scenario, merged into ``results/faults.json`` at the end of the session
    (a run of one test updates its own scenario and keeps the others)."""

    def __init__(self) -> None:
        self.scenarios: dict[str, dict[str, Any]] = {}

    def record(
        self,
        scenario: str,
        ledgers: dict[str, tuple[Ledger, Any]],
        *,
        recovery_s: float | None,
        fault: str,
        extra: dict[str, Any] | None = None,
    ) -> None:
        """``ledgers``: direction -> (ledger, its figures); ``recovery_s``: from the end of the
        fault to the first message acknowledged (or delivered) again."""
        self.scenarios[scenario] = {
            "fault": fault,
            "recovery_s": None if recovery_s is None else round(recovery_s, 3),
            "directions": {name: figures.as_dict() for name, (_, figures) in ledgers.items()},
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            **(extra or {}),
        }

    def write(self) -> None:
        if not self.scenarios:
            return
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        try:
            old = json.loads(RESULTS.read_text())["scenarios"]
        except (OSError, ValueError, KeyError):
            old = {}
        merged = {**old, **self.scenarios}
        RESULTS.write_text(json.dumps({"scenarios": merged}, indent=2, sort_keys=True) + "\n")


@pytest.fixture(scope="session")
def fault_report() -> Iterator[FaultReport]:
    report = FaultReport()
    yield report
    report.write()


@pytest.fixture(scope="session")
def rasa() -> Iterator[RasaStub]:
    with RasaStub() as stub:
        yield stub


@pytest.fixture
def fault_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of this test's own, with an append-only file (everysec, as the stack)."""
    server = RedisServer(tmp_path / "redis", appendonly=True).start()
    yield server
    if server.process is not None:
        server.process.send_signal(signal.SIGCONT)  # a frozen server cannot stop
    server.stop()


@pytest.fixture
def start_replica(
    fault_redis: RedisServer, rasa: RasaStub, tmp_path: Path
) -> Iterator[Callable[..., HandoffServer]]:
    """Start a replica of the service on this test's Redis; all are stopped at its end."""
    started: list[HandoffServer] = []

    def start(env: dict[str, str] | None = None, rasa_url: str | None = None) -> HandoffServer:
        server = HandoffServer(
            redis_url=fault_redis.url,
            rasa_url=rasa_url or rasa.url,
            log_dir=tmp_path,
            env={**BASE_ENV, **(env or {})},
        )
        started.append(server)
        return server.start()

    yield start
    for server in started:
        if server.process is not None:
            server.process.send_signal(signal.SIGCONT)
        server.stop()


@pytest_asyncio.fixture
async def fault_clients() -> AsyncIterator[list[Customer | Agent]]:
    """Every client a test opens is closed at its end."""
    opened: list[Customer | Agent] = []
    yield opened
    await asyncio.gather(*(c.close() for c in opened), return_exceptions=True)


@pytest.fixture
def open_customer(fault_clients: list[Customer | Agent]) -> Callable[..., Any]:
    async def make(url: str, session_id: str | None = None, **kwargs: Any) -> Customer:
        client = Customer(url)
        fault_clients.append(client)
        await client.connect(session_id=session_id, **kwargs)
        return client

    return make


@pytest.fixture
def open_agent(
    fault_clients: list[Customer | Agent], fault_redis: RedisServer
) -> Callable[..., Any]:
    """An agent account (straight into Redis), logged in at ``url``; connected unless told."""

    async def make(url: str, *, connect: bool = True, **profile: Any) -> Agent:
        username, password = await create_agent(fault_redis.url, **profile)
        client = Agent(url, await login(url, username, password))
        fault_clients.append(client)
        if connect:
            await client.connect()
            client.id = (await client.call("hello"))["agent"]["id"]  # type: ignore[attr-defined]
        return client

    return make
