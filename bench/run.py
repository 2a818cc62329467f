"""Run every benchmark on loopback and write bench/results/latest.json and docs/benchmarks.md.

    .venv/handoff/bin/python -m bench            # the full run (about 40 minutes on 2 cores)
    .venv/handoff/bin/python -m bench --quick    # a smoke run (about 5 minutes)
    .venv/handoff/bin/python -m bench --only relay,idle --profile

Each benchmark starts what it needs (Redis, replicas, the stand-in or the real Rasa, load
generator processes) on free loopback ports and stops it, bounded in time and count. A benchmark
that fails is reported (its figures are ``null``) and the others still run; the command exits 0
whatever the numbers are: benchmarks measure, they never fail a test run.

Outputs: a full run writes ``bench/results/latest.json`` (the figures), ``latest-details.json``
(every sample summary, CPU per process, setup) and regenerates the table in
``docs/benchmarks.md``. ``--quick`` and ``--only`` write ``quick.json`` / ``partial.json`` (with
``-details``) and leave the committed figures and the docs alone, except that a full run of the
cost curve (``--only cost``) rewrites its own section of the docs and its PNGs. ``--label NAME``
also keeps a copy as ``bench/results/NAME.json`` (used for before/after comparisons).
"""

from __future__ import annotations

import argparse
import importlib
import json
import shlex
import shutil
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: python bench/run.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import cost_curve, machine, report  # noqa: E402
from bench.procs import ROOT  # noqa: E402
from bench.profiling import Profiler, render, top  # noqa: E402

RESULTS = ROOT / "bench" / "results"
RUN_DIR = ROOT / "run" / "bench"

# The keys of latest.json, in the order issue 5 lists them (with issue 14's next to their kin).
KEYS = (
    "bot_reply_p50_ms_direct",
    "bot_reply_p50_ms_via_handoff",
    "gateway_overhead_p50_ratio",
    "gateway_overhead_p50_ratio_ci_low",
    "gateway_overhead_p50_ratio_ci_high",
    "gateway_floor_over_direct_p50_ratio",
    "gateway_via_over_floor_p50_ratio",
    "gateway_service_part_p50_ms",
    "gateway_floor_part_p50_ms",
    "bot_turns_per_s_one_rasa",
    "bot_turns_per_s_two_rasa",
    "relay_p99_ms_same_replica",
    "relay_p99_ms_cross_replica",
    "echo_p99_ms",
    "relay_p99_ratio_same",
    "relay_p99_ratio_cross",
    "peer_relay_p50_ratio_same",
    "peer_relay_p99_ratio_same",
    "peer_relay_p50_ratio_cross",
    "peer_relay_p99_ratio_cross",
    "handoff_notify_p99_ms",
    "idle_connections",
    "idle_rss_mb",
    "sustained_customers",
    "sustained_msgs_per_s",
    "sustained_p95_ms",
    "sustained_lost",
    "sustained_duplicated",
    "cost_service_cpu_s_per_1000_msgs_one_replica",
    "cost_redis_cpu_s_per_1000_msgs_one_replica",
    "cost_service_cpu_s_per_1000_msgs_two_replicas",
    "cost_redis_cpu_s_per_1000_msgs_two_replicas",
    "cost_service_marginal_cpu_ms_per_msg_one_replica",
    "cost_redis_marginal_cpu_ms_per_msg_one_replica",
    "cost_service_marginal_cpu_ms_per_msg_two_replicas",
    "cost_redis_marginal_cpu_ms_per_msg_two_replicas",
    "cost_rss_kb_per_connection",
    "cost_knee_msgs_per_s_one_replica",
    "cost_knee_msgs_per_s_two_replicas",
    "train_seconds",
    "intent_macro_f1",
    "assist_p95_ms",
    "assist_request_p95_ms",
)

# name -> module; run in this order (the CPU-heavy Rasa training last).
BENCHMARKS = {
    "relay": "bench.relay",
    "peer": "bench.peer",
    "idle": "bench.idle",
    "sustained": "bench.sustained",
    "cost": "bench.cost_curve",
    "aof": "bench.aof",
    "wait": "bench.wait",
    "assist": "bench.assist",
    "bot": "bench.bot_reply",
    "stages": "bench.gateway_stages",
    "rasa": "bench.rasa_replicas",
    "nlu": "bench.nlu",
    "train": "bench.training",
}


def log(message: str) -> None:
    print(message, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--only", help=f"comma-separated subset of {','.join(BENCHMARKS)}")
    parser.add_argument("--profile", action="store_true", help="sample replicas with py-spy")
    parser.add_argument("--label", help="also keep the figures as bench/results/LABEL.json")
    args = parser.parse_args(argv)
    selected = list(BENCHMARKS)
    if args.only:
        selected = [name.strip() for name in args.only.split(",") if name.strip()]
        unknown = [name for name in selected if name not in BENCHMARKS]
        if unknown:
            parser.error(f"unknown benchmark(s): {', '.join(unknown)}")

    command = "python -m bench" + ("" if argv is None and len(sys.argv) < 2 else " ")
    command = "python -m bench " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    started_at = datetime.now(UTC)
    shutil.rmtree(RUN_DIR, ignore_errors=True)
    RUN_DIR.mkdir(parents=True)
    profiler = Profiler(RUN_DIR / "profiles") if args.profile else None
    figures: dict[str, Any] = dict.fromkeys(KEYS)
    details: dict[str, Any] = {
        "machine": machine.describe(),
        "started_at": started_at.isoformat(timespec="seconds"),
        "command": command.strip(),
        "quick": args.quick,
    }
    log(f"==> benchmarks: {', '.join(selected)}{' (quick)' if args.quick else ''}")
    for name in selected:
        log(f"==> {name}")
        t0 = time.monotonic()
        try:
            module = importlib.import_module(BENCHMARKS[name])
            out = module.run(RUN_DIR / name, quick=args.quick, log=log, profile=profiler)
            figures.update({k: v for k, v in out["figures"].items() if k in figures})
            details[name] = {**out["details"], "seconds": round(time.monotonic() - t0, 1)}
        except Exception as exc:  # a benchmark that breaks is reported; the others still run
            traceback.print_exc()
            details[name] = {"error": f"{type(exc).__name__}: {exc}"}
            log(f"    {name} failed: {exc} (its figures stay null)")
        if profiler is not None:
            profiler.wait()
        log(f"    {name}: {time.monotonic() - t0:.0f} s")
    details["seconds"] = round((datetime.now(UTC) - started_at).total_seconds(), 1)
    if profiler is not None:
        details["profiles"] = {}
        for path in sorted((RUN_DIR / "profiles").glob("*.txt")):
            table = top(path)
            details["profiles"][path.stem] = table
            log(f"--- profile {path.stem}\n{render(table)}")

    stem = "latest" if not args.quick and not args.only else ("quick" if args.quick else "partial")
    RESULTS.mkdir(parents=True, exist_ok=True)
    write_json(RESULTS / f"{stem}.json", figures)
    write_json(RESULTS / f"{stem}-details.json", {"figures": figures, **details})
    if args.label:
        write_json(RESULTS / f"{args.label}.json", {"figures": figures, **details})
    if stem == "latest":
        report.update(ROOT / "docs" / "benchmarks.md", figures, details)
        log("==> wrote bench/results/latest.json and docs/benchmarks.md")
    if not args.quick and "table_md" in details.get("cost", {}):
        # The cost curve has a section (and PNGs under docs/img/) of its own: a run of it alone
        # (``--only cost``) is how it is measured, so it updates that section whatever the stem.
        cost_curve.publish(details["cost"], ROOT / "docs" / "benchmarks.md")
        log("==> wrote the cost curve's section of docs/benchmarks.md and docs/img/cost-curve-*")
    else:
        log(f"==> wrote bench/results/{stem}.json (the committed figures are untouched)")
    log(report.table_text(figures))
    return 0


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n")


if __name__ == "__main__":
    sys.exit(main())
