"""The service's own part of a bot turn, two versions side by side (a diagnostic, not in
``make bench``).

The bot benchmark's ratio (``bench.bot_reply``) divides the service's few milliseconds by a
Rasa turn of 17-40 ms that drifts by more than that from phase to phase, so a change of 0.2 ms
in the service cannot be seen there in a run of reasonable length. Here the stand-in Rasa
(``bench.stub_rasa``) answers at once, so a turn is the service's part plus a loopback HTTP
call, and two versions run **at the same time**: one replica of each on the same Redis and the
same stand-in, each with its own customers, so both meet every moment of the machine. Each
customer sends a message, times it until the bot's answer (``user_uttered`` → first
``bot_uttered``), "reads" for a random 50-150 ms and sends the next: like the bot benchmark,
a mostly idle loop, not a saturated one.

Every phase starts fresh replicas (the start order alternates). The figure is the ratio of the
p50s, B over A, with a paired 95 % interval (``bench.stats.ratio_ci``), and the difference of
the p50s in milliseconds: what B saves or costs per turn, on a quiet machine.

``source`` is a checkout of each version: the working tree, or another commit's worktree with
``.venv`` linked in (``git worktree add /tmp/base HEAD``).

Example::

    .venv/handoff/bin/python -m bench.turn_ab /tmp/base . --phases 6 --turns 150
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import time
from pathlib import Path
from typing import Any

from bench.procs import ROOT, Procs
from bench.round_trips import Talkers
from bench.stats import median, ratio, ratio_ci, summary

CUSTOMERS = 10
READING = (0.05, 0.15)  # seconds between a customer's answer and their next message


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def timed_turns(talkers: Talkers, per_customer: int, tag: str) -> list[float]:
    """Each customer's ``per_customer`` turns, timed in ms (only answered ones)."""

    async def talk(i: int) -> list[float]:
        times: list[float] = []
        person, answers = talkers.people[i], talkers.answers[i]
        for n in range(per_customer):
            await asyncio.sleep(random.uniform(*READING))
            t0 = time.perf_counter()
            ack = await person.say(f"hello {n}", f"{tag}-{i}-{n}", timeout=30)
            if ack.get("ok"):
                await asyncio.wait_for(answers.get(), 30)
                times.append((time.perf_counter() - t0) * 1000)
        return times

    runs = await asyncio.gather(*(talk(i) for i in range(len(talkers.people))))
    return [t for run in runs for t in run]


def phase(
    procs: Procs, redis_url: str, rasa_url: str, sources: list[Path], turns: int, index: int
) -> list[list[float]]:
    """One phase: a fresh replica of each version, their customers all at once."""
    order = sources if index % 2 == 0 else list(reversed(sources))
    replicas = {
        source: procs.handoff(
            redis_url=redis_url, rasa_url=rasa_url, name=f"handoff-{i}-{index}", source=source
        )
        for i, source in enumerate(order)
    }
    try:

        async def run() -> list[list[float]]:
            groups = [await Talkers.open(replicas[s].url, CUSTOMERS) for s in sources]
            try:
                for g in groups:
                    await g.turns(1, f"warm{index}")
                return list(
                    await asyncio.gather(
                        *(timed_turns(g, turns, f"p{index}k{k}") for k, g in enumerate(groups))
                    )
                )
            finally:
                for g in groups:
                    await g.close()

        return asyncio.run(run())
    finally:
        for proc in replicas.values():
            procs.stop(proc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sources", nargs=2, type=Path, help="checkouts A and B")
    parser.add_argument("--turns", type=int, default=150, help="turns per customer per phase")
    parser.add_argument("--phases", type=int, default=6)
    parser.add_argument("--out", type=Path, default=ROOT / "run" / "turn-ab")
    args = parser.parse_args()
    sources = [s.resolve() for s in args.sources]
    samples: list[list[list[float]]] = [[], []]  # per version, per phase
    cpu0 = cpu_seconds()
    started = time.monotonic()
    with Procs(args.out) as procs:
        redis_proc = procs.redis()
        rasa = procs.stub_rasa()
        for index in range(args.phases):
            a, b = phase(procs, redis_proc.url, rasa.url, sources, args.turns, index)
            samples[0].append(a)
            samples[1].append(b)
            print(
                f"phase {index + 1}: p50 A {median(a):.3f} ms, B {median(b):.3f} ms "
                f"({len(a)} + {len(b)} turns)",
                flush=True,
            )
    load_cpu = (cpu_seconds() - cpu0) / (time.monotonic() - started)
    pooled = [[t for p in side for t in p] for side in samples]
    p50_a, p50_b = median(pooled[0]), median(pooled[1])
    result: dict[str, Any] = {
        "a": str(sources[0]),
        "b": str(sources[1]),
        "a_summary": summary(pooled[0]),
        "b_summary": summary(pooled[1]),
        "b_over_a_p50": ratio(p50_b, p50_a),
        "b_over_a_p50_ci": ratio_ci(samples[1], samples[0], paired=True),
        "b_minus_a_p50_ms": None if p50_a is None or p50_b is None else round(p50_b - p50_a, 3),
        "phase_p50_ms": [[median(p) for p in side] for side in samples],
        "load_generator_cores": round(load_cpu, 3),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "result.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
