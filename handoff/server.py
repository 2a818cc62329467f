"""Serve the app with uvicorn (``python -m handoff serve``).

Example::

    serve(Settings.from_env())
"""

from __future__ import annotations

import gc
import logging

import uvicorn

from handoff.app import create_app
from handoff.config.settings import Settings, dev_mode_warnings
from handoff.domain import log_masking

log = logging.getLogger("handoff")


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Socket.IO and the Redis manager are chatty at INFO.
    for name in ("socketio", "engineio", "sanic.root", "sanic.access", "aiohttp"):
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger().level))
    log_masking.install(("",))  # no customer's email or phone number in a log line


def tune_gc() -> None:
    """Fewer, cheaper garbage collections for a long-running server.

    With a thousand customers connected the process holds ~250k objects, and CPython's full
    (generation 2) collection walked all of them every few seconds under load: 70-270 ms with
    the event loop stopped, the bulk of the sustained benchmark's tail latency. Objects that
    exist at start-up (modules, the app) are moved out of the collector's sight (``freeze``), and
    the young generation is collected every 50,000 net allocations instead of 700, so that
    per-message garbage dies young and full collections become rare (docs/benchmarks.md).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def serve(settings: Settings) -> None:
    configure_logging(settings.log_level)
    if settings.dev:
        for warning in dev_mode_warnings(settings):
            log.warning("%s", warning)
    app = create_app(settings)
    tune_gc()
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=settings.dev,
        lifespan="on",
        ws="websockets-sansio",
        ws_max_size=settings.max_payload_bytes,
        # No permessage-deflate (Socket.IO's own servers dropped it by default in v3): chat
        # events are a few hundred bytes, and each socket's zlib contexts cost ~40 KB of RSS
        # (half of an idle socket's memory, docs/benchmarks.md) plus CPU on every frame.
        ws_per_message_deflate=False,
        timeout_graceful_shutdown=5,
        server_header=False,
        # The client address is the TCP peer; X-Forwarded-For is read by the service itself,
        # only from TANDEM_TRUSTED_PROXIES (docs/security.md). uvicorn would otherwise take it
        # from any local peer.
        proxy_headers=False,
    )
    # uvicorn set up its own loggers' handlers just now: every handler masks contacts.
    log_masking.install()
    uvicorn.Server(config).run()
