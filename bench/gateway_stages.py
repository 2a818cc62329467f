"""Where a bot turn's time goes: Rasa straight, the least gateway, and the service, side by side.

The real stack (``scripts/stack.py``) plus the floor gateway (``bench.gateway_floor``: two
websocket frames, two Redis round trips and the HTTP call, nothing else), on loopback. In each
phase 50 customers go through ``bench.bot_reply``'s script at the same time, a fifth each:

- ``direct``: Rasa's REST channel, as in ``bench.bot_reply``;
- ``channel``: Rasa's Tandem channel, ``sender`` and ``message`` only, from the same HTTP
  client as ``direct``;
- ``channel_meta``: the same with the body the service sent until 2026-12-02 (``message_id``,
  ``metadata`` with the seq and the customer's id): what metadata costs Rasa;
- ``floor``: through the floor gateway, timed from ``user_uttered`` to the first ``bot_uttered``;
- ``via``: through the handoff service, timed the same way.

So all five meet the same machine at every moment, and the ratios (with paired 95 % bootstrap
intervals over phases and turns, ``bench.stats.ratio_ci``) say what the Tandem channel costs
over Rasa's REST channel, what the floor costs over the channel it calls, and what the service
costs over the floor.

The service runs with ``bench/turn_stamps`` on its ``PYTHONPATH`` and the floor with
``--stamps``: each ``via`` and ``floor`` turn is cut into the same stages (the frame in, the
durable append, the kick of the bot's turn, the HTTP call to Rasa, the commit, the emit, the
frame out) on one clock with the load generator's stamps (see :func:`turn_stages`). The stage
medians, side by side, are the breakdown in docs/benchmarks.md.

Run: ``.venv/handoff/bin/python -m bench --only stages`` (about 5 minutes; ``--quick`` one phase).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from bench import bot_reply
from bench.procs import ROOT, CpuMeter, Procs, free_port, port_open, python
from bench.stats import median, ratio, ratio_ci, summary
from bench.workers import WorkerPool

KINDS = ("direct", "channel", "channel_meta", "floor", "via")
CUSTOMERS_EACH = 10
PHASES = 4
SCRIPT_REPEATS = 2
STAMPS = ROOT / "bench" / "turn_stamps"
# The stages of a turn through a gateway, in order; each is the time between two stamps (ms).
STAGES = (
    "frame in",
    "before the append",
    "append",
    "append to kick",
    "kick to HTTP",
    "HTTP to Rasa",
    "HTTP to commit",
    "commit",
    "emit",
    "frame out",
)


class Worker(bot_reply.Worker):
    async def four_ways(
        self,
        rasa_url: str,
        token: str,
        floor_url: str,
        url: str,
        customers: int,
        rounds: int = 1,
    ) -> dict[str, Any]:
        direct, channel, channel_meta, floor, via = await asyncio.gather(
            self.direct(rasa_url, customers, rounds),
            self.direct(rasa_url, customers, rounds, token=token),
            self.direct(rasa_url, customers, rounds, token=token, like_service=True),
            self.via(floor_url, customers, rounds, stamps=True),
            self.via(url, customers, rounds, stamps=True),
        )
        return {
            "direct": direct,
            "channel": channel,
            "channel_meta": channel_meta,
            "floor": floor,
            "via": via,
        }


def turn_stages(
    turns: Iterable[Sequence[Any]], records: Iterable[dict[str, Any]]
) -> dict[str, list[float]]:
    """Each stage's durations (ms) over the turns the gateway's stamps cover in full.

    ``turns``: the load generator's ``[t0, ack, answer, conversation, seq]``; ``records``: the
    gateway's (``bench/turn_stamps`` in the service, ``--stamps`` of the floor). A turn is
    matched by conversation and seq (handler, append, the call to the bot, commit) and by time
    within its conversation (the kick after the append, the HTTP call inside the call to the
    bot, the store around the commit).
    """
    exact: dict[tuple[str, str, Any], dict[str, Any]] = {}
    timed: dict[tuple[str, Any], list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        if record["stage"] in ("handler", "append", "ask", "commit"):
            exact[(record["stage"], record["conv"], record["seq"])] = record
        else:
            timed[(record["stage"], record["conv"])].append(record)
    stages: dict[str, list[float]] = {name: [] for name in (*STAGES, "ack out", "service")}
    for t0, acked, t1, conversation, seq in turns:
        handler = exact.get(("handler", conversation, seq))
        append = exact.get(("append", conversation, seq))
        ask = exact.get(("ask", conversation, seq))
        commit = exact.get(("commit", conversation, seq))
        if not (handler and append and ask and commit):
            continue
        kick = next(
            (k for k in timed[("kick", conversation)] if append["t1"] <= k["t0"] <= ask["t0"]),
            None,
        )
        http = next(
            (h for h in timed[("http", conversation)] if ask["t0"] <= h["t0"] <= ask["t1"]), None
        )
        stored = next(
            (
                s
                for s in timed[("store_turn", conversation)]
                if s["t0"] <= commit["t0"] and commit["t1"] <= s["t1"]
            ),
            None,
        )
        if kick is None or http is None or stored is None:
            continue
        marks = (
            t0,
            handler["t0"],
            append["t0"],
            append["t1"],
            kick["t0"],
            http["t0"],
            http["t1"],
            commit["t0"],
            commit["t1"],
            stored["t1"],
            t1,
        )
        for name, start, end in zip(STAGES, marks, marks[1:], strict=False):
            stages[name].append((end - start) * 1000)
        stages["ack out"].append((acked - handler["t1"]) * 1000)
        stages["service"].append(((t1 - t0) - (http["t1"] - http["t0"])) * 1000)
    return stages


def read_stamps(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def run(run_dir: Path, *, quick: bool, log: Any, profile: Any = None) -> dict[str, Any]:
    phases_wanted = 1 if quick else PHASES
    repeats = 1 if quick else SCRIPT_REPEATS
    stamps = {"via": run_dir / "service-stamps.jsonl", "floor": run_dir / "floor-stamps.jsonl"}
    for path in stamps.values():
        path.unlink(missing_ok=True)
    stack = bot_reply.real_stack(
        run_dir, log, {"PYTHONPATH": str(STAMPS), "TANDEM_BENCH_STAMPS": str(stamps["via"])}
    )
    by_phase: dict[str, list[list[float]]] = {kind: [] for kind in KINDS}
    turns: dict[str, list[list[Any]]] = {"floor": [], "via": []}
    failures = dict.fromkeys(KINDS, 0)
    records: dict[str, list[dict[str, Any]]] = {}
    stack.start()
    try:
        with Procs(run_dir) as procs:
            port = free_port()
            floor = procs.spawn(
                "floor",
                [python(), "-m", "bench.gateway_floor", "--port", str(port)]
                + ["--redis", f"redis://127.0.0.1:{stack.ports.redis}/1"]
                + ["--rasa", stack.rasa_url, f"--token={stack.bot_token}"]  # it may start with "-"
                + ["--stamps", str(stamps["floor"])],
                ready=lambda: port_open(port),
                port=port,
                url=f"http://127.0.0.1:{port}",
            )
            with WorkerPool(procs, "gateway_stages", 2) as pool:
                pids = {p.name: p.popen.pid for p in stack.processes}
                pids.update(floor=floor.pid, **pool.pids)
                warm = {
                    "rasa_url": stack.rasa_url,
                    "token": stack.bot_token,
                    "floor_url": floor.url,
                    "url": stack.service_url,
                }
                pool.call_all("four_ways", [{**warm, "customers": 1}] * 2, 300)
                share = [CUSTOMERS_EACH // 2 + CUSTOMERS_EACH % 2, CUSTOMERS_EACH // 2]
                for n in range(phases_wanted):
                    meter = CpuMeter(pids)
                    meter.start()
                    args = [{**warm, "customers": c, "rounds": repeats} for c in share]
                    results = pool.call_all("four_ways", args, timeout=600)
                    cores = meter.stop()
                    p50s = {}
                    for kind in KINDS:
                        merged = [x for r in results for x in r[kind]["latencies_ms"]]
                        if kind in turns:
                            turns[kind] += [t for r in results for t in r[kind]["turns"]]
                        by_phase[kind].append(merged)
                        failures[kind] += sum(r[kind]["failures"] for r in results)
                        p50s[kind] = summary(merged)["p50"]
                    loadgen = sum(v for k, v in cores.items() if k.startswith("worker"))
                    log(
                        f"    phase {n + 1}: p50 direct {p50s['direct']} ms, channel "
                        f"{p50s['channel']} ms, with metadata {p50s['channel_meta']} ms, floor "
                        f"{p50s['floor']} ms, via {p50s['via']} ms; rasa {cores.get('rasa')} "
                        f"cores, handoff {cores.get('handoff')}, floor {cores.get('floor')}, "
                        f"load generator {round(loadgen, 3)}"
                    )
            time.sleep(1.5)  # the stamps' writer flushes once a second
            records = {kind: read_stamps(path) for kind, path in stamps.items()}
    finally:
        stack.stop()
    pooled = {kind: summary(x for p in by_phase[kind] for x in p) for kind in KINDS}
    stages = {kind: turn_stages(turns[kind], records[kind]) for kind in ("floor", "via")}
    stage_p50 = {
        kind: {name: median(values) for name, values in by_stage.items()}
        for kind, by_stage in stages.items()
    }
    pairs = {
        "channel/direct": ("channel", "direct"),
        "channel with metadata/channel": ("channel_meta", "channel"),
        "floor/channel with metadata": ("floor", "channel_meta"),
        "floor/direct": ("floor", "direct"),
        "via/floor": ("via", "floor"),
        "via/direct": ("via", "direct"),
    }
    ratios = {
        name: {
            "p50_ratio": ratio(pooled[a]["p50"], pooled[b]["p50"]),
            "p50_ratio_ci": ratio_ci(by_phase[a], by_phase[b], paired=True),
        }
        for name, (a, b) in pairs.items()
    }
    for name, figure in ratios.items():
        log(f"    {name}: p50 ratio {figure['p50_ratio']}, 95 % interval {figure['p50_ratio_ci']}")
    for kind in ("floor", "via"):
        log(
            f"    {kind} stages, p50 ms: "
            + ", ".join(
                f"{name} {round(v, 2) if v is not None else None}"
                for name, v in stage_p50[kind].items()
            )
            + f" ({len(stages[kind]['service'])} of {len(turns[kind])} turns stamped in full)"
        )
    return {
        "figures": {
            "gateway_floor_over_direct_p50_ratio": ratios["floor/direct"]["p50_ratio"],
            "gateway_via_over_floor_p50_ratio": ratios["via/floor"]["p50_ratio"],
            "gateway_service_part_p50_ms": stage_p50["via"]["service"],
            "gateway_floor_part_p50_ms": stage_p50["floor"]["service"],
        },
        "details": {
            "setup": {
                "customers_per_kind": CUSTOMERS_EACH,
                "phases": phases_wanted,
                "script_repeats_per_phase": repeats,
            },
            "latency_ms": pooled,
            "ratios": ratios,
            "failures": failures,
            "stage_p50_ms": stage_p50,
            "stage_summary_ms": {
                kind: {name: summary(values) for name, values in by_stage.items()}
                for kind, by_stage in stages.items()
            },
            "turns_stamped": {kind: len(by_stage["service"]) for kind, by_stage in stages.items()},
        },
    }
