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
import os
import socket
import time
from collections.abc import Callable
from typing import Any

import socketio  # type: ignore[import-untyped]  # no type information shipped
from sanic import Request, Sanic
from sanic.response import BaseHTTPResponse

from handoff.config.canned import load_canned
from handoff.config.settings import Settings
from handoff.config.texts import SystemTexts
from handoff.edges.agent_ns import register_agent_handlers
from handoff.edges.customer_ns import register_customer_handlers
from handoff.edges.http_api import build_blueprint, mount_static
from handoff.edges.sockets import Connections, Hub
from handoff.edges.sweeper import Sweeper
from handoff.fanout.notify import Notifier
from handoff.fanout.pubsub import RedisManager
from handoff.security.ids import SessionSigner
from handoff.security.ratelimit import RateLimiter
from handoff.security.tokens import TokenSigner
from handoff.services.bot_client import BotClient
from handoff.services.bridge import BotBridge
from handoff.services.demo_agent import ensure_demo_agent
from handoff.services.desk import Desk
from handoff.store import pool as redis_pool
from handoff.store.agents import AgentStore
from handoff.store.conversations import ConversationStore
from handoff.store.facts import DeskFactsReader
from handoff.store.keys import Keys
from handoff.store.presence import Presence
from handoff.store.stats import Stats

log = logging.getLogger("handoff")
_names = itertools.count(1)


class HandoffApp(socketio.ASGIApp):  # type: ignore[misc]
    """The ASGI app uvicorn serves, with handles on its parts (for tests and tools)."""

    def __init__(self, sio: socketio.AsyncServer, sanic_app: Sanic[Any, Any], hub: Hub) -> None:
        super().__init__(sio, other_asgi_app=sanic_app)
        self.sio = sio
        self.sanic = sanic_app
        self.hub = hub


def create_app(settings: Settings, *, clock: Callable[[], float] = time.time) -> HandoffApp:
    """Build the whole service for ``settings``; nothing connects until the server starts.

    Every part is built here and handed what it uses; ``clock`` is the one source of "now".
    """
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

    replica = f"{socket.gethostname()}:{os.getpid()}:{settings.port}"
    # Clients connect lazily, inside the server's event loop, on first use.
    redis: Any = redis_pool.connect(
        settings.redis_url,
        decode_responses=True,
        health_check_interval=30,
        socket_connect_timeout=5,
    )
    conversations = ConversationStore(
        redis, keys, retention_seconds=settings.retention_days * 86400
    )
    agents = AgentStore(redis, keys)
    presence = Presence(redis, keys, replica=replica, ttl=settings.presence_ttl)
    stats = Stats(redis, keys, zone=settings.business_hours.zone)
    facts = DeskFactsReader(redis, keys)
    bot = BotClient(settings.rasa_url, token=settings.bot_token, timeout=settings.rasa_timeout)
    texts = SystemTexts.load()
    notify = Notifier(sio)
    desk = Desk(
        settings=settings,
        conversations=conversations,
        agents=agents,
        presence=presence,
        stats=stats,
        facts=facts,
        notify=notify,
        texts=texts,
        clock=clock,
    )
    bridge = BotBridge(
        redis,
        keys,
        conversations=conversations,
        bot=bot,
        desk=desk,
        facts=facts,
        notify=notify,
        texts=texts,
        lease_ms=int((settings.rasa_timeout + 2.0) * 1000),
        clock=clock,
    )
    connections = Connections()
    limiters = {
        "customer": RateLimiter(burst=settings.rate_burst, per_minute=settings.rate_per_minute),
        # Agents type fast and legitimately burst (canned replies); give them more room.
        "agent": RateLimiter(
            burst=settings.rate_burst * 3, per_minute=settings.rate_per_minute * 4
        ),
        "login": RateLimiter(burst=5, per_minute=10),
    }
    hub = Hub(
        settings=settings,
        sio=sio,
        keys=keys,
        redis=redis,
        sessions=SessionSigner(settings.secret),
        tokens=TokenSigner(settings.secret),
        texts=texts,
        canned=load_canned(settings.canned_responses),
        customer_limiter=limiters["customer"],
        agent_limiter=limiters["agent"],
        login_limiter=limiters["login"],
        connections=connections,
        conversations=conversations,
        agents=agents,
        presence=presence,
        stats=stats,
        bot=bot,
        notify=notify,
        desk=desk,
        bridge=bridge,
        clock=clock,
    )
    sweeper = Sweeper(
        settings,
        sio,
        connections=connections,
        agents=agents,
        presence=presence,
        desk=desk,
        limiters=list(limiters.values()),
        clock=clock,
    )
    sanic_app.ctx.hub = hub
    register_customer_handlers(sio, hub)
    register_agent_handlers(sio, hub)
    sanic_app.blueprint(build_blueprint())
    if mount_static(sanic_app, settings.static_dir):
        log.info("serving the widget and console from %s", settings.static_dir)

    @sanic_app.before_server_start
    async def open_resources(app: Sanic[Any, Any], _: Any = None) -> None:
        # Check Redis once at start-up; the service still starts (and reports 503) without it.
        try:
            await redis.ping()
        except Exception as exc:  # noqa: BLE001 - reported, then retried on every use
            log.error("cannot reach Redis at %s yet: %s", settings.redis_url, exc)
        if settings.dev and settings.demo_agent:
            await ensure_demo_agent(agents, settings.demo_agent)
        app.ctx.sweeper = asyncio.create_task(sweeper.run(), name="sweeper")
        log.info(
            "handoff replica %s ready (redis %s, rasa %s)",
            replica,
            settings.redis_url,
            settings.rasa_url,
        )

    @sanic_app.after_server_stop
    async def close_resources(app: Sanic[Any, Any], _: Any = None) -> None:
        task: asyncio.Task[None] = app.ctx.sweeper
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await bridge.close()
        await sio.manager.drain()  # events queued for the other replicas
        try:
            await presence.leave_all(connections.agent_ids())
        except Exception:  # noqa: BLE001 - shutting down; Redis may already be gone
            log.warning("could not clear presence on shutdown")
        await redis.aclose()
        await bot.aclose()

    async def security_headers(request: Request, response: BaseHTTPResponse) -> None:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if request.path == "/console":
            response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")

    sanic_app.register_middleware(security_headers, "response")
    return HandoffApp(sio, sanic_app, hub)
