"""The application factory: one Sanic app for HTTP, one python-socketio server for sockets.

python-socketio's maintainer recommends its ASGI integration, so the socket server is mounted
as ``socketio.ASGIApp(sio, other_asgi_app=sanic_app)`` and the result is served by uvicorn;
lifespan events go to Sanic, whose listeners open and close the replica's resources.

Example::

    app = create_app(Settings.from_env())
    uvicorn.run(app, host="127.0.0.1", port=8000)
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from typing import Any

import socketio  # type: ignore[import-untyped]  # no type information shipped
from sanic import Request, Sanic
from sanic.response import BaseHTTPResponse

from handoff.agent_ns import register_agent_handlers
from handoff.bridge import BotBridge
from handoff.customer_ns import register_customer_handlers
from handoff.demo import ensure_demo_agent
from handoff.desk import Desk
from handoff.http_api import build_blueprint, mount_static
from handoff.hub import Hub
from handoff.keys import Keys
from handoff.pubsub import RedisManager
from handoff.settings import Settings
from handoff.sweeper import Sweeper

log = logging.getLogger("handoff")
_names = itertools.count(1)


class HandoffApp(socketio.ASGIApp):  # type: ignore[misc]
    """The ASGI app uvicorn serves, with handles on its parts (for tests and tools)."""

    def __init__(self, sio: socketio.AsyncServer, sanic_app: Sanic[Any, Any], hub: Hub) -> None:
        super().__init__(sio, other_asgi_app=sanic_app)
        self.sio = sio
        self.sanic = sanic_app
        self.hub = hub


def create_app(settings: Settings) -> HandoffApp:
    """Build the whole service for ``settings``; nothing connects until the server starts."""
    keys = Keys(settings.redis_prefix)
    sio = socketio.AsyncServer(
        async_mode="asgi",
        client_manager=RedisManager(settings.redis_url, channel=keys.socketio_channel),
        cors_allowed_origins=settings.cors_origins,
        max_http_buffer_size=settings.max_payload_bytes,
        # One event at a time per socket: a customer's messages are stored in the order sent.
        async_handlers=False,
        logger=False,
        engineio_logger=False,
    )
    # Sanic keeps a registry of app names per process; tests build several apps.
    sanic_app: Sanic[Any, Any] = Sanic(f"tandem_handoff_{next(_names)}", configure_logging=False)
    sanic_app.config.REQUEST_MAX_SIZE = settings.max_payload_bytes
    sanic_app.config.FALLBACK_ERROR_FORMAT = "json"
    hub = Hub(settings, sio)
    sanic_app.ctx.hub = hub
    register_customer_handlers(sio, hub)
    register_agent_handlers(sio, hub)
    sanic_app.blueprint(build_blueprint())
    if mount_static(sanic_app, settings.static_dir):
        log.info("serving the widget and console from %s", settings.static_dir)

    @sanic_app.before_server_start
    async def open_resources(app: Sanic[Any, Any], _: Any = None) -> None:
        await hub.open()
        hub.desk = Desk(hub)
        hub.bridge = BotBridge(hub)
        if settings.dev and settings.demo_agent:
            await ensure_demo_agent(hub.agents, settings.demo_agent)
        app.ctx.sweeper = asyncio.create_task(Sweeper(hub).run(), name="sweeper")
        log.info(
            "handoff replica %s ready (redis %s, rasa %s)",
            hub.replica,
            settings.redis_url,
            settings.rasa_url,
        )

    @sanic_app.after_server_stop
    async def close_resources(app: Sanic[Any, Any], _: Any = None) -> None:
        sweeper: asyncio.Task[None] = app.ctx.sweeper
        sweeper.cancel()
        await asyncio.gather(sweeper, return_exceptions=True)
        await hub.bridge.close()
        await sio.manager.drain()  # events queued for the other replicas
        await hub.close()

    async def security_headers(request: Request, response: BaseHTTPResponse) -> None:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if request.path == "/console":
            response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")

    sanic_app.register_middleware(security_headers, "response")
    return HandoffApp(sio, sanic_app, hub)
