"""The edge against odd credentials, binary packets and origins; dev mode kept off the network."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import socketio

from tests.support.clients import Agent, Customer
from tests.support.handoff_server import REPO, HandoffServer
from tests.support.ports import free_port

pytestmark = pytest.mark.asyncio


async def test_a_token_with_a_non_ascii_signature_is_refused_cleanly(
    service: HandoffServer, agent: Any, clients: list[Any]
) -> None:
    ana = await agent(connect=False)
    head, body, _ = ana.token.split(".")
    for forged in (f"{head}.{body}.{'é' * 43}", f"{head}.{body}.\ud800", ana.token[:-1] + "ü"):
        client = Agent(service.url, forged)
        clients.append(client)
        refusals: list[Any] = []
        client.sio.on("connect_error", refusals.append, namespace="/agent")
        with pytest.raises(socketio.exceptions.ConnectionError):
            await client.connect()
        # Refused with the reason, not left waiting on a handler that raised.
        assert refusals and refusals[0]["data"]["code"] == "unauthorized", refusals
    async with httpx.AsyncClient() as http:
        for forged in (f"{head}.{body}.{'é' * 43}", ana.token[:-1] + "ü"):
            export = await http.get(
                f"{service.url}/api/conversations/c_{'A' * 22}/transcript",
                headers={"Authorization": f"Bearer {forged}".encode()},
            )
            assert export.status_code == 401, export.text
            assert export.json()["error"]["code"] == "unauthorized"
    # The real token still works.
    real = Agent(service.url, ana.token)
    clients.append(real)
    assert (await real.connect()).sio.connected


async def test_the_metrics_token(start_server: Callable[..., HandoffServer]) -> None:
    guarded = start_server({"TANDEM_REDIS_PREFIX": "m:", "TANDEM_METRICS_TOKEN": "metrics-" * 4})
    async with httpx.AsyncClient() as http:
        for header in (None, b"Bearer metrics-", b"Bearer " + "métrics-".encode() * 4):
            headers = {"Authorization": header} if header else {}
            refused = await http.get(f"{guarded.url}/metrics", headers=headers)
            assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthorized"
        allowed = await http.get(
            f"{guarded.url}/metrics", headers={"Authorization": "Bearer " + "metrics-" * 4}
        )
        assert allowed.status_code == 200 and "tandem_conversations" in allowed.text


async def test_binary_packets_close_the_connection(customer: Any, agent: Any) -> None:
    alice = await customer()
    # python-socketio sends this as a binary event: a header announcing one attachment, then it.
    await alice.sio.emit("user_uttered", {"message": "hi", "blob": b"\x00" * 1024})
    for _ in range(100):
        if not alice.sio.connected:
            break
        await asyncio.sleep(0.05)
    assert not alice.sio.connected
    ana = await agent()
    await ana.sio.emit("send_message", b"\x01\x02", namespace="/agent")
    for _ in range(100):
        if not ana.sio.connected:
            break
        await asyncio.sleep(0.05)
    assert not ana.sio.connected
    # Nobody else is affected, and the same customer can come back with text.
    again = await customer(session_id=alice.session_id)
    assert (await again.say("text is fine"))["ok"]


async def test_the_services_own_pages_may_connect_when_an_allow_list_is_set(
    start_server: Callable[..., HandoffServer], agent: Any, clients: list[Any]
) -> None:
    listed = start_server(
        {"TANDEM_REDIS_PREFIX": "o:", "TANDEM_ALLOWED_ORIGINS": "https://shop.example"}
    )
    # The widget on the listed shop, and the demo page the service serves itself.
    for origin in ("https://shop.example", listed.url):
        visitor = Customer(listed.url, headers={"Origin": origin})
        clients.append(visitor)
        await visitor.connect()
        assert visitor.session_id
    # The console at <service>/console, signing in on the same origin.
    ana = await agent(url=listed.url, prefix="o:", connect=False)
    console = socketio.AsyncClient(reconnection=False)
    try:
        await console.connect(
            listed.url,
            namespaces=["/agent"],
            transports=["websocket"],
            auth={"token": ana.token},
            headers={"Origin": listed.url},
            wait_timeout=10,
        )
        assert console.connected
    finally:
        await console.disconnect()
    # Anyone else is still refused, for customers and agents alike.
    for namespaces in (["/"], ["/agent"]):
        foreign = socketio.AsyncClient(reconnection=False)
        try:
            with pytest.raises(socketio.exceptions.ConnectionError):
                await foreign.connect(
                    listed.url,
                    namespaces=namespaces,
                    transports=["websocket"],
                    auth={"token": ana.token},
                    headers={"Origin": "https://evil.example"},
                    wait_timeout=10,
                )
        finally:
            await foreign.disconnect()


async def test_dev_mode_refuses_a_non_loopback_host(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "TANDEM_DEV": "1",
        # TEST-NET-1: not an address of this machine, so nothing could ever listen on it.
        "TANDEM_HOST": "192.0.2.1",
        "TANDEM_PORT": str(free_port()),
        "TANDEM_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
    }
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "handoff", "serve"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "TANDEM_DEV" in done.stderr and "TANDEM_HOST" in done.stderr


async def test_dev_mode_warns_at_every_start(
    start_server: Callable[..., HandoffServer],
) -> None:
    dev = start_server({"TANDEM_REDIS_PREFIX": "d:", "TANDEM_DEV": "1"})
    log = dev.log_tail(200)
    assert "DEVELOPER MODE" in log, log
    assert "WARNING" in log
