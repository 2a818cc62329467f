"""Bot reply latency straight to Rasa's REST channel vs through the handoff service.

The real stack (``scripts/stack.py``: Redis, the action server, Rasa with the shipped model, the
handoff service) runs on loopback. 50 customers talk at once, each going through the same short
conversation (FAQ questions, no handoff), waiting for each answer and then "reading" for a
random 2-5 s before the next message. The same script is sent in three ways, in alternating
phases (direct, channel, via, via, channel, direct) so all see the same machine:

- direct: ``POST {rasa}/webhooks/rest/webhook`` (Rasa's standard REST channel), timed until the
  response (every message of the turn) arrives;
- channel (a breakdown, not a figure): ``POST {rasa}/webhooks/tandem/message``, the channel the
  service calls, timed the same way;
- via handoff: ``user_uttered`` on the customer namespace of the service, timed until the first
  ``bot_uttered`` of the bot's answer arrives (a turn's messages are stored together and
  emitted back to back).

Every phase uses new senders / new sessions, so no conversation carries over.

``TANDEM_BENCH_PIN_RASA=1`` pins Rasa and its action server to the last core and everything
else (the service, Redis, the load generator) to the others, as a deployment would give Rasa
cores of its own: it separates the gateway's cost from the scheduling of a shared machine.

Then, side by side (a breakdown of the same figure that the machine's drift cannot bend): in
each of further phases half the customers go straight to Rasa and half through the service at
the same time, so both kinds share every moment of the machine.

The figure is the ratio of the pooled p50s, via / direct, of the side-by-side phases (of the
alternating ones when there are none), with a 95 % bootstrap interval over phases and turns
(``bench.stats.ratio_ci``; paired for the side-by-side phases, whose two kinds shared every
moment): the goal (<= 1.05) counts as met only when the interval's upper bound is under it.
A full run has two alternating rounds (6 phases) and 10 side-by-side phases, each customer going
through the script twice per phase: about 1,200 turns per kind alternating, 3,000 side by side.
"""

from __future__ import annotations

import asyncio
import importlib.util
import itertools
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.actors import Customer
from bench.procs import BENCH_LIMITS, ROOT, CpuMeter, Procs
from bench.stats import ratio, ratio_ci, summary
from bench.workers import WorkerPool

SCRIPT = (
    "hi",
    "how long does shipping take?",
    "which payment methods do you accept?",
    "do you ship internationally?",
    "what is your return policy",
    "what are your opening hours?",
)
# Seconds a customer reads and types before the next message. People in a support chat take
# several seconds; with 0.5-1.5 s the 50 customers offered Rasa more turns than it can serve on
# 2 cores (its p95 reached seconds), and the figure measured Rasa's queue, not the gateway.
THINK = (2.0, 5.0)
CUSTOMERS = 50
# A full run: rounds of (direct, channel, via) in alternating order, side-by-side phases, and
# how many times each customer goes through the script per phase. With four alternating rounds
# on a shared machine (2,400 turns a kind) the interval was still 62 % wide: the phases drift
# more than turns scatter, and only phases that hold both kinds take the drift out. Four
# side-by-side phases left the paired interval about +-0.03 wide (1.067 [1.034, 1.094]), as
# wide as the gap to the goal; its width falls with the square root of the phases.
ROUNDS = 2
SIDE_BY_SIDE_PHASES = 10
SCRIPT_REPEATS = 2


def pin_rasa(pids: dict[str, int]) -> str:
    """Rasa and the action server on the last core, the other processes on the rest (every
    thread of each: ``taskset -a``); what was pinned where, for the log."""
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        return "not pinned: one core"
    bot, rest = cores[-1:], cores[:-1]
    placed = []
    for name, pid in pids.items():
        target = bot if name in ("rasa", "actions") else rest
        listed = ",".join(map(str, target))
        subprocess.run(["taskset", "-a", "-cp", listed, str(pid)], check=True, capture_output=True)
        placed.append(f"{name} on {listed}")
    return ", ".join(placed)


# How long ``--profile`` samples the service in the last ``via`` phase (a quick run's phase and
# the side-by-side one after it take about 40 s together).
PROFILE_SECONDS = float(os.environ.get("TANDEM_BENCH_PROFILE_SECONDS", "8"))


class Worker:
    def __init__(self, index: int) -> None:
        self.index = index
        self.phase = itertools.count(1)

    async def direct(
        self,
        rasa_url: str,
        customers: int,
        rounds: int = 1,
        token: str = "",
        like_service: bool = False,
    ) -> dict[str, Any]:
        """Straight to Rasa: its REST channel, or (with ``token``) the Tandem channel itself;
        ``like_service``: with the body the service sent until 2026-12-02 (``message_id``, and
        ``metadata`` with the seq and the customer's id), to measure what metadata costs Rasa."""
        import httpx

        phase = next(self.phase)
        latencies: list[float] = []
        failures = 0
        limits = httpx.Limits(max_connections=customers, max_keepalive_connections=customers)
        path = "/webhooks/tandem/message" if token else "/webhooks/rest/webhook"
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with httpx.AsyncClient(
            base_url=rasa_url, timeout=60, limits=limits, headers=headers
        ) as http:

            async def customer(i: int) -> None:
                nonlocal failures
                sender = f"bench-{self.index}-{phase}-{i}-{time.time_ns()}"
                rng = random.Random(sender)
                await asyncio.sleep(rng.uniform(*THINK))
                for n, text in enumerate(SCRIPT * rounds):
                    request: dict[str, Any] = {"sender": sender, "message": text}
                    if like_service:
                        request["message_id"] = f"{sender}:{n + 1}"
                        request["metadata"] = {"seq": n + 1, "customer_id": f"cu_{sender}"}
                    t0 = time.perf_counter()
                    response = await http.post(path, json=request)
                    elapsed = (time.perf_counter() - t0) * 1000
                    body = response.json() if response.status_code == 200 else None
                    if body and (not token or body.get("messages")):
                        latencies.append(elapsed)
                    else:
                        failures += 1
                    await asyncio.sleep(rng.uniform(*THINK))

            await asyncio.gather(*(customer(i) for i in range(customers)))
        return {"latencies_ms": [round(x, 3) for x in latencies], "failures": failures}

    async def side_by_side(
        self, rasa_url: str, url: str, customers: int, rounds: int = 1
    ) -> dict[str, Any]:
        """Half the customers straight to Rasa's REST channel, half through the service, at
        the same time: both kinds meet the same machine in every phase."""
        direct, via = await asyncio.gather(
            self.direct(rasa_url, customers // 2, rounds),
            self.via(url, customers - customers // 2, rounds),
        )
        return {"direct": direct, "via": via}

    async def via(
        self, url: str, customers: int, rounds: int = 1, stamps: bool = False
    ) -> dict[str, Any]:
        """Through a gateway's customer namespace. ``stamps``: also each turn as ``[sent,
        acknowledged, answered, conversation, seq]`` (``perf_counter`` seconds, the clock of
        ``bench/turn_stamps``), for ``bench.gateway_stages``."""
        phase = next(self.phase)
        latencies: list[float] = []
        turns: list[list[Any]] = []
        failures = 0
        people = await asyncio.gather(*(Customer.open(url) for _ in range(customers)))

        async def customer(i: int, person: Customer) -> None:
            nonlocal failures
            rng = random.Random(f"{self.index}-{phase}-{i}")
            answer: asyncio.Future[Any] | None = None

            def on_bot(_: str, data: Any) -> None:
                author = data.get("metadata", {}).get("tandem", {}).get("author")
                if author == "bot" and answer is not None and not answer.done():
                    answer.set_result(time.perf_counter())

            person.on("bot_uttered", on_bot)
            await asyncio.sleep(rng.uniform(*THINK))
            for n, text in enumerate(SCRIPT * rounds):
                answer = asyncio.get_running_loop().create_future()
                t0 = time.perf_counter()
                ack = await person.say(text, f"b{phase}-{i}-{n}", timeout=60)
                acked = time.perf_counter()
                try:
                    t1 = await asyncio.wait_for(answer, 60)
                except TimeoutError:
                    t1 = None
                if ack.get("ok") and t1 is not None:
                    latencies.append((t1 - t0) * 1000)
                    if stamps:
                        turns.append([t0, acked, t1, ack.get("conversation_id"), ack.get("seq")])
                else:
                    failures += 1
                await asyncio.sleep(rng.uniform(*THINK))

        try:
            await asyncio.gather(*(customer(i, p) for i, p in enumerate(people)))
        finally:
            await asyncio.gather(*(p.close() for p in people), return_exceptions=True)
        result: dict[str, Any] = {
            "latencies_ms": [round(x, 3) for x in latencies],
            "failures": failures,
        }
        if stamps:
            result["turns"] = turns
        return result


def load_stack() -> Any:
    spec = importlib.util.spec_from_file_location("tandem_stack", ROOT / "scripts" / "stack.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["tandem_stack"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def real_stack(run_dir: Path, log: Any, env: dict[str, str] | None = None) -> Any:
    """The real stack (``scripts/stack.py``) for a bot benchmark, on free ports, not started;
    ``env``: more settings for the handoff service."""
    stack_module = load_stack()
    settings = {
        **BENCH_LIMITS,
        "TANDEM_ALLOWED_ORIGINS": "*",
        "TANDEM_LOG_LEVEL": "warning",
        "TANDEM_STATIC_DIR": str(run_dir / "no-static"),
        **(env or {}),
    }
    return stack_module.Stack(
        run_dir=run_dir,
        ports=stack_module.Ports.free(),
        dev=False,
        extra_env=settings,
        log=lambda m: log(f"    {m.strip()}"),
    )


def run(run_dir: Path, *, quick: bool, log: Any, profile: Any = None) -> dict[str, Any]:
    rounds = 1 if quick else ROUNDS  # direct, channel, via; then via, channel, direct; ...
    repeats = 1 if quick else SCRIPT_REPEATS
    side_phases = 1 if quick else SIDE_BY_SIDE_PHASES
    workers = 2
    stack = real_stack(run_dir, log)
    samples: dict[str, list[float]] = {"direct": [], "channel": [], "via": []}
    by_phase: dict[str, list[list[float]]] = {"direct": [], "channel": [], "via": []}
    phases: list[dict[str, Any]] = []
    failures = {"direct": 0, "channel": 0, "via": 0}
    side: dict[str, list[list[float]]] = {"direct": [], "via": []}
    side_records: list[dict[str, Any]] = []
    stack.start()
    try:
        pids = {p.name: p.popen.pid for p in stack.processes}
        with Procs(run_dir) as procs, WorkerPool(procs, "bot_reply", workers) as pool:
            pids.update(pool.pids)
            if os.environ.get("TANDEM_BENCH_PIN_RASA") == "1":
                log(f"    pinned: {pin_rasa(pids)}")
            share = [
                CUSTOMERS // workers + (1 if i < CUSTOMERS % workers else 0) for i in range(workers)
            ]
            # Warm-up: Rasa's first turns are slow (graph loading, first action calls).
            pool.call_all("direct", [{"rasa_url": stack.rasa_url, "customers": 2}] * workers, 300)
            pool.call_all("via", [{"url": stack.service_url, "customers": 2}] * workers, 300)
            order = []
            for r in range(rounds):
                kinds = ["direct", "channel", "via"]
                order += kinds if r % 2 == 0 else kinds[::-1]
            last_via = max(n for n, kind in enumerate(order) if kind == "via")
            for n, kind in enumerate(order):
                meter = CpuMeter(pids)
                meter.start()
                if profile is not None and n == last_via:
                    profile("bot-via-handoff", pids["handoff"], PROFILE_SECONDS)
                if kind == "direct":
                    args = [
                        {"rasa_url": stack.rasa_url, "customers": c, "rounds": repeats}
                        for c in share
                    ]
                elif kind == "channel":
                    args = [
                        {
                            "rasa_url": stack.rasa_url,
                            "customers": c,
                            "rounds": repeats,
                            "token": stack.bot_token,
                        }
                        for c in share
                    ]
                else:
                    args = [
                        {"url": stack.service_url, "customers": c, "rounds": repeats} for c in share
                    ]
                t0 = time.monotonic()
                results = pool.call_all("via" if kind == "via" else "direct", args, timeout=600)
                cores = meter.stop()
                merged = [x for res in results for x in res["latencies_ms"]]
                samples[kind] += merged
                by_phase[kind].append(merged)
                failures[kind] += sum(res["failures"] for res in results)
                phase = {
                    "phase": n + 1,
                    "kind": kind,
                    "seconds": round(time.monotonic() - t0, 1),
                    "latency_ms": summary(merged),
                    "failures": sum(res["failures"] for res in results),
                    "cpu_cores": cores,
                    "loadgen_cpu_cores": round(
                        sum(v for k, v in cores.items() if k.startswith("worker")), 3
                    ),
                }
                phases.append(phase)
                log(
                    f"    phase {n + 1} {kind:7}: p50 {phase['latency_ms']['p50']} ms, "
                    f"p95 {phase['latency_ms']['p95']} ms ({phase['latency_ms']['n']} turns, "
                    f"{phase['failures']} failed), rasa {cores.get('rasa')} cores, "
                    f"handoff {cores.get('handoff')} cores, "
                    f"load generator {phase['loadgen_cpu_cores']} cores"
                )
            for n in range(side_phases):
                meter = CpuMeter(pids)
                meter.start()
                args = [
                    {
                        "rasa_url": stack.rasa_url,
                        "url": stack.service_url,
                        "customers": c,
                        "rounds": repeats,
                    }
                    for c in share
                ]
                t0 = time.monotonic()
                results = pool.call_all("side_by_side", args, timeout=600)
                cores = meter.stop()
                record: dict[str, Any] = {
                    "phase": len(order) + n + 1,
                    "kind": "side-by-side",
                    "seconds": round(time.monotonic() - t0, 1),
                    "cpu_cores": cores,
                    "loadgen_cpu_cores": round(
                        sum(v for k, v in cores.items() if k.startswith("worker")), 3
                    ),
                }
                for kind in ("direct", "via"):
                    merged = [x for res in results for x in res[kind]["latencies_ms"]]
                    side[kind].append(merged)
                    failures[kind] += sum(res[kind]["failures"] for res in results)
                    record[f"{kind}_ms"] = summary(merged)
                record["p50_ratio"] = ratio(record["via_ms"]["p50"], record["direct_ms"]["p50"])
                side_records.append(record)
                log(
                    f"    phase {record['phase']} side by side: p50 direct "
                    f"{record['direct_ms']['p50']} ms, via {record['via_ms']['p50']} ms "
                    f"(ratio {record['p50_ratio']}; {record['direct_ms']['n']} + "
                    f"{record['via_ms']['n']} turns), rasa {cores.get('rasa')} cores, "
                    f"handoff {cores.get('handoff')} cores, "
                    f"load generator {record['loadgen_cpu_cores']} cores"
                )
    finally:
        stack.stop()
    alternating: dict[str, Any] = {
        "direct_ms": summary(samples["direct"]),
        "via_ms": summary(samples["via"]),
        "p50_ratio": ratio(summary(samples["via"])["p50"], summary(samples["direct"])["p50"]),
        "p50_ratio_ci": ratio_ci(by_phase["via"], by_phase["direct"]),
    }
    side_direct = summary(x for p in side["direct"] for x in p)
    side_via = summary(x for p in side["via"] for x in p)
    side_by_side: dict[str, Any] = {
        "direct_ms": side_direct,
        "via_ms": side_via,
        "p50_ratio": ratio(side_via["p50"], side_direct["p50"]),
        # Paired: both kinds of a side-by-side phase ran at the same moments (bench.stats).
        "p50_ratio_ci": ratio_ci(side["via"], side["direct"], paired=True),
        "phases": side_records,
    }
    headline = side_by_side if side_records else alternating
    direct, via = summary(samples["direct"]), summary(samples["via"])
    channel = summary(samples["channel"])
    # Each round ran its three phases back to back: the spread of their ratios shows the drift.
    by_round = [
        {p["kind"]: p["latency_ms"]["p50"] for p in phases[i : i + 3]}
        for i in range(0, len(phases), 3)
    ]
    pair_ratios = [ratio(r.get("via"), r.get("direct")) for r in by_round if r]
    for name, design in (("alternating", alternating), ("side by side", side_by_side)):
        log(
            f"    {name}: p50 via / direct {design['p50_ratio']}, 95 % interval "
            f"{design['p50_ratio_ci']} ({design['via_ms']['n']} + {design['direct_ms']['n']} turns)"
        )
    interval = headline["p50_ratio_ci"]
    return {
        "figures": {
            "bot_reply_p50_ms_direct": headline["direct_ms"]["p50"],
            "bot_reply_p50_ms_via_handoff": headline["via_ms"]["p50"],
            "gateway_overhead_p50_ratio": headline["p50_ratio"],
            "gateway_overhead_p50_ratio_ci_low": interval[0] if interval else None,
            "gateway_overhead_p50_ratio_ci_high": interval[1] if interval else None,
        },
        "details": {
            "setup": {
                "customers": CUSTOMERS,
                "script": list(SCRIPT),
                "think_seconds": list(THINK),
                "phases": len(order),
                "script_repeats_per_phase": repeats,
                "side_by_side_phases": side_phases,
                "workers": workers,
                "model": str(stack.model.relative_to(ROOT)),
            },
            "design": "side by side" if side_records else "alternating",
            "alternating": alternating,
            "side_by_side": side_by_side,
            "direct_ms": headline["direct_ms"],
            "channel_ms": channel,
            "via_ms": headline["via_ms"],
            "channel_p50_ratio": ratio(channel["p50"], direct["p50"]),
            "via_vs_channel_p50_ratio": ratio(via["p50"], channel["p50"]),
            "failures": failures,
            "p95_ratio": ratio(headline["via_ms"]["p95"], headline["direct_ms"]["p95"]),
            "p50_ratio_per_pair": pair_ratios,
            "phases": phases,
            "loadgen_cpu_cores_max": max(p["loadgen_cpu_cores"] for p in phases + side_records),
        },
    }
