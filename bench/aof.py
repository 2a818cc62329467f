"""What ``appendfsync always`` costs against ``everysec``, on the path every customer message takes.

Setup: one Redis with the append-only file on (as ``scripts/stack.py`` runs it), the stand-in
Rasa, one handoff replica. Worker processes hold ``customers`` customers each, talking to the
bot; each customer sends open loop (exponential gaps, ``rate`` messages per second). What is
timed is the customer's acknowledgement: the ack of ``user_uttered`` is sent only after the
``APPEND`` script has stored the message, so with ``always`` it includes the fsync of the AOF
(Redis fsyncs once per event-loop turn, before answering the clients of that turn). The bot's
answers are written too (lease, commit), as in production, so the AOF carries the real mix.

The two policies are switched on the same Redis, the same data directory and the same sockets
with ``CONFIG SET appendfsync`` between phases, in ABBA order (everysec, always, always,
everysec, …) so that a drift of the machine during the run falls on both. Figures: the ack p50
and p99 of each policy over all its phases, their ratios, and every phase's own median.

Then, in each phase, the store alone: ``workers × writers`` closed loops calling
``ConversationStore.append`` (the ``APPEND`` script) straight on Redis, no sockets, no bot,
so the fsync is most of what is left to time.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import statistics
import time
from pathlib import Path
from typing import Any

from bench.actors import Customer
from bench.procs import CpuMeter, Procs
from bench.stats import ratio, summary
from bench.workers import WorkerPool

POLICIES = ("everysec", "always")


class Worker:
    def __init__(self, index: int) -> None:
        self.index = index
        self.customers: list[Customer] = []
        self._seq = itertools.count(1)

    async def setup(self, url: str, customers: int) -> dict[str, Any]:
        self.customers = [await Customer.open(url) for _ in range(customers)]
        return {"customers": len(self.customers)}

    async def run(self, seconds: float, rate: float) -> dict[str, Any]:
        latencies: list[float] = []
        errors = 0
        pending: list[asyncio.Future[Any]] = []
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds

        def timed(started: float) -> Any:
            def done(ack: asyncio.Future[Any]) -> None:
                nonlocal errors
                if ack.cancelled() or ack.exception() or not (ack.result() or {}).get("ok"):
                    errors += 1
                    return
                latencies.append((time.perf_counter() - started) * 1000)

            return done

        async def sender(k: int, customer: Customer) -> int:
            rng = random.Random(f"{self.index}-{k}-{next(self._seq)}")
            count = 0
            await asyncio.sleep(rng.random() / rate)
            while loop.time() < end:
                cmid = f"w{self.index}c{k}m{next(self._seq)}"
                ack = customer.client.call_nowait(
                    "user_uttered", {"message": f"aof {cmid}", "client_msg_id": cmid}
                )
                ack.add_done_callback(timed(time.perf_counter()))
                pending.append(ack)
                count += 1
                await asyncio.sleep(min(rng.expovariate(rate), max(0.0, end - loop.time())))
            return count

        counts = await asyncio.gather(*(sender(k, c) for k, c in enumerate(self.customers)))
        if pending:
            await asyncio.wait(pending, timeout=15)
        unanswered = sum(1 for ack in pending if not ack.done())
        return {
            "sent": sum(counts),
            "errors": errors + unanswered,
            "latencies_ms": [round(x, 4) for x in latencies],
        }

    async def store(self, redis_url: str, seconds: float, concurrency: int) -> dict[str, Any]:
        """The message store alone: ``APPEND`` (the script every message runs) in closed loops."""
        import redis.asyncio as aioredis

        from handoff.domain.entries import encode
        from handoff.store.conversations import ConversationStore
        from handoff.store.keys import Keys

        client = aioredis.Redis.from_url(redis_url, decode_responses=True)
        keys = Keys("aofbench:")
        store = ConversationStore(client, keys, retention_seconds=3600)
        latencies: list[float] = []
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds

        async def writer(k: int) -> None:
            customer = f"u_{self.index:012x}{k:012x}"
            cid = await store.start(customer, expected_current="", day_key=keys.stats_day("d"))
            while loop.time() < end:
                started = time.perf_counter()
                fields = encode(author="customer", text=f"store {next(self._seq)}")
                result = await store.append(cid, fields, for_bot=True)
                if result.status != "ok":
                    raise RuntimeError(f"append refused: {result.status}")
                latencies.append((time.perf_counter() - started) * 1000)

        try:
            await asyncio.gather(*(writer(k) for k in range(concurrency)))
        finally:
            await client.aclose()
        return {"appends": len(latencies), "latencies_ms": [round(x, 4) for x in latencies]}

    async def close(self) -> None:
        await asyncio.gather(*(c.close() for c in self.customers), return_exceptions=True)


def set_policy(redis_url: str, policy: str) -> str:
    import redis

    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        client.config_set("appendfsync", policy)
        value = client.config_get("appendfsync")["appendfsync"]
    finally:
        client.close()
    if value != policy:
        raise RuntimeError(f"Redis kept appendfsync {value!r}, not {policy!r}")
    return str(value)


def phase_order(rounds: int) -> list[str]:
    """ABBA: everysec, always, always, everysec, … (each policy first in half the rounds)."""
    order: list[str] = []
    for r in range(rounds):
        order += list(POLICIES if r % 2 == 0 else reversed(POLICIES))
    return order


def run(run_dir: Path, *, quick: bool, log: Any, profile: Any = None) -> dict[str, Any]:
    workers = 2
    customers = 25  # per worker
    rate = 2.0  # messages per second per customer -> 100/s offered
    rounds = 2 if quick else 4
    seconds = 8.0 if quick else 15.0
    store_seconds = 4.0 if quick else 8.0
    writers = 1  # closed-loop APPEND writers per worker: each append waits for its own fsync
    with Procs(run_dir) as procs:
        redis = procs.redis()
        stub = procs.stub_rasa()
        service = procs.handoff(redis_url=redis.url, rasa_url=stub.url, name="handoff")
        log(f"    redis (AOF on), stand-in Rasa, one replica up; {workers} workers")
        with WorkerPool(procs, "aof", workers) as pool:
            pool.call_all("setup", {"url": service.url, "customers": customers}, timeout=120)
            pids = {"handoff": service.pid, "redis": redis.pid, **pool.pids}
            set_policy(redis.url, "everysec")
            pool.call_all("run", {"seconds": 3.0, "rate": rate})  # warm-up, not counted
            samples: dict[str, list[float]] = {p: [] for p in POLICIES}
            store_samples: dict[str, list[float]] = {p: [] for p in POLICIES}
            phases: list[dict[str, Any]] = []
            for index, policy in enumerate(phase_order(rounds)):
                set_policy(redis.url, policy)
                meter = CpuMeter(pids)
                meter.start()
                results = pool.call_all("run", {"seconds": seconds, "rate": rate})
                cores = meter.stop()
                merged = [x for res in results for x in res["latencies_ms"]]
                samples[policy] += merged
                phase = {
                    "phase": index + 1,
                    "appendfsync": policy,
                    "sent": sum(r["sent"] for r in results),
                    "errors": sum(r["errors"] for r in results),
                    "ack_ms": summary(merged),
                    "cpu_cores": cores,
                }
                stored = pool.call_all(
                    "store",
                    {"redis_url": redis.url, "seconds": store_seconds, "concurrency": writers},
                )
                appends = [x for res in stored for x in res["latencies_ms"]]
                store_samples[policy] += appends
                phase["append_ms"] = summary(appends)
                phase["appends_per_s"] = round(len(appends) / store_seconds, 1)
                phases.append(phase)
                log(
                    f"    phase {index + 1} {policy:8}: ack p50 {phase['ack_ms']['p50']} ms, "
                    f"p99 {phase['ack_ms']['p99']} ms, {phase['sent']} sent, "
                    f"{phase['errors']} errors, redis {cores.get('redis', 0):.2f} cores; "
                    f"APPEND alone p50 {phase['append_ms']['p50']} ms, "
                    f"{phase['appends_per_s']}/s"
                )
            set_policy(redis.url, "everysec")
    everysec, always = summary(samples["everysec"]), summary(samples["always"])
    medians = {
        p: [ph["ack_ms"]["p50"] for ph in phases if ph["appendfsync"] == p] for p in POLICIES
    }
    p50_ratio = ratio(always["p50"], everysec["p50"])
    store_everysec = summary(store_samples["everysec"])
    store_always = summary(store_samples["always"])
    store_ratio = ratio(store_always["p50"], store_everysec["p50"])
    log(
        f"    APPEND alone p50 everysec {store_everysec['p50']} ms, always {store_always['p50']} "
        f"ms (ratio {store_ratio})"
    )
    p99_ratio = ratio(always["p99"], everysec["p99"])
    log(
        f"    ack p50 everysec {everysec['p50']} ms, always {always['p50']} ms (ratio {p50_ratio});"
        f" p99 {everysec['p99']} / {always['p99']} ms (ratio {p99_ratio})"
    )
    return {
        "figures": {},
        "details": {
            "setup": {
                "workers": workers,
                "customers": workers * customers,
                "rate_per_customer_per_s": rate,
                "offered_msgs_per_s": workers * customers * rate,
                "rounds": rounds,
                "seconds_per_phase": seconds,
                "order": phase_order(rounds),
            },
            "everysec_ack_ms": everysec,
            "always_ack_ms": always,
            "ack_p50_ratio": p50_ratio,
            "ack_p99_ratio": p99_ratio,
            "store": {
                "writers": workers * writers,
                "seconds_per_phase": store_seconds,
                "everysec_append_ms": store_everysec,
                "always_append_ms": store_always,
                "append_p50_ratio": store_ratio,
                "append_p99_ratio": ratio(store_always["p99"], store_everysec["p99"]),
            },
            "phase_p50_ms": medians,
            "phase_p50_median_ms": {
                p: round(statistics.median(v), 3) if v and None not in v else None
                for p, v in medians.items()
            },
            "errors": sum(ph["errors"] for ph in phases),
            "phases": phases,
        },
    }
