"""What a message's metadata costs Rasa itself, with no HTTP and no gateway (issue 14).

Loads the trained model in this process and times ``Agent.handle_message`` for the bot
benchmark's script, turn by turn, in three kinds that alternate conversation by conversation:
``plain`` (no message id, no metadata), ``message_id`` (the id alone) and ``metadata`` (the id
and the body's metadata the service sent until 2026-12-02). ``--redis URL`` keeps the trackers
and locks in that Redis (as the product does), otherwise in memory. Runs in Rasa's environment:

    .venv/bot/bin/python -m bench.rasa_metadata --conversations 100 [--redis redis://127.0.0.1:6390]

Prints each kind's median and mean per turn (ms). A diagnostic, not part of ``make bench``.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import logging
import os
import statistics
import time
from pathlib import Path
from typing import Any


def bot_script() -> tuple[str, ...]:
    # bench.bot_reply's SCRIPT, read without importing it: that module needs the handoff
    # environment's packages, and this one runs in Rasa's.
    tree = ast.parse((Path(__file__).parent / "bot_reply.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "SCRIPT":
            return tuple(ast.literal_eval(node.value))
    raise LookupError("bench/bot_reply.py has no SCRIPT")


SCRIPT = bot_script()

KINDS = ("plain", "message_id", "metadata")


def quiet_rasa() -> None:
    """Silence Rasa below warnings, as ``rasa run`` does at its default level.

    Rasa 3.6 logs through structlog, which prints every debug line (a thousand a conversation)
    until ``rasa run`` configures it; printing them would be timed with the turn.
    """
    import structlog

    logging.disable(logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))


async def measure(conversations: int, redis_url: str | None) -> dict[str, list[float]]:
    if redis_url:
        os.environ["TANDEM_REDIS_URL"] = redis_url
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    from bot.stores import LockStoreFromEnv, TrackerStoreFromEnv

    # The product's stores (bot.stores); Agent.load gives the tracker store the model's domain.
    agent = Agent.load(
        "models/tandem.tar.gz", tracker_store=TrackerStoreFromEnv(), lock_store=LockStoreFromEnv()
    )
    times: dict[str, list[float]] = {kind: [] for kind in KINDS}

    async def conversation(kind: str, tag: str) -> list[float]:
        sender = f"{kind}-{tag}-{time.time_ns()}"
        turns = []
        for n, text in enumerate(SCRIPT):
            message_id = f"{sender}:{n + 1}" if kind != "plain" else None
            metadata: Any = {"seq": n + 1, "customer_id": f"cu_{sender}"}
            parse = await agent.parse_message(text)  # as the Tandem channel does, untimed
            message = UserMessage(
                text,
                CollectingOutputChannel(),
                sender,
                input_channel="tandem",
                message_id=message_id,
                metadata=metadata if kind == "metadata" else None,
                parse_data=parse,
            )
            t0 = time.perf_counter()
            await agent.handle_message(message)
            turns.append((time.perf_counter() - t0) * 1000)
        return turns

    for i in range(5):  # warm-up: the graph's first runs are slow
        await conversation("plain", f"warm{i}")
    for i in range(conversations):
        for kind in KINDS if i % 2 == 0 else KINDS[::-1]:
            times[kind] += await conversation(kind, str(i))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=100)
    parser.add_argument("--redis", default=None, help="redis://host:port (default: in memory)")
    args = parser.parse_args()
    quiet_rasa()
    times = asyncio.run(measure(args.conversations, args.redis))
    for kind, turns in times.items():
        print(
            f"{kind:11} {len(turns):5} turns  median {statistics.median(turns):6.2f} ms"
            f"  mean {statistics.mean(turns):6.2f} ms"
        )


if __name__ == "__main__":
    main()
