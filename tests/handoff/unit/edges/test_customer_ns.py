"""The customer edge's message handler around a failure (its collaborators faked, no I/O): a
stored message whose lease the append took is handed to the bridge even when noting the
customer's address fails next, so the bot does not wait for the lease to expire."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from handoff.config.settings import Settings
from handoff.edges.customer_ns import CustomerNamespace
from handoff.edges.sockets import Connections, CustomerSocket
from handoff.security.ratelimit import Rule
from handoff.store.bot_lease import BotWork, LeaseOffer, TakenWork
from handoff.store.conversations import AppendResult
from handoff.store.limits import BucketRef

TAKEN = TakenWork("token", BotWork("work", conversation={"id": "c_1"}, message={"seq": "1"}))


class Store:
    """The append stores and takes the lease; the next write (the address) fails."""

    async def append(self, conversation_id: str, fields: Any, **_: Any) -> AppendResult:
        return AppendResult("ok", seq=1, state="bot", version=1, taken=TAKEN)

    async def set_fields(self, conversation_id: str, fields: Any) -> None:
        raise RedisConnectionError("Redis went away")


class Bridge:
    def __init__(self) -> None:
        self.kicks: list[tuple[str, TakenWork | None]] = []
        self.answered = 0

    def offer(self) -> LeaseOffer:
        return LeaseOffer("token", 17_000)

    def kick(self, conversation_id: str, taken: TakenWork | None = None) -> None:
        self.kicks.append((conversation_id, taken))

    def answering(self, conversation_id: str, taken: TakenWork | None = None) -> Any:
        self.answered += 1
        raise AssertionError("not reached: the handler failed before the copy")


class Limits:
    def bucket(self, rule: Rule, key: str) -> BucketRef:
        return BucketRef(f"limit:{rule.name}:{key}", rule.burst, rule.per_second)


@pytest.mark.asyncio
async def test_the_lease_goes_to_the_bridge_when_noting_the_address_fails() -> None:
    connections = Connections()
    connections.customers["sid1"] = CustomerSocket("sid1", "s", "u_1", conversation_id="c_1")
    connections.addresses["sid1"] = "203.0.113.7"
    bridge = Bridge()
    unused: Any = None
    namespace = CustomerNamespace(
        settings=Settings.from_env({"TANDEM_SECRET": "x" * 32}),
        sessions=unused,
        connections=connections,
        conversations=Store(),  # type: ignore[arg-type]
        stats=unused,
        desk=unused,
        board=unused,
        bridge=bridge,  # type: ignore[arg-type]
        notify=unused,
        texts=unused,
        limits=Limits(),  # type: ignore[arg-type]
        rule=Rule("messages", burst=5, per_minute=30),
        per_address=SimpleNamespace(messages=None),  # type: ignore[arg-type]
        clock=lambda: 0.0,
    )
    with pytest.raises(RedisConnectionError):
        await namespace.on_user_uttered("sid1", {"message": "hello", "client_msg_id": "m1"})
    assert bridge.kicks == [("c_1", TAKEN)] and bridge.answered == 0
