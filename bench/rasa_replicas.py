"""Bot turns per second with one Rasa and with two, and what a failover costs (real Rasa).

Two real Rasa processes (the shipped model) share one Redis tracker and lock store and one
action server. Two handoff services run side by side on a Redis of their own (Rasa's is given to
them as ``TANDEM_RASA_REDIS_URL``, as a deployment that splits them would): one configured with
one Rasa (``TANDEM_RASA_URL=A``), the other with both (``A,B``). With the two Redis apart, each
one's CPU per answered turn is the bot's share and the service's share of a turn's Redis work,
measured rather than estimated by difference. Closed-loop customers (no think time:
each sends its next message as soon as the bot answered, through the short FAQ script of
``bench.bot_reply``, then starts a new conversation) drive one service per phase, in
alternating phases (one, two, two, one), so both see the same machine. The figure is answered
turns per second.

On this 2-core machine the point is the mechanism, not the speed-up: one Rasa already takes
about a core, and a second one competes with the service, Redis, the action server and the load
generator for the other, so two Rasa cannot double the turns.

The last phase is the failover: the two-Rasa service under the same load, Rasa B killed
(SIGKILL) halfway. Its conversations carry on on A (a call that finds B refusing is made on A;
the health check then takes B out); what was in flight on B at the kill goes to people
(``bot_unavailable``: Rasa may have processed it, so it is not sent again). Reported: turns/s
before and after the kill, and the turns that failed.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

from bench.actors import Customer
from bench.bot_reply import SCRIPT, load_stack
from bench.procs import CpuMeter, Procs
from bench.stats import median, ratio, summary
from bench.workers import WorkerPool

CUSTOMERS = 16  # closed loop: enough to keep two Rasa busy on 2 cores
WORKERS = 2


class Worker:
    def __init__(self, index: int) -> None:
        self.index = index
        self.phase = itertools.count(1)

    async def closed_loop(self, url: str, customers: int, seconds: float) -> dict[str, Any]:
        """``customers`` conversations at once, each message sent as soon as the last was
        answered, for ``seconds``; every turn's end (wall clock), latency and outcome."""
        phase = next(self.phase)
        deadline = time.monotonic() + seconds
        turns: list[tuple[float, float]] = []  # (answered at, latency ms)
        failed: list[float] = []  # when a turn went to people or got no answer

        async def conversation(url: str, tag: str) -> bool:
            """One conversation through the script; False if a turn went to people."""
            person = await Customer.open(url)
            waiting: list[asyncio.Future[str]] = []

            def on_bot(_: str, data: Any) -> None:
                author = data.get("metadata", {}).get("tandem", {}).get("author")
                if author in ("bot", "system") and waiting and not waiting[-1].done():
                    waiting[-1].set_result(author)

            person.on("bot_uttered", on_bot)
            try:
                for k, text in enumerate(SCRIPT):
                    if time.monotonic() >= deadline:
                        return True
                    waiting.append(asyncio.get_running_loop().create_future())
                    t0 = time.perf_counter()
                    ack = await person.say(text, f"{tag}-{k}", 60)
                    try:
                        author = await asyncio.wait_for(waiting[-1], 60)
                    except TimeoutError:
                        author = ""
                    if not (ack.get("ok") and author == "bot"):
                        failed.append(time.time())
                        return False  # handed to people: a new conversation
                    turns.append((time.time(), (time.perf_counter() - t0) * 1000))
                return True
            finally:
                await person.close()

        async def customer(i: int) -> None:
            for n in itertools.count():
                if time.monotonic() >= deadline:
                    return
                await conversation(url, f"r{self.index}-{phase}-{i}-{n}")

        await asyncio.gather(*(customer(i) for i in range(customers)))
        return {
            "turns": [[round(t, 3), round(ms, 3)] for t, ms in turns],
            "failed": [round(t, 3) for t in failed],
        }


def start_bots(run_dir: Path, redis_url: str, log: Any) -> tuple[Any, list[Any]]:
    """The action server and two Rasa on ``redis_url``, all three loading at once."""
    stack = load_stack()
    quiet = lambda m: log(f"    {m.strip()}")  # noqa: E731
    actions = stack.Stack(
        run_dir=run_dir / "actions", ports=stack.Ports.free(), components=("actions",), log=quiet
    )
    bots = [
        stack.Stack(
            run_dir=run_dir / f"rasa-{name}",
            ports=stack.Ports(rasa=stack.free_port(), actions=actions.ports.actions),
            redis_url=redis_url,
            components=("rasa",),
            bot_token=actions.bot_token,
            dev=False,
            log=quiet,
        )
        for name in ("a", "b")
    ]
    errors: list[BaseException] = []

    def start(part: Any) -> None:
        try:
            part.start()
        except BaseException as exc:  # noqa: BLE001 - raised below, in the caller's thread
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(p,)) for p in (actions, *bots)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        for part in (*bots, actions):
            part.stop()
        raise errors[0]
    return actions, bots


def merge(results: list[dict[str, Any]]) -> tuple[list[list[float]], list[float]]:
    turns = [t for r in results for t in r["turns"]]
    failed = [t for r in results for t in r["failed"]]
    return turns, failed


def run(run_dir: Path, *, quick: bool, log: Any, profile: Any = None) -> dict[str, Any]:
    seconds = 10.0 if quick else 30.0
    order = ["one", "two"] if quick else ["one", "two", "two", "one"]
    share = [CUSTOMERS // WORKERS] * WORKERS
    with Procs(run_dir) as procs:
        redis = procs.redis()
        bot_redis = procs.redis("redis-bot")
        actions, bots = start_bots(run_dir, bot_redis.url, log)
        try:
            urls = [bot.rasa_url for bot in bots]
            common = {
                "TANDEM_BOT_TOKEN": actions.bot_token,
                "TANDEM_RASA_TIMEOUT": "30",
                "TANDEM_RASA_REDIS_URL": bot_redis.url,
            }
            services = {
                "one": procs.handoff(
                    redis_url=redis.url,
                    rasa_url=urls[0],
                    name="handoff-one",
                    env={**common, "TANDEM_REDIS_PREFIX": "one:"},
                ),
                "two": procs.handoff(
                    redis_url=redis.url,
                    rasa_url=",".join(urls),
                    name="handoff-two",
                    env={**common, "TANDEM_REDIS_PREFIX": "two:"},
                ),
            }
            pids = {
                "redis": redis.pid,
                "redis-bot": bot_redis.pid,
                "actions": actions.processes[0].popen.pid,
                "rasa-a": bots[0].processes[0].popen.pid,
                "rasa-b": bots[1].processes[0].popen.pid,
                **{s.name: s.pid for s in services.values()},
            }
            with WorkerPool(procs, "rasa_replicas", WORKERS) as pool:
                pids.update(pool.pids)
                # Warm-up: both Rasa's first turns are slow (graph loading, first actions).
                for kind in ("one", "two"):
                    args = {"url": services[kind].url, "customers": 2, "seconds": 5.0}
                    pool.call_all("closed_loop", args, timeout=300)
                phases: list[dict[str, Any]] = []
                rates: dict[str, list[float]] = {"one": [], "two": []}
                for n, kind in enumerate(order):
                    meter = CpuMeter(pids)
                    meter.start()
                    args = [
                        {"url": services[kind].url, "customers": c, "seconds": seconds}
                        for c in share
                    ]
                    t0 = time.monotonic()
                    turns, failed = merge(pool.call_all("closed_loop", args, timeout=600))
                    wall = time.monotonic() - t0
                    cores = meter.stop()
                    rate = round(len(turns) / wall, 2)
                    rates[kind].append(rate)
                    # CPU ms per answered turn: the service's Redis, Rasa's Redis, one service.
                    per_turn = {
                        label: round(cores.get(name, 0.0) * wall / max(len(turns), 1) * 1000, 3)
                        for label, name in (
                            ("redis", "redis"),
                            ("redis-bot", "redis-bot"),
                            ("service", services[kind].name),
                        )
                    }
                    phase = {
                        "phase": n + 1,
                        "kind": kind,
                        "seconds": round(wall, 1),
                        "turns": len(turns),
                        "turns_per_s": rate,
                        "failed": len(failed),
                        "latency_ms": summary(ms for _, ms in turns),
                        "cpu_cores": cores,
                        "cpu_ms_per_turn": per_turn,
                        "loadgen_cpu_cores": round(
                            sum(v for k, v in cores.items() if k.startswith("worker")), 3
                        ),
                    }
                    phases.append(phase)
                    log(
                        f"    phase {n + 1} {kind} Rasa: {rate} turns/s ({len(turns)} turns, "
                        f"{len(failed)} failed), p50 {phase['latency_ms']['p50']} ms, "
                        f"rasa a/b {cores.get('rasa-a')}/{cores.get('rasa-b')} cores, "
                        f"CPU ms per turn: Redis {per_turn['redis']}, Rasa's Redis "
                        f"{per_turn['redis-bot']}, service {per_turn['service']}, "
                        f"load generator {phase['loadgen_cpu_cores']} cores"
                    )
                failover = measure_failover(pool, services["two"].url, bots[1], share, seconds)
                log(
                    f"    failover: {failover['before_turns_per_s']} turns/s before the kill, "
                    f"{failover['after_turns_per_s']} after, {failover['failed']} turns failed"
                )
        finally:
            for part in (*bots, actions):
                part.stop()
    one = round(sum(rates["one"]) / len(rates["one"]), 2)
    two = round(sum(rates["two"]) / len(rates["two"]), 2)
    return {
        "figures": {"bot_turns_per_s_one_rasa": one, "bot_turns_per_s_two_rasa": two},
        "details": {
            "setup": {
                "customers": CUSTOMERS,
                "workers": WORKERS,
                "seconds_per_phase": seconds,
                "order": order,
                "script": list(SCRIPT),
                "think_seconds": 0,
            },
            "two_vs_one_ratio": ratio(two, one),
            "phases": phases,
            "failover": failover,
            "loadgen_cpu_cores_max": max(p["loadgen_cpu_cores"] for p in phases),
            # Medians over the phases: the service's Redis, Rasa's Redis, the service.
            "cpu_ms_per_turn": {
                label: median([p["cpu_ms_per_turn"][label] for p in phases])
                for label in ("redis", "redis-bot", "service")
            },
        },
    }


def measure_failover(
    pool: WorkerPool, url: str, victim: Any, share: list[int], seconds: float
) -> dict[str, Any]:
    """The two-Rasa service under load, ``victim`` killed halfway: turns/s before and after,
    and the turns that failed (in flight on the victim at the kill)."""
    for worker, customers in zip(pool.workers, share, strict=True):
        worker.send("closed_loop", {"url": url, "customers": customers, "seconds": seconds})
    started = time.time()
    time.sleep(seconds / 2)
    killed_at = time.time()
    (process,) = victim.processes
    os.killpg(process.popen.pid, signal.SIGKILL)
    process.popen.wait()
    deadline = time.monotonic() + 600
    turns, failed = merge([worker.receive(deadline) for worker in pool.workers])
    ended = max([t for t, _ in turns] + [killed_at + 1e-3])
    before = [t for t, _ in turns if t < killed_at]
    after = [t for t, _ in turns if t >= killed_at]
    return {
        "killed_after_s": round(killed_at - started, 1),
        "before_turns_per_s": round(len(before) / max(killed_at - started, 1e-6), 2),
        "after_turns_per_s": round(len(after) / max(ended - killed_at, 1e-6), 2),
        "turns": len(turns),
        "failed": len(failed),
        "failed_after_kill": sum(1 for t in failed if t >= killed_at),
        "first_answer_after_kill_s": round(min(after) - killed_at, 3) if after else None,
    }
