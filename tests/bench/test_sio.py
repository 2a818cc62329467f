"""The load generator's Socket.IO packet reading (no sockets: packets are fed by hand)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bench.sio import SioClient, SioError


class FakeWs:
    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, text: str) -> None:
        self.sent.append(text)

    def __aiter__(self) -> FakeWs:
        return self

    async def __anext__(self) -> str:
        await asyncio.sleep(3600)
        raise StopAsyncIteration


@pytest.mark.asyncio
async def test_events_acks_pings_and_namespaces() -> None:
    ws = FakeWs()
    client = SioClient(ws)  # type: ignore[arg-type]
    client._packet('0{"sid":"e1","upgrades":[],"pingInterval":25000,"pingTimeout":20000}')
    assert client.eio_sid == "e1"

    joining = asyncio.ensure_future(client.join("/agent", auth={"token": "t"}))
    await asyncio.sleep(0)
    assert ws.sent[-1] == '40/agent,{"token":"t"}'
    client._packet('40/agent,{"sid":"s1"}')
    assert await joining == "s1"

    seen: list[tuple[str, Any]] = []
    client.on("queue_added", lambda ns, data: seen.append((ns, data)))
    client._packet('42/agent,["queue_added",{"item":{"id":1}}]')
    assert seen == [("/agent", {"item": {"id": 1}})]

    ack = client.call_nowait("user_uttered", {"message": "hi"})
    await asyncio.sleep(0)
    assert ws.sent[-1] == '421["user_uttered",{"message":"hi"}]'
    client._packet('431[{"ok":true,"seq":4}]')
    assert await ack == {"ok": True, "seq": 4}

    client._packet("2")
    await asyncio.sleep(0)
    assert ws.sent[-1] == "3"

    refused = asyncio.ensure_future(client.join("/x"))
    await asyncio.sleep(0)
    client._packet('44/x,{"message":"unauthorized"}')
    with pytest.raises(SioError):
        await refused
    client._reader.cancel()
