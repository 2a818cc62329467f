"""Alternating load phases: every target in turn, round after round, in one run.

Ratios between targets are only meaningful when the targets share the machine's moods, so each
round runs every target once, in order, and the samples of all rounds are pooled per target.
Used by the relay and peer benchmarks, whose workers answer ``run(target, seconds, rate)``.

Example::

    samples, phases = run_phases(pool, pids, ("echo", "same"), rounds=3, seconds=10, rate=10,
                                 log=print)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bench.procs import CpuMeter
from bench.stats import summary
from bench.workers import WorkerPool


def run_phases(
    pool: WorkerPool,
    pids: dict[str, int],
    targets: Sequence[str],
    *,
    rounds: int,
    seconds: float,
    rate: float,
    log: Any,
    before: Callable[[int, str], None] | None = None,
) -> tuple[dict[str, list[float]], list[dict[str, Any]]]:
    """Pooled latency samples per target, and one record per phase (CPU, sent, lost, errors).

    ``before(round_index, target)`` runs just before a phase starts (e.g. to start a profiler).
    """
    samples: dict[str, list[float]] = {t: [] for t in targets}
    phases: list[dict[str, Any]] = []
    width = max(len(t) for t in targets)
    for r in range(rounds):
        for target in targets:
            meter = CpuMeter(pids)
            meter.start()
            if before is not None:
                before(r, target)
            results = pool.call_all("run", {"target": target, "seconds": seconds, "rate": rate})
            cores = meter.stop()
            merged = [x for res in results for x in res["latencies_ms"]]
            samples[target] += merged
            phase = {
                "round": r + 1,
                "target": target,
                "sent": sum(x["sent"] for x in results),
                "lost": sum(x["lost"] for x in results),
                "errors": sum(x["errors"] for x in results),
                "latency_ms": summary(merged),
                "cpu_cores": cores,
                "wall_s": round(meter.seconds, 3),
                "loadgen_cpu_cores": round(
                    sum(v for k, v in cores.items() if k.startswith("worker")), 3
                ),
            }
            phases.append(phase)
            log(
                f"    round {r + 1} {target:{width}}: p50 {phase['latency_ms']['p50']} ms, "
                f"p99 {phase['latency_ms']['p99']} ms, {phase['sent']} sent, "
                f"lost {phase['lost']}, load generator {phase['loadgen_cpu_cores']} cores"
            )
    return samples, phases
