"""What ``TANDEM_REDIS_WAIT_REPLICAS=1`` costs: appends acknowledged only once a replica holds them.

Setup: a Redis primary and one replica on loopback (``--replicaof``, asynchronous replication
as Redis does it, both with the append-only file as the stack runs it), the stand-in Rasa, and
two handoff replicas on that primary: one as shipped (no WAIT), one with
``TANDEM_REDIS_WAIT_REPLICAS=1`` (the ``APPEND`` script and ``WAIT 1 <timeout>`` in one pipeline,
``docs/reliability.md``, "Redis failover (Sentinel)"). Worker processes hold customers on both;
in each phase only one side's customers send (open loop, exponential gaps), alternating ABBA
(async, wait, wait, async, …) so that a drift of the machine falls on both. What is timed is the
customer's acknowledgement of ``user_uttered`` (sent once the message is stored, and with WAIT,
once the replica confirmed it).

Then, after each phase, the store alone, in pairs: one closed loop per worker calling
``ConversationStore.append`` straight on the primary, alternately without and with WAIT (two
stores, two connections), so that both halves of a pair meet the same machine: on a shared
2-core host the load of other processes moves every figure more than WAIT does, and only a
paired comparison separates the two. Figures: ack p50/p99 per mode over all its phases and
their ratio, every phase's own median, and the paired ``APPEND`` p50s and the median of the
per-pair differences and ratios.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path
from typing import Any

from bench import aof
from bench.actors import Customer
from bench.procs import CpuMeter, Procs
from bench.stats import ratio, summary
from bench.workers import WorkerPool

MODES = ("async", "wait")
WAIT_TIMEOUT_MS = 1000


class Worker(aof.Worker):
    """The AOF benchmark's customers and store loop, on two services (one per mode)."""

    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.by_mode: dict[str, list[Customer]] = {}

    async def setup_modes(self, urls: dict[str, str], customers: int) -> dict[str, Any]:
        for mode, url in urls.items():
            self.by_mode[mode] = [await Customer.open(url) for _ in range(customers)]
        self.customers = [c for group in self.by_mode.values() for c in group]  # all closed
        return {mode: len(group) for mode, group in self.by_mode.items()}

    async def paired(self, redis_url: str, seconds: float) -> dict[str, Any]:
        """``APPEND`` without, then with, WAIT 1, in turn, for ``seconds``: both latencies."""
        import redis.asyncio as aioredis

        from handoff.domain.entries import encode
        from handoff.store.conversations import ConversationStore
        from handoff.store.keys import Keys

        keys = Keys("waitbench:")
        clients = [aioredis.Redis.from_url(redis_url, decode_responses=True) for _ in MODES]
        stores = [
            ConversationStore(
                client,
                keys,
                retention_seconds=3600,
                wait_replicas=1 if mode == "wait" else 0,
                wait_timeout_ms=WAIT_TIMEOUT_MS,
            )
            for client, mode in zip(clients, MODES, strict=True)
        ]
        pairs: list[tuple[float, float]] = []
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        try:
            cids = [
                await store.start(f"u_{self.index:012x}{k:012x}", expected_current="", day_key="d")
                for k, store in enumerate(stores)
            ]
            while loop.time() < end:
                pair = []
                for store, cid in zip(stores, cids, strict=True):
                    fields = encode(author="customer", text=f"paired {next(self._seq)}")
                    started = time.perf_counter()
                    result = await store.append(cid, fields, for_bot=True)
                    if result.status != "ok":
                        raise RuntimeError(f"append refused: {result.status}")
                    pair.append((time.perf_counter() - started) * 1000)
                pairs.append((pair[0], pair[1]))
        finally:
            for client in clients:
                await client.aclose()
        return {"pairs": [(round(a, 4), round(w, 4)) for a, w in pairs]}

    async def run_mode(self, mode: str, seconds: float, rate: float) -> dict[str, Any]:
        everyone = self.customers
        self.customers = self.by_mode[mode]
        try:
            return await self.run(seconds, rate)
        finally:
            self.customers = everyone


def phase_order(rounds: int) -> list[str]:
    """ABBA: async, wait, wait, async, … (each mode first in half the rounds)."""
    order: list[str] = []
    for r in range(rounds):
        order += list(MODES if r % 2 == 0 else reversed(MODES))
    return order


def run(run_dir: Path, *, quick: bool, log: Any, profile: Any = None) -> dict[str, Any]:
    workers = 2
    customers = 25  # per worker and mode
    rate = 2.0  # messages per second per sending customer -> 100/s offered in each phase
    rounds = 2 if quick else 4
    seconds = 8.0 if quick else 15.0
    store_seconds = 4.0 if quick else 8.0
    with Procs(run_dir) as procs:
        primary = procs.redis("redis-primary")
        replica = procs.redis("redis-replica", replica_of=primary)
        stub = procs.stub_rasa()
        services = {
            "async": procs.handoff(redis_url=primary.url, rasa_url=stub.url, name="handoff-async"),
            "wait": procs.handoff(
                redis_url=primary.url,
                rasa_url=stub.url,
                name="handoff-wait",
                env={
                    "TANDEM_REDIS_WAIT_REPLICAS": "1",
                    "TANDEM_REDIS_WAIT_TIMEOUT_MS": str(WAIT_TIMEOUT_MS),
                },
            ),
        }
        log(
            f"    redis primary + replica, stand-in Rasa, two services (async, WAIT 1); "
            f"{workers} workers"
        )
        with WorkerPool(procs, "wait", workers) as pool:
            urls = {mode: service.url for mode, service in services.items()}
            pool.call_all("setup_modes", {"urls": urls, "customers": customers}, timeout=180)
            pids = {
                "handoff-async": services["async"].pid,
                "handoff-wait": services["wait"].pid,
                "redis-primary": primary.pid,
                "redis-replica": replica.pid,
                **pool.pids,
            }
            for mode in MODES:  # warm-up, not counted
                pool.call_all("run_mode", {"mode": mode, "seconds": 2.0, "rate": rate})
            samples: dict[str, list[float]] = {m: [] for m in MODES}
            store_pairs: list[tuple[float, float]] = []
            phases: list[dict[str, Any]] = []
            for index, mode in enumerate(phase_order(rounds)):
                meter = CpuMeter(pids)
                meter.start()
                results = pool.call_all(
                    "run_mode", {"mode": mode, "seconds": seconds, "rate": rate}
                )
                cores = meter.stop()
                merged = [x for res in results for x in res["latencies_ms"]]
                samples[mode] += merged
                phase: dict[str, Any] = {
                    "phase": index + 1,
                    "mode": mode,
                    "sent": sum(r["sent"] for r in results),
                    "errors": sum(r["errors"] for r in results),
                    "ack_ms": summary(merged),
                    "cpu_cores": cores,
                }
                paired = pool.call_all(
                    "paired", {"redis_url": primary.url, "seconds": store_seconds}
                )
                pairs = [tuple(p) for res in paired for p in res["pairs"]]
                store_pairs += pairs
                phase["append_pairs"] = len(pairs)
                phase["append_ms"] = {
                    "async_p50": summary([a for a, _ in pairs])["p50"],
                    "wait_p50": summary([w for _, w in pairs])["p50"],
                }
                phases.append(phase)
                log(
                    f"    phase {index + 1} {mode:5}: ack p50 {phase['ack_ms']['p50']} ms, "
                    f"p99 {phase['ack_ms']['p99']} ms, {phase['sent']} sent, "
                    f"{phase['errors']} errors; APPEND alone p50 async / WAIT 1 "
                    f"{phase['append_ms']['async_p50']} / {phase['append_ms']['wait_p50']} ms"
                )
    plain, waited = summary(samples["async"]), summary(samples["wait"])
    store_plain = summary([a for a, _ in store_pairs])
    store_waited = summary([w for _, w in store_pairs])
    differences = [w - a for a, w in store_pairs]
    pair_ratios = [w / a for a, w in store_pairs if a > 0]
    extra_ms = round(statistics.median(differences), 4) if differences else None
    pair_ratio = round(statistics.median(pair_ratios), 3) if pair_ratios else None
    medians = {m: [ph["ack_ms"]["p50"] for ph in phases if ph["mode"] == m] for m in MODES}
    p50_ratio, p99_ratio = ratio(waited["p50"], plain["p50"]), ratio(waited["p99"], plain["p99"])
    log(
        f"    ack p50 async {plain['p50']} ms, WAIT 1 {waited['p50']} ms (ratio {p50_ratio}); "
        f"p99 {plain['p99']} / {waited['p99']} ms (ratio {p99_ratio})"
    )
    log(
        f"    APPEND alone, {len(store_pairs)} pairs: p50 async {store_plain['p50']} ms, WAIT 1 "
        f"{store_waited['p50']} ms; per pair, median extra {extra_ms} ms, ratio {pair_ratio}"
    )
    return {
        "figures": {},
        "details": {
            "setup": {
                "workers": workers,
                "customers_per_mode": workers * customers,
                "rate_per_customer_per_s": rate,
                "offered_msgs_per_s": workers * customers * rate,
                "rounds": rounds,
                "seconds_per_phase": seconds,
                "order": phase_order(rounds),
                "wait_timeout_ms": WAIT_TIMEOUT_MS,
            },
            "async_ack_ms": plain,
            "wait_ack_ms": waited,
            "ack_p50_ratio": p50_ratio,
            "ack_p99_ratio": p99_ratio,
            "store": {
                "pairs": len(store_pairs),
                "seconds_per_phase": store_seconds,
                "async_append_ms": store_plain,
                "wait_append_ms": store_waited,
                "append_p50_ratio": ratio(store_waited["p50"], store_plain["p50"]),
                "pair_median_extra_ms": extra_ms,
                "pair_median_ratio": pair_ratio,
            },
            "phase_p50_ms": medians,
            "phase_p50_median_ms": {
                m: round(statistics.median(v), 3) if v and None not in v else None
                for m, v in medians.items()
            },
            "errors": sum(ph["errors"] for ph in phases),
            "phases": phases,
        },
    }
