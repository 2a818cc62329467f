"""The anchor for relay latency: a raw python-socketio server that forwards an event to a room.

Same ASGI stack and transport settings as the handoff service (``socketio.ASGIApp`` under
uvicorn, websockets-sansio without permessage-deflate, one event at a time per socket) with
nothing else: no Redis, no validation, no storage. A client ``join``s a room; ``relay``
``{"to": room, ...}`` is emitted to that room as ``relayed``.
That is the least any agent -> customer relay can cost on this machine.

Run: ``python -m bench.echo_server --port 9000``
"""

from __future__ import annotations

import argparse
from typing import Any

import socketio  # type: ignore[import-untyped]
import uvicorn


def build() -> socketio.ASGIApp:
    sio = socketio.AsyncServer(
        async_mode="asgi",
        cors_allowed_origins="*",
        async_handlers=False,
        logger=False,
        engineio_logger=False,
    )

    async def join(sid: str, data: Any) -> dict[str, bool]:
        await sio.enter_room(sid, data["room"])
        return {"ok": True}

    async def relay(sid: str, data: Any) -> dict[str, bool]:
        await sio.emit("relayed", data, to=data["to"])
        return {"ok": True}

    sio.on("join", handler=join)
    sio.on("relay", handler=relay)
    return socketio.ASGIApp(sio)


def serve(app: Any, port: int) -> None:
    """Run an anchor server on loopback with the handoff service's transport settings
    (``handoff/server.py``): the echo here, the bot path's floor in ``bench.gateway_floor``."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        ws="websockets-sansio",
        ws_per_message_deflate=False,  # the same transport settings as handoff/server.py
        server_header=False,
    )
    uvicorn.Server(config).run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    serve(build(), args.port)


if __name__ == "__main__":
    main()
