"""What one awaited redis-py command costs the service's own process (a diagnostic, not in
``make bench``): CPU and wall time per ``EVALSHA`` of a one-line script, and per pipeline of one,
on uvloop as the service runs, against its own ``redis-server`` on loopback.

The relay's analysis in docs/benchmarks.md uses it: how much of a relayed message's CPU its two
Redis round trips take on the client's side.

Example::

    .venv/handoff/bin/python -m bench.redis_client --commands 20000 --rounds 5
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path

import redis
import redis.asyncio as aioredis
import uvloop

from bench.procs import Procs

SCRIPT = "return redis.call('INCR', KEYS[1])"


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def measure(port: int, commands: int, rounds: int) -> dict[str, list[tuple[float, float]]]:
    """Per round and kind: (wall µs, CPU µs) per command."""
    client = aioredis.Redis(host="127.0.0.1", port=port)
    sha = await client.script_load(SCRIPT)

    async def evalsha() -> None:
        await client.evalsha(sha, 1, "n")

    async def pipeline() -> None:
        async with client.pipeline(transaction=False) as pipe:
            pipe.evalsha(sha, 1, "n")
            await pipe.execute()

    kinds = {"evalsha": evalsha, "pipeline of one": pipeline}
    for call in kinds.values():  # warm-up: connection, script cache
        for _ in range(500):
            await call()
    results: dict[str, list[tuple[float, float]]] = {kind: [] for kind in kinds}
    for _ in range(rounds):
        for kind, call in kinds.items():  # alternating, so drift meets both
            wall, cpu = time.perf_counter(), cpu_seconds()
            for _ in range(commands):
                await call()
            results[kind].append(
                (
                    1e6 * (time.perf_counter() - wall) / commands,
                    1e6 * (cpu_seconds() - cpu) / commands,
                )
            )
    await client.aclose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commands", type=int, default=20_000, help="per round and kind")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as run_dir, Procs(Path(run_dir)) as procs:
        server = procs.redis()
        results = uvloop.run(measure(server.port, args.commands, args.rounds))
    print(f"redis-py {redis.__version__}, uvloop, one client, commands one after another")
    for kind, rounds in results.items():
        wall = statistics.median(w for w, _ in rounds)
        cpu = statistics.median(c for _, c in rounds)
        print(f"  {kind:16} median of {len(rounds)} rounds: {wall:.1f} µs wall, {cpu:.1f} µs CPU")


if __name__ == "__main__":
    main()
