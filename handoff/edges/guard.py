"""The base of both Socket.IO namespaces: one guard around every client event.

python-socketio calls :meth:`GuardedNamespace.trigger_event` for each event of the namespace;
the guard lets through only the events the protocol registry lists for it (anything else is
``unknown_event``), checks that the client sent one payload (and that it was not too deep to
decode: ``protocol/bounded_json.py``), calls the ``on_<event>`` method,
and turns every failure into the same answer: an error acknowledgement *and* a
``tandem_error`` event (clients that did not ask for an ack still learn why). A handler raises
:class:`~handoff.protocol.errors.ProtocolError` to refuse; anything else is logged and answered
``internal``. Rate limits are token buckets in Redis (``store.limits``, so they hold across
replicas) the handler spends with :meth:`limit` once it knows whose request it is and that the
request is well formed; a refusal is ``rate_limited`` with ``details.retry_after_s``. A request
that then fails on the server's side (``internal``: Redis away, a bug) gets its tokens back, so
the retries after an outage are not refused for the outage's sake.

Example::

    class EchoNamespace(GuardedNamespace):
        async def on_ping(self, sid: str, data: Any) -> dict[str, bool]:
            await self.limit(sid, "slow down")
            return {"ok": True}

    sio.register_namespace(
        EchoNamespace("/", limits=Limits(redis, keys, clock=time.time),
                      rule=Rule("ping", burst=5, per_minute=60))
    )
"""

from __future__ import annotations

import contextvars
import logging
from typing import Any

import socketio  # type: ignore[import-untyped]  # no type information shipped

from handoff.protocol.bounded_json import MAX_DEPTH, TOO_DEEP
from handoff.protocol.errors import ErrorCode, ProtocolError
from handoff.protocol.registry import EVENTS
from handoff.protocol.types import ErrorAck
from handoff.security.ratelimit import Rule
from handoff.store.limits import Limits, Spend

log = logging.getLogger("handoff")
# python-socketio triggers these when a socket joins or leaves the namespace; they carry no
# payload of the protocol, so they go to their handlers as python-socketio calls them.
LIFECYCLE = frozenset({"connect", "disconnect"})
# The tokens the event being handled has spent (each socket's events run in its own task, one
# at a time, so a context variable is per event).
_SPENT: contextvars.ContextVar[list[Spend]] = contextvars.ContextVar("spent")


def rate_limited(message: str, wait: float) -> ProtocolError:
    """The refusal of a spent bucket, with when a retry can succeed."""
    return ProtocolError(ErrorCode.RATE_LIMITED, message, {"retry_after_s": round(wait, 3)})


class GuardedNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    """A namespace whose ``on_<event>(sid, payload)`` methods all run behind one guard."""

    def __init__(self, namespace: str, *, limits: Limits, rule: Rule) -> None:
        super().__init__(namespace)
        self.limits = limits
        self.rule = rule
        self.events = frozenset(
            name for ns, name, direction in EVENTS if ns == namespace and direction == "in"
        )

    async def trigger_event(self, event: str, *args: Any) -> Any:
        if event in LIFECYCLE:
            return await super().trigger_event(event, *args)
        sid, payload = args[0], args[1:]
        spent: list[Spend] = []
        reset = _SPENT.set(spent)
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
            await self._refund(spent)
            error = ProtocolError(
                ErrorCode.INTERNAL, "the server failed to handle this; please retry"
            )
            return await self.refuse(sid, event, error)
        finally:
            _SPENT.reset(reset)

    async def refuse(self, sid: str, event: str, error: ProtocolError) -> ErrorAck:
        """Tell the client why (``tandem_error``) and answer the ack with the same error."""
        await self.emit(
            "tandem_error",
            {"code": error.code.value, "message": error.message, "event": event[:64]},
            to=sid,
        )
        return error.ack()

    async def limit(self, key: str, message: str, *also: Spend) -> None:
        """Spend one token of ``key``'s bucket (and of ``also``, all or none), or refuse with
        ``rate_limited``."""
        await self.spend(message, Spend(self.rule, key), *also)

    async def spend(self, message: str, *spends: Spend) -> None:
        """Spend on every bucket of ``spends`` (or on none, and refuse with ``rate_limited``)."""
        wait = await self.limits.take(*spends)
        if wait > 0:
            raise rate_limited(message, wait)
        _SPENT.get([]).extend(spends)

    async def _refund(self, spent: list[Spend]) -> None:
        if not spent:
            return
        try:
            await self.limits.refund(*spent)
        except Exception:  # noqa: BLE001 - Redis is likely what failed; the tokens refill anyway
            log.warning("could not refund %d rate-limit tokens", len(spent))
