"""Which browser origins may open a socket: the allow-list, and always the service's own pages.

python-socketio checks ``Origin`` against ``cors_allowed_origins``. Left unset it allows only
the service's own origin (``scheme://Host``); given a list it allows exactly the list, so the
moment an operator listed the shop's site, the console the service itself serves at
``/console`` (and the demo page at ``/``) could no longer connect, and the easy way out was
``*``. :class:`AllowListAndOwnOrigin` keeps both: the listed origins, plus the origin the
request was addressed to, worked out the way python-socketio's own same-origin check does it.

Example::

    sio = socketio.AsyncServer(cors_allowed_origins=origin_check(settings.cors_origins))
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# ASGI websocket scopes carry ws/wss; an Origin header always names http/https.
_WEB_SCHEME = {"ws": "http", "wss": "https", "http": "http", "https": "https"}


class AllowListAndOwnOrigin:
    """A ``cors_allowed_origins`` callable: ``origin`` is listed or is the service's own."""

    def __init__(self, allowed: Iterable[str]) -> None:
        self.allowed = frozenset(allowed)

    def __call__(self, origin: str | None, environ: Mapping[str, Any]) -> bool:
        if not origin:
            return False
        return origin in self.allowed or origin in own_origins(environ)

    def __repr__(self) -> str:
        return f"AllowListAndOwnOrigin({sorted(self.allowed)})"


def own_origins(environ: Mapping[str, Any]) -> set[str]:
    """The origins of the URL the request was sent to (directly, or through a proxy)."""
    host = environ.get("HTTP_HOST")
    if not host:
        return set()
    scope = environ.get("asgi.scope") or {}
    schemes = {_WEB_SCHEME.get(str(scope.get("scheme", "")), "http")}
    schemes.add(str(environ.get("wsgi.url_scheme", "http")))
    found = {f"{scheme}://{host}" for scheme in schemes}
    # As python-socketio's default check does: a proxy may name the public scheme and host.
    forwarded_proto = environ.get("HTTP_X_FORWARDED_PROTO")
    forwarded_host = environ.get("HTTP_X_FORWARDED_HOST")
    if forwarded_proto or forwarded_host:
        scheme = str(forwarded_proto or "http").split(",")[0].strip()
        public = str(forwarded_host or host).split(",")[0].strip()
        found.add(f"{scheme}://{public}")
    return found


def origin_check(configured: str | list[str] | None) -> Any:
    """What to give python-socketio for ``Settings.cors_origins``.

    ``None`` (its same-origin check) and ``"*"`` stay as they are; a list also admits the
    service's own origin.
    """
    if isinstance(configured, list):
        return AllowListAndOwnOrigin(configured)
    return configured
