"""Idle customer websockets held by ONE handoff process, and that process's memory.

Each socket does what a widget does on page load: opens the websocket (offering
``permessage-deflate``, as browsers do), joins ``/``, sends ``session_request`` and waits for
its ``tandem_session``; then it stays open, answering the server's Engine.IO pings. After the
hold (longer than one ping interval), the benchmark counts the sockets still open, checks that
a sample of them still get answers (``tandem_sync``), and reads the process's RSS.
"""

from __future__ import annotations

import asyncio
import random
import time
from pathlib import Path
from typing import Any

from bench.actors import Customer
from bench.procs import CpuMeter, Procs
from bench.workers import WorkerPool

BATCH = 100  # sockets opening at once per worker
COMPRESSION: str | None = "deflate"  # what browsers offer; the server decides


class Worker:
    def __init__(self, index: int) -> None:
        self.index = index
        self.customers: list[Customer] = []

    async def hold(self, url: str, count: int, compression: str | None) -> dict[str, Any]:
        failed = 0
        errors: dict[str, int] = {}
        t0 = time.monotonic()
        for start in range(0, count, BATCH):
            opened = await asyncio.gather(
                *(
                    Customer.open(url, compression=compression)
                    for _ in range(min(BATCH, count - start))
                ),
                return_exceptions=True,
            )
            for result in opened:
                if isinstance(result, BaseException):
                    failed += 1
                    errors[type(result).__name__] = errors.get(type(result).__name__, 0) + 1
                else:
                    self.customers.append(result)
        return {
            "opened": len(self.customers),
            "failed": failed,
            "retries": sum(c.retries for c in self.customers),
            "errors": errors,
            "seconds": round(time.monotonic() - t0, 2),
        }

    async def check(self, sample: int) -> dict[str, Any]:
        alive = [c for c in self.customers if not c.client.closed.is_set()]
        probe = random.Random(self.index).sample(alive, min(sample, len(alive)))
        answers = await asyncio.gather(
            *(c.client.call("tandem_sync", {"after_seq": 0}, timeout=20) for c in probe),
            return_exceptions=True,
        )
        answered = sum(1 for a in answers if isinstance(a, dict) and a.get("ok"))
        return {"alive": len(alive), "probed": len(probe), "answered": answered}

    async def close(self) -> None:
        for start in range(0, len(self.customers), 500):
            await asyncio.gather(
                *(c.close() for c in self.customers[start : start + 500]), return_exceptions=True
            )
        self.customers.clear()


def run(run_dir: Path, *, quick: bool, log: Any, profile: Any = None) -> dict[str, Any]:
    target = 500 if quick else 5000
    hold_seconds = 8.0 if quick else 35.0  # > the 25 s Engine.IO ping interval
    workers = 2
    with Procs(run_dir) as procs:
        redis = procs.redis()
        stub = procs.stub_rasa()
        service = procs.handoff(redis_url=redis.url, rasa_url=stub.url)
        time.sleep(1.0)
        rss_before = service.rss_mb()
        log(f"    one replica up, RSS {rss_before:.1f} MB; opening {target} sockets")
        with WorkerPool(procs, "idle", workers) as pool:
            meter = CpuMeter({"handoff": service.pid, "redis": redis.pid, **pool.pids})
            meter.start()
            share = [target // workers + (1 if i < target % workers else 0) for i in range(workers)]
            held = pool.call_all(
                "hold",
                [{"url": service.url, "count": n, "compression": COMPRESSION} for n in share],
                timeout=600,
            )
            connect_cores = meter.stop()
            opened = sum(h["opened"] for h in held)
            log(
                f"    {opened} open ({sum(h['failed'] for h in held)} failed) in "
                f"{max(h['seconds'] for h in held):.0f} s; holding {hold_seconds:.0f} s"
            )
            meter.start()
            time.sleep(hold_seconds)
            idle_cores = meter.stop()
            rss_held = service.rss_mb()
            checks = pool.call_all("check", {"sample": 50}, timeout=120)
            rss_after = service.rss_mb()
    alive = sum(c["alive"] for c in checks)
    answered = sum(c["answered"] for c in checks)
    probed = sum(c["probed"] for c in checks)
    rss = max(rss_held, rss_after)
    log(
        f"    {alive} sockets still open after the hold, {answered}/{probed} probes answered, "
        f"RSS {rss:.1f} MB"
    )
    return {
        "figures": {
            "idle_connections": alive if answered == probed else None,
            "idle_rss_mb": round(rss, 1),
        },
        "details": {
            "target": target,
            "hold_seconds": hold_seconds,
            "compression": "permessage-deflate (offered by the client, as browsers do)",
            "opened": opened,
            "failed": sum(h["failed"] for h in held),
            "connect_errors": [h["errors"] for h in held],
            "connect_retries": sum(h["retries"] for h in held),
            "alive_after_hold": alive,
            "probes": {"sent": probed, "answered": answered},
            "rss_mb_before": round(rss_before, 1),
            "rss_mb_held": round(rss, 1),
            "kb_per_socket": round((rss - rss_before) * 1024 / max(alive, 1), 1),
            "cpu_cores_while_connecting": connect_cores,
            "cpu_cores_while_idle": idle_cores,
            "loadgen_cpu_cores_max": round(
                max(
                    sum(v for k, v in connect_cores.items() if k.startswith("worker")),
                    sum(v for k, v in idle_cores.items() if k.startswith("worker")),
                ),
                3,
            ),
        },
    }
