"""What keeping trackers and locks in Redis costs a bot turn inside Rasa, store by store (issue 14).

Loads the trained model once per kind of store in this process and times
``Agent.handle_message`` for the bot benchmark's script, turn by turn, with no HTTP and no
gateway. The kinds alternate conversation by conversation, so the machine's drift falls on all
of them alike:

    memory   Rasa's in-memory tracker and lock stores (nothing shared: one Rasa only)
    rasa     Rasa 3.6's ``RedisTrackerStore`` and ``RedisLockStore``, what the bot used until
             2026-12-03
    log      the event-log tracker store with Rasa's lock store: what the tracker store alone
             saves
    tandem   the bot's stores when ``TANDEM_REDIS_URL`` is set (``bot/stores.py``: an event log
             each turn appends to, a lock drawn and given back in one script each)

It starts its own ``redis-server`` on a free loopback port (as the stack runs it: append-only,
fsync every second) and stops it. ``--repeat N`` plays the script N times in each conversation:
Rasa's store rewrites the whole conversation on every turn, so its cost grows with the length.
Runs in Rasa's environment:

    .venv/bot/bin/python -m bench.rasa_stores --conversations 60 [--repeat 3]

Prints each kind's median per turn (all turns, and the last pass of the script), and
``tandem / rasa``, ``log / rasa``, ``tandem / log`` and ``tandem / memory`` with a 95 %
bootstrap interval over paired groups of ten conversations. A diagnostic, not part of
``make bench``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.procs import Procs
from bench.rasa_metadata import SCRIPT, quiet_rasa
from bench.stats import ratio_ci

KINDS = ("memory", "rasa", "log", "tandem")
MODEL = "models/tandem.tar.gz"
GROUP = 10  # conversations per kind in one bootstrap phase


def stores(kind: str, port: int) -> tuple[Any, Any]:
    from rasa.core.lock_store import InMemoryLockStore, RedisLockStore
    from rasa.core.tracker_store import InMemoryTrackerStore, RedisTrackerStore

    from bot.event_log_store import EventLogTrackerStore
    from bot.stores import KEY_PREFIX, TRACKER_TTL_SECONDS, LockStoreFromEnv, TrackerStoreFromEnv

    if kind == "memory":
        return InMemoryTrackerStore(None), InMemoryLockStore()
    redis = {"host": "127.0.0.1", "port": port, "db": 0}
    if kind == "rasa":  # as bot/stores.py configured them before the event log
        return (
            RedisTrackerStore(None, record_exp=TRACKER_TTL_SECONDS, key_prefix=KEY_PREFIX, **redis),
            RedisLockStore(key_prefix=KEY_PREFIX, **redis),
        )
    if kind == "log":
        return (
            EventLogTrackerStore(None, record_exp=TRACKER_TTL_SECONDS, **redis),
            RedisLockStore(key_prefix=KEY_PREFIX, **redis),
        )
    os.environ["TANDEM_REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    return TrackerStoreFromEnv(), LockStoreFromEnv()


async def measure(conversations: int, repeat: int, port: int) -> dict[str, list[list[float]]]:
    """Each kind's turn times (ms), one list per conversation."""
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    agents = {}
    for kind in KINDS:  # Agent.load gives the tracker store the model's domain
        tracker_store, lock_store = stores(kind, port)
        agents[kind] = Agent.load(MODEL, tracker_store=tracker_store, lock_store=lock_store)

    async def conversation(kind: str, tag: str) -> list[float]:
        agent, sender = agents[kind], f"{kind}-{tag}-{time.time_ns()}"
        turns = []
        for n, text in enumerate(SCRIPT * repeat):
            parse = await agent.parse_message(text)  # as the Tandem channel does, untimed
            message = UserMessage(
                text,
                CollectingOutputChannel(),
                sender,
                input_channel="tandem",
                message_id=f"{sender}:{n + 1}",
                parse_data=parse,
            )
            t0 = time.perf_counter()
            await agent.handle_message(message)
            turns.append((time.perf_counter() - t0) * 1000)
        return turns

    for i in range(3):  # warm-up: each graph's first runs are slow
        for kind in KINDS:
            await conversation(kind, f"warm{i}")
    times: dict[str, list[list[float]]] = {kind: [] for kind in KINDS}
    for i in range(conversations):
        for kind in KINDS if i % 2 == 0 else KINDS[::-1]:
            times[kind].append(await conversation(kind, str(i)))
    return times


def report(times: dict[str, list[list[float]]]) -> None:
    last = len(SCRIPT)
    for kind, conversations in times.items():
        turns = [t for c in conversations for t in c]
        late = [t for c in conversations for t in c[-last:]]
        print(
            f"{kind:7} {len(turns):5} turns  median {statistics.median(turns):6.2f} ms"
            f"  (last {last} turns of each conversation {statistics.median(late):6.2f} ms)"
        )

    def phases(kind: str) -> list[list[float]]:
        conversations = times[kind]
        return [
            [t for c in conversations[i : i + GROUP] for t in c]
            for i in range(0, len(conversations), GROUP)
        ]

    pairs = (("tandem", "rasa"), ("log", "rasa"), ("tandem", "log"), ("tandem", "memory"))
    for top, bottom in pairs:
        low_high = ratio_ci(phases(top), phases(bottom), paired=True)
        pooled = [statistics.median([t for c in times[k] for t in c]) for k in (top, bottom)]
        print(f"{top} / {bottom}: {pooled[0] / pooled[1]:.3f} {list(low_high or ())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=60, help="per kind")
    parser.add_argument("--repeat", type=int, default=1, help="passes of the script")
    args = parser.parse_args()
    if not Path(MODEL).exists():
        raise SystemExit(f"no trained model at {MODEL}: run 'make train'")
    quiet_rasa()
    with tempfile.TemporaryDirectory() as run_dir, Procs(Path(run_dir)) as procs:
        redis = procs.redis()
        times = asyncio.run(measure(args.conversations, args.repeat, redis.port))
    report(times)


if __name__ == "__main__":
    main()
