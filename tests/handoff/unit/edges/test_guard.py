"""The one guard around every client event: known events, one payload, errors both ways.

Its rate limits live in Redis: tests/handoff/integration/test_flood_limits.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from handoff.edges.guard import GuardedNamespace
from handoff.protocol.bounded_json import TOO_DEEP
from handoff.protocol.errors import ErrorCode, ProtocolError
from handoff.security.ratelimit import Rule


class Server:
    """Just enough of python-socketio's server: records emits."""

    def __init__(self) -> None:
        self.emitted: list[tuple[str, Any, str]] = []

    async def emit(self, event: str, data: Any = None, to: Any = None, **kwargs: Any) -> None:
        self.emitted.append((event, data, to))


class Customers(GuardedNamespace):
    async def on_tandem_sync(self, sid: str, data: Any) -> dict[str, Any]:
        if data == "refuse":
            raise ProtocolError(ErrorCode.INVALID_STATE, "not now")
        if data == "crash":
            raise RuntimeError("a bug")
        return {"ok": True, "data": data}


def make() -> tuple[Customers, Server]:
    # No event here spends a token, so no Redis is needed.
    namespace = Customers("/", limits=None, rule=Rule("customer", burst=2, per_minute=1))  # type: ignore[arg-type]
    server = Server()
    namespace._set_server(server)
    return namespace, server


@pytest.mark.asyncio
async def test_a_known_event_reaches_its_method() -> None:
    namespace, server = make()
    assert await namespace.trigger_event("tandem_sync", "s1", {"after_seq": 0}) == {
        "ok": True,
        "data": {"after_seq": 0},
    }
    assert await namespace.trigger_event("tandem_sync", "s1") == {"ok": True, "data": None}
    assert server.emitted == []


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("event", "payload", "code"),
    [
        ("drop_tables", ({},), "unknown_event"),
        ("claim", ({},), "unknown_event"),  # an agent event, not a customer one
        ("tandem_sync", ({}, {}), "bad_request"),
        ("tandem_sync", ("refuse",), "invalid_state"),
        ("tandem_sync", ("crash",), "internal"),
        # What protocol/bounded_json.py decodes a too-deep packet to, known event or not.
        ("tandem_sync", (TOO_DEEP,), "bad_request"),
        ("", (TOO_DEEP,), "bad_request"),
    ],
)
async def test_refusals_answer_the_ack_and_send_tandem_error(
    event: str, payload: tuple[Any, ...], code: str
) -> None:
    namespace, server = make()
    ack = await namespace.trigger_event(event, "s1", *payload)
    assert ack["ok"] is False and ack["error"]["code"] == code
    assert server.emitted == [
        ("tandem_error", {"code": code, "message": ack["error"]["message"], "event": event}, "s1")
    ]


@pytest.mark.asyncio
async def test_long_unknown_event_names_are_cut() -> None:
    namespace, server = make()
    await namespace.trigger_event("x" * 500, "s1")
    assert len(server.emitted[0][1]["event"]) == 64
