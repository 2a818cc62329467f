"""Stamps the stages of each bot turn inside the handoff service, for ``bench.gateway_stages``.

Not part of the product: the benchmark puts this directory on the service's ``PYTHONPATH``,
and Python imports ``sitecustomize`` at start-up. With ``TANDEM_BENCH_STAMPS=<file>`` set, it
wraps seven methods on the bot's path (the customer's handler, the durable append, the bridge's
kick, the call to the bot and its HTTP request, the commit, and the store-and-emit of the
answer around it) and records when each began
and ended, on ``time.perf_counter`` (CLOCK_MONOTONIC on Linux: one clock for every process of
the machine, so the load generator's stamps line up with these). A thread writes the records to
the file as JSON lines once a second: the event loop only appends to a list.

Without the variable it does nothing.
"""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Any

OUT = os.environ.get("TANDEM_BENCH_STAMPS")


def _install(out: str) -> None:
    import handoff.edges.customer_ns as customer_ns
    import handoff.services.bot_client as bot_client
    import handoff.services.bridge as bridge
    import handoff.store.conversations as conversations

    now = time.perf_counter
    records: list[dict[str, Any]] = []

    def write() -> None:
        with open(out, "a", encoding="utf-8") as file:
            while True:
                time.sleep(1.0)
                taken = records[:]
                del records[: len(taken)]
                file.writelines(json.dumps(r) + "\n" for r in taken)
                file.flush()

    threading.Thread(target=write, name="turn-stamps", daemon=True).start()

    handler = customer_ns.CustomerNamespace.on_user_uttered

    async def on_user_uttered(self: Any, sid: str, data: Any) -> Any:
        t0 = now()
        ack = await handler(self, sid, data)
        records.append(
            {
                "stage": "handler",
                "conv": ack.get("conversation_id"),
                "seq": ack.get("seq"),
                "t0": t0,
                "t1": now(),
            }
        )
        return ack

    append = conversations.ConversationStore.append

    async def store_append(self: Any, conversation_id: str, fields: Any, *a: Any, **k: Any) -> Any:
        t0 = now()
        result = await append(self, conversation_id, fields, *a, **k)
        if k.get("for_bot"):
            records.append(
                {
                    "stage": "append",
                    "conv": conversation_id,
                    "seq": result.seq,
                    "t0": t0,
                    "t1": now(),
                }
            )
        return result

    kick = bridge.BotBridge.kick

    def bridge_kick(self: Any, conversation_id: str, taken: Any = None) -> None:
        t = now()
        records.append({"stage": "kick", "conv": conversation_id, "t0": t, "t1": t})
        kick(self, conversation_id, taken)

    ask = bridge.BotBridge._ask_bot

    async def ask_bot(self: Any, conversation: Any, message: Any, **k: Any) -> Any:
        t0 = now()
        turn = await ask(self, conversation, message, **k)
        records.append(
            {
                "stage": "ask",
                "conv": conversation["id"],
                "seq": int(message["seq"]),
                "t0": t0,
                "t1": now(),
            }
        )
        return turn

    post = bot_client.BotClient._post_to

    async def post_to(self: Any, url: str, body: Any, left: float) -> Any:
        t0 = now()
        answer = await post(self, url, body, left)
        records.append({"stage": "http", "conv": body.get("sender"), "t0": t0, "t1": now()})
        return answer

    commit = conversations.ConversationStore.commit_bot_turn

    async def commit_bot_turn(self: Any, conversation_id: str, **k: Any) -> Any:
        t0 = now()
        committed = await commit(self, conversation_id, **k)
        records.append(
            {
                "stage": "commit",
                "conv": conversation_id,
                "seq": k.get("processed_seq"),
                "t0": t0,
                "t1": now(),
            }
        )
        return committed

    store_turn = bridge.BotBridge._store_turn

    async def bridge_store_turn(self: Any, conversation: Any, *a: Any, **k: Any) -> Any:
        t0 = now()
        committed = await store_turn(self, conversation, *a, **k)
        records.append({"stage": "store_turn", "conv": conversation["id"], "t0": t0, "t1": now()})
        return committed

    customer_ns.CustomerNamespace.on_user_uttered = on_user_uttered
    conversations.ConversationStore.append = store_append
    bridge.BotBridge.kick = bridge_kick
    bridge.BotBridge._ask_bot = ask_bot
    bot_client.BotClient._post_to = post_to
    conversations.ConversationStore.commit_bot_turn = commit_bot_turn
    bridge.BotBridge._store_turn = bridge_store_turn


if OUT:
    _install(OUT)
