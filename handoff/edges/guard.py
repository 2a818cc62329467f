"""The base of both Socket.IO namespaces: one guard around every client event.

python-socketio calls :meth:`GuardedNamespace.trigger_event` for each event of the namespace;
the guard lets through only the events the protocol registry lists for it (anything else is
``unknown_event``), checks that the client sent one payload (and that it was not too deep to
decode: ``protocol/bounded_json.py``), calls the ``on_<event>`` method,
and turns every failure into the same answer: an error acknowledgement *and* a
``tandem_error`` event (clients that did not ask for an ack still learn why). A handler raises
:class:`~handoff.protocol.errors.ProtocolError` to refuse; anything else is logged and answered
``internal``. Rate limits are token buckets the handler spends with :meth:`limit` once it knows
whose request it is and that the request is well formed.

Example::

    class EchoNamespace(GuardedNamespace):
        async def on_ping(self, sid: str, data: Any) -> dict[str, bool]:
            self.limit(sid, "slow down")
            return {"ok": True}

    sio.register_namespace(EchoNamespace("/", limiter=RateLimiter(burst=5, per_minute=60)))
"""

from __future__ import annotations

import logging
import time
from typing import Any

import socketio  # type: ignore[import-untyped]  # no type information shipped

from handoff.protocol.bounded_json import MAX_DEPTH, TOO_DEEP
from handoff.protocol.errors import ErrorCode, ProtocolError
from handoff.protocol.registry import EVENTS
from handoff.protocol.types import ErrorAck
from handoff.security.ratelimit import RateLimiter

log = logging.getLogger("handoff")
# python-socketio triggers these when a socket joins or leaves the namespace; they carry no
# payload of the protocol, so they go to their handlers as python-socketio calls them.
LIFECYCLE = frozenset({"connect", "disconnect"})


class GuardedNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    """A namespace whose ``on_<event>(sid, payload)`` methods all run behind one guard."""

    def __init__(self, namespace: str, *, limiter: RateLimiter) -> None:
        super().__init__(namespace)
        self.limiter = limiter
        self.events = frozenset(
            name for ns, name, direction in EVENTS if ns == namespace and direction == "in"
        )

    async def trigger_event(self, event: str, *args: Any) -> Any:
        if event in LIFECYCLE:
            return await super().trigger_event(event, *args)
        sid, payload = args[0], args[1:]
        try:
            if any(item is TOO_DEEP for item in payload):
                # bounded_json decoded it so: the client gets an answer, not silence.
                raise ProtocolError(
                    ErrorCode.BAD_REQUEST, f"the payload is nested deeper than {MAX_DEPTH} levels"
                )
            if event not in self.events:
                raise ProtocolError(ErrorCode.UNKNOWN_EVENT, f"unknown event {event[:64]!r}")
            if len(payload) > 1:
                raise ProtocolError(ErrorCode.BAD_REQUEST, "send one payload object")
            return await getattr(self, "on_" + event)(sid, payload[0] if payload else None)
        except ProtocolError as exc:
            return await self.refuse(sid, event, exc)
        except Exception:
            log.exception("%s %s failed", self.namespace, event[:64])
            error = ProtocolError(
                ErrorCode.INTERNAL, "the server failed to handle this; please retry"
            )
            return await self.refuse(sid, event, error)

    async def refuse(self, sid: str, event: str, error: ProtocolError) -> ErrorAck:
        """Tell the client why (``tandem_error``) and answer the ack with the same error."""
        await self.emit(
            "tandem_error",
            {"code": error.code.value, "message": error.message, "event": event[:64]},
            to=sid,
        )
        return error.ack()

    def limit(self, key: str, message: str) -> None:
        """Spend one token of ``key``'s bucket, or refuse with ``rate_limited``."""
        if not self.limiter.allow(key, time.monotonic()):
            raise ProtocolError(ErrorCode.RATE_LIMITED, message)
