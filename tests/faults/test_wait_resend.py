"""With ``TANDEM_REDIS_WAIT_REPLICAS``, a message whose first append was stored but not confirmed
by the replica in time (the client got ``internal``) is resent; the resend is a duplicate, and
the other side must still get it live, not only on a later replay.

A real primary and replica; the replica is frozen (SIGSTOP) so that WAIT times out, then thawed
before the client resends with the same ``client_msg_id``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.faults.chats import received_live, with_a_person
from tests.faults.conftest import BASE_ENV
from tests.handoff.integration.store.test_conversations import replicated
from tests.support.accounts import create_agent
from tests.support.clients import Agent, Customer, login
from tests.support.faults import frozen
from tests.support.handoff_server import HandoffServer
from tests.support.rasa_stub import RasaStub
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.asyncio


def live_to_agent(agent: Agent, conversation_id: str, seq: int) -> Callable[[Any], bool]:
    return lambda p: p["conversation_id"] == conversation_id and p["entry"]["seq"] == seq


async def test_a_resend_after_an_unconfirmed_append_is_relayed_live_both_ways(
    tmp_path: Path,
    rasa: RasaStub,
    open_customer: Callable[..., Any],
    fault_clients: list[Customer | Agent],
) -> None:
    quick = ["--repl-diskless-sync-delay", "0"]  # the first sync at once, not after 5 s
    primary = RedisServer(tmp_path / "primary", extra_args=quick).start()
    replica = RedisServer(
        tmp_path / "replica", extra_args=[*quick, "--replicaof", "127.0.0.1", str(primary.port)]
    ).start()
    env = {**BASE_ENV, "TANDEM_REDIS_WAIT_REPLICAS": "1", "TANDEM_REDIS_WAIT_TIMEOUT_MS": "500"}
    server = HandoffServer(redis_url=primary.url, rasa_url=rasa.url, log_dir=tmp_path, env=env)
    try:
        replicated(replica)
        server.start()
        alice: Customer = await open_customer(server.url)
        username, password = await create_agent(primary.url)
        ana = Agent(server.url, await login(server.url, username, password))
        fault_clients.append(ana)
        await ana.connect()
        cid = await with_a_person(alice, ana)

        with frozen(replica.process):
            lost_ack = await alice.say("are you there?", cmid="m-wait")
        assert lost_ack["error"]["code"] == "internal"  # stored, but not confirmed in time
        resent = await alice.say("are you there?", cmid="m-wait")
        assert resent["ok"] and resent["duplicate"] is True
        live = await ana.wait_for("conversation_message", live_to_agent(ana, cid, resent["seq"]))
        assert live["entry"]["text"] == "are you there?"

        send = {"conversation_id": cid, "text": "yes, here", "client_msg_id": "a-wait"}
        with frozen(replica.process):
            assert (await ana.call("send_message", send))["error"]["code"] == "internal"
        again = await ana.call("send_message", send)
        assert again["ok"] and again["duplicate"] is True
        await alice.wait_for("bot_uttered", lambda p: p["text"] == "yes, here")
        assert received_live(alice, "yes, here")
        # Each side holds the message once (receivers keep one entry per seq).
        assert [e["text"] for e in alice.transcript().values()].count("yes, here") == 1
    finally:
        server.stop()
        replica.stop()
        primary.stop()
