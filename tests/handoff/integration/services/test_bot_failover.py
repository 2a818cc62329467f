"""The bot client over several Rasa instances (stand-ins on loopback): a call that could not
connect is made on the next instance; one that may have reached Rasa is never made twice."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from handoff.domain.bot_instances import rendezvous
from handoff.services.bot_client import BotClient, BotUnavailable
from tests.support.ports import free_port
from tests.support.rasa_stub import RasaStub

pytestmark = pytest.mark.asyncio
_ids = itertools.count()


def first_on(url: str, urls: list[str]) -> str:
    """A new conversation id whose own instance is ``url``."""
    while True:
        cid = f"c_failover_{next(_ids)}"
        if rendezvous(cid, urls)[0] == url:
            return cid


@pytest.fixture
def other_rasa() -> Iterator[RasaStub]:
    with RasaStub() as stub:
        yield stub


@pytest_asyncio.fixture
async def dropping() -> AsyncIterator[str]:
    """A "Rasa" that reads the whole request and hangs up without answering (it died while
    handling the message: whether it stored the turn is unknowable)."""
    requests: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        requests.append(await reader.readuntil(b"\r\n\r\n"))
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.close()
    await server.wait_closed()


async def say(client: BotClient, cid: str, text: str) -> str:
    turn = await client.send_message(cid, text, message_id=f"{cid}:1", metadata={})
    return turn.messages[0].text


async def test_a_refused_connection_is_made_again_on_the_next_instance(rasa: RasaStub) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    urls = [down, rasa.url]
    client = BotClient(urls, token="", timeout=2.0)
    try:
        cid = first_on(down, urls)
        assert await say(client, cid, "hello there") == "You said: hello there"
        assert rasa.messages_for(cid) == ["hello there"]
        # Marked down by the failed call: the next conversation of that instance goes straight
        # to the other one, until the health check hears the first again.
        assert not client.instances.is_up(down)
        assert client.instances.order(first_on(down, urls)) == [rasa.url, down]
    finally:
        await client.aclose()


async def test_with_one_instance_a_refused_call_is_not_repeated() -> None:
    client = BotClient(f"http://127.0.0.1:{free_port()}", token="", timeout=2.0)
    try:
        with pytest.raises(BotUnavailable, match="unreachable"):
            await say(client, "c_alone", "hello")
    finally:
        await client.aclose()


async def test_a_call_that_timed_out_is_not_made_again_elsewhere(
    rasa: RasaStub, other_rasa: RasaStub
) -> None:
    urls = [other_rasa.url, rasa.url]
    client = BotClient(urls, token="", timeout=1.0)
    try:
        cid = first_on(other_rasa.url, urls)
        with pytest.raises(BotUnavailable, match="timed out"):
            await say(client, cid, "slow 3 are you there")
        # The slow one got it and may yet store it; the other must not answer it too.
        assert other_rasa.messages_for(cid) == ["slow 3 are you there"]
        assert rasa.messages_for(cid) == []
        assert client.instances.is_up(other_rasa.url)  # slowness is the health check's to judge
    finally:
        await client.aclose()


async def test_a_connection_dropped_after_the_request_is_not_made_again(
    rasa: RasaStub, dropping: str
) -> None:
    urls = [dropping, rasa.url]
    client = BotClient(urls, token="", timeout=2.0)
    try:
        cid = first_on(dropping, urls)
        with pytest.raises(BotUnavailable, match="unreachable"):
            await say(client, cid, "hello")
        assert rasa.messages_for(cid) == []
    finally:
        await client.aclose()


async def test_an_error_answer_is_not_made_again_elsewhere(
    rasa: RasaStub, other_rasa: RasaStub
) -> None:
    urls = [other_rasa.url, rasa.url]
    client = BotClient(urls, token="", timeout=2.0)
    try:
        cid = first_on(other_rasa.url, urls)
        with pytest.raises(BotUnavailable, match="HTTP 500"):
            await say(client, cid, "crash now")
        assert rasa.messages_for(cid) == []
    finally:
        await client.aclose()


async def test_the_health_check_marks_each_instance(rasa: RasaStub, other_rasa: RasaStub) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    client = BotClient([rasa.url, other_rasa.url, down], token="", timeout=2.0)
    other_rasa.healthy = False  # its action server is away: 503
    try:
        await client.check_all()
        status = {r["instance"]: (r["status"], r["detail"]) for r in client.instances.report(0)}
        assert status[rasa.url.split("//")[1]] == ("up", "ok")
        assert status[other_rasa.url.split("//")[1]] == ("down", "HTTP 503")
        assert status[down.split("//")[1]][0] == "down"
        assert await client.health() == (False, "1 of 3 instances up")
        other_rasa.healthy = True
        await client.check_all()
        assert client.instances.is_up(other_rasa.url)
    finally:
        await client.aclose()
