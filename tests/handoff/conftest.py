"""Fixtures for the handoff service's tests.

Unit tests need nothing. Integration tests get a real redis-server (one per session, flushed
before each test), a stand-in Rasa, and the real service in subprocesses: ``service`` and
``replica2`` share Redis like two replicas behind a load balancer.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # tests.support is importable however pytest was started
    sys.path.insert(0, str(REPO))

from tests.support.clients import Agent, Customer, login  # noqa: E402
from tests.support.handoff_server import HandoffServer  # noqa: E402
from tests.support.rasa_stub import RasaStub  # noqa: E402
from tests.support.redis_server import RedisServer  # noqa: E402

# Defaults for every test server: small timeouts so failure paths run quickly, a rate limit
# high enough for scripted conversations (the rate-limit test uses a strict server).
BASE_ENV = {"TANDEM_RASA_TIMEOUT": "2", "TANDEM_RATE_BURST": "60", "TANDEM_RATE_PER_MINUTE": "600"}


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with RedisServer(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(scope="session")
def rasa() -> Iterator[RasaStub]:
    with RasaStub() as stub:
        yield stub


@pytest.fixture(scope="session")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("logs")


@pytest.fixture(scope="session")
def start_server(
    redis_server: RedisServer, rasa: RasaStub, logs: Path
) -> Iterator[Callable[..., HandoffServer]]:
    """Start extra servers (other settings); all are stopped at the end of the session."""
    started: list[HandoffServer] = []

    def start(env: dict[str, str] | None = None, rasa_url: str | None = None) -> HandoffServer:
        server = HandoffServer(
            redis_url=redis_server.url,
            rasa_url=rasa_url or rasa.url,
            log_dir=logs,
            env={**BASE_ENV, **(env or {})},
        )
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def service(start_server: Callable[..., HandoffServer]) -> HandoffServer:
    return start_server()


@pytest.fixture(scope="session")
def replica2(start_server: Callable[..., HandoffServer], service: HandoffServer) -> HandoffServer:
    return start_server()


@pytest.fixture
def clean_redis(redis_server: RedisServer) -> RedisServer:
    """Integration tests start from an empty Redis (servers keep no other state that matters)."""
    redis_server.flush()
    return redis_server


@pytest_asyncio.fixture
async def clients(clean_redis: RedisServer) -> AsyncIterator[list[Customer | Agent]]:
    """Every client a test opens is closed at its end (so agents leave presence)."""
    opened: list[Customer | Agent] = []
    yield opened
    await asyncio.gather(*(c.close() for c in opened), return_exceptions=True)


@pytest.fixture
def customer(clients: list[Customer | Agent], service: HandoffServer) -> Callable[..., Any]:
    async def make(
        url: str | None = None, session_id: str | None = None, **kwargs: Any
    ) -> Customer:
        client = Customer(url or service.url, headers=kwargs.pop("headers", None))
        clients.append(client)
        await client.connect(session_id=session_id, **kwargs)
        return client

    return make


@pytest.fixture
def agent(
    clients: list[Customer | Agent], redis_server: RedisServer, service: HandoffServer
) -> Callable[..., Any]:
    """Create an agent account (directly in Redis) and connect its console."""
    from tests.support.accounts import create_agent

    async def make(
        url: str | None = None, prefix: str = "tandem:", connect: bool = True, **profile: Any
    ) -> Agent:
        username, password = await create_agent(redis_server.url, prefix=prefix, **profile)
        token = await login(url or service.url, username, password)
        client = Agent(url or service.url, token)
        client.username = username  # type: ignore[attr-defined]
        clients.append(client)
        if connect:
            await client.connect()
            hello = await client.call("hello")
            client.id = hello["agent"]["id"]  # type: ignore[attr-defined]
        return client

    return make
