"""Agent -> customer relay (same replica, across replicas) against a raw echo, and handoff notify.

Setup: one Redis, two handoff replicas (A, B) sharing it, the stand-in Rasa, and the raw
python-socketio echo server (``bench.echo_server``). Every worker process holds ``pairs`` sender
-> receiver pairs per target:

- ``echo``: two sockets on the echo server; the sender emits ``relay`` to the receiver's room;
- ``same``: an agent console on A that owns the conversation of a customer on A;
- ``cross``: an agent console on B that owns the conversation of a customer on A (delivery goes
  through python-socketio's Redis manager).

Each sender sends open-loop (exponential gaps, ``rate`` per second per pair); latency is the
time from the sender's emit to the receiver getting the message, in one process. Phases run
round-robin (echo, same, cross, echo, …) so the anchor and the figures see the same machine.

Cost: per target, the CPU-seconds of replica A (the customers', and the same-replica agents'),
replica B (the cross-replica agents') and Redis per 1,000 messages received, pooled over the
rounds. On the same-replica target B only decodes what A publishes (or nothing, when A does not
publish); across replicas B sends and A delivers.

Handoff notify: customers on A type ``human …``; the stand-in Rasa stamps its handoff reply
(``summary.bench_sent_at``, wall clock) and every agent console (on A and on B) times the
``queue_added`` it gets.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from pathlib import Path
from typing import Any

from bench.actors import AgentConsole, Customer, create_agents, login
from bench.phases import run_phases
from bench.procs import CpuMeter, Procs
from bench.sio import SioClient
from bench.stats import ratio, summary
from bench.workers import WorkerPool


class Pair:
    def __init__(self, kind: str, key: str) -> None:
        self.kind = kind
        self.key = key
        self.send: Any = None  # (event, payload) -> future
        self.closers: list[Any] = []


class Worker:
    def __init__(self, index: int) -> None:
        self.index = index
        self.pairs: dict[str, list[Pair]] = {}
        self.sent: dict[str, float] = {}
        self.latencies: list[float] = []
        self.received = 0
        self.consoles: list[tuple[str, AgentConsole]] = []
        self.notify_samples: dict[str, list[float]] = {"same": [], "cross": []}
        self.customers: list[Customer] = []
        self._seq = itertools.count(1)

    # -- setup --------------------------------------------------------------------------------
    def _received(self, key: str) -> None:
        started = self.sent.pop(key, None)
        if started is not None:
            self.latencies.append((time.perf_counter() - started) * 1000)
            self.received += 1

    def _on_queue_added(self, group: str) -> Any:
        def handler(_: str, data: Any) -> None:
            stamp = data["item"]["summary"].get("bench_sent_at")
            if stamp is not None:
                self.notify_samples[group].append((time.time() - stamp) * 1000)

        return handler

    async def setup(
        self, echo_url: str, a_url: str, b_url: str, pairs: int, tokens: dict[str, list[str]]
    ) -> dict[str, Any]:
        self.pairs["echo"] = [await self._echo_pair(echo_url, i) for i in range(pairs)]
        for kind, agent_url in (("same", a_url), ("cross", b_url)):
            self.pairs[kind] = [
                await self._handoff_pair(kind, a_url, agent_url, tokens[kind][i], i)
                for i in range(pairs)
            ]
        return {"pairs": {k: len(v) for k, v in self.pairs.items()}}

    async def _echo_pair(self, url: str, i: int) -> Pair:
        pair = Pair("echo", f"w{self.index}e{i}")
        sender = await SioClient.open(url)
        receiver = await SioClient.open(url)
        await sender.join("/")
        await receiver.join("/")
        await receiver.call("join", {"room": pair.key})
        receiver.on("relayed", lambda _, data: self._received(data["id"]))

        def send(message_id: str) -> Any:
            return sender.call_nowait("relay", {"to": pair.key, "id": message_id, "text": "hi"})

        pair.send = send
        pair.closers = [sender.close, receiver.close]
        return pair

    async def _handoff_pair(
        self, kind: str, customer_url: str, agent_url: str, token: str, i: int
    ) -> Pair:
        pair = Pair(kind, f"w{self.index}{kind[0]}{i}")
        agent = await AgentConsole.open(agent_url, token)  # online first, or it goes offline
        customer = await Customer.open(customer_url)
        queued: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

        def on_state(_: str, change: Any) -> None:
            if change.get("state") in ("queued", "offline") and not queued.done():
                queued.set_result(change)

        customer.on("tandem_state", on_state)
        ack = await customer.say(f"human {pair.key}", f"{pair.key}-h")
        change = await asyncio.wait_for(queued, 15)
        if change["state"] != "queued":
            raise RuntimeError(f"the handoff went {change['state']}: no agent seen online")
        claimed = await agent.call("claim", {"conversation_id": ack["conversation_id"]})
        if not claimed.get("ok"):
            raise RuntimeError(f"claim refused: {claimed}")
        conversation_id = ack["conversation_id"]

        def on_message(_: str, data: Any) -> None:
            meta = data.get("metadata", {}).get("tandem", {})
            if meta.get("author") == "agent":
                self._received(data["text"])

        customer.on("bot_uttered", on_message)
        agent.on("queue_added", self._on_queue_added(kind))
        self.consoles.append((kind, agent))

        def send(message_id: str) -> Any:
            return agent.send_nowait(
                "send_message",
                {
                    "conversation_id": conversation_id,
                    "text": message_id,
                    "client_msg_id": message_id,
                },
            )

        pair.send = send
        pair.closers = [customer.close, agent.close]
        return pair

    # -- measuring ----------------------------------------------------------------------------
    async def run(self, target: str, seconds: float, rate: float) -> dict[str, Any]:
        self.latencies, self.received, self.sent = [], 0, {}
        errors = 0
        acks: list[asyncio.Future[Any]] = []
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds

        async def sender(pair: Pair) -> int:
            count = 0
            rng = random.Random(f"{pair.key}{target}")
            await asyncio.sleep(rng.random() / rate)
            while loop.time() < end:
                message_id = f"{pair.key}-{next(self._seq)}"
                self.sent[message_id] = time.perf_counter()
                acks.append(pair.send(message_id))
                count += 1
                await asyncio.sleep(min(rng.expovariate(rate), max(0.0, end - loop.time())))
            return count

        counts = await asyncio.gather(*(sender(p) for p in self.pairs[target]))
        grace = loop.time() + 5
        while self.sent and loop.time() < grace:  # noqa: ASYNC110 - a bounded drain
            await asyncio.sleep(0.05)
        for ack in acks:
            if not ack.done() or ack.exception() or not (ack.result() or {}).get("ok"):
                errors += 1
        return {
            "target": target,
            "sent": sum(counts),
            "received": self.received,
            "lost": len(self.sent),
            "errors": errors,
            "latencies_ms": [round(x, 4) for x in self.latencies],
        }

    async def notify(self, customer_url: str, handoffs: int, rate: float) -> dict[str, Any]:
        """Start ``handoffs`` conversations that ask for a person, ``rate`` per second."""
        for samples in self.notify_samples.values():
            samples.clear()
        rng = random.Random(self.index)

        async def one(k: int) -> None:
            customer = await Customer.open(customer_url)
            self.customers.append(customer)
            await customer.say(f"human n{self.index}-{k}", f"n{self.index}-{k}")

        tasks = []
        for k in range(handoffs):
            tasks.append(asyncio.create_task(one(k)))
            await asyncio.sleep(rng.expovariate(rate))
        await asyncio.gather(*tasks)
        await asyncio.sleep(2.0)
        return {k: [round(x, 4) for x in v] for k, v in self.notify_samples.items()}

    async def close(self) -> None:
        closers = [c for pairs in self.pairs.values() for p in pairs for c in p.closers]
        closers += [c.close for c in self.customers]
        await asyncio.gather(*(c() for c in closers), return_exceptions=True)


SERVICE_PROCESSES = ("handoff-a", "handoff-b", "redis")


def cpu_per_1000(phases: list[dict[str, Any]], target: str) -> dict[str, float]:
    """CPU-seconds per 1,000 messages received, per service process, over a target's phases."""
    mine = [p for p in phases if p["target"] == target]
    received = sum(p["sent"] - p["lost"] for p in mine)
    return {
        name: round(sum(p["cpu_cores"][name] * p["wall_s"] for p in mine) / received * 1000, 3)
        if received
        else 0.0
        for name in SERVICE_PROCESSES
    }


def run(run_dir: Path, *, quick: bool, log: Any, profile: Any = None) -> dict[str, Any]:
    """Returns figures and details; ``profile(name, pid, seconds)`` samples a replica if given."""
    workers = 2
    pairs = 5 if quick else 10  # per worker and target
    rate = 10.0  # messages per second per pair -> 200/s per target in a full run
    rounds = 1 if quick else 3
    seconds = 5.0 if quick else 10.0
    with Procs(run_dir) as procs:
        redis = procs.redis()
        stub = procs.stub_rasa()
        a = procs.handoff(redis_url=redis.url, rasa_url=stub.url, name="handoff-a")
        b = procs.handoff(redis_url=redis.url, rasa_url=stub.url, name="handoff-b")
        echo = procs.echo()
        log(f"    redis, stand-in Rasa, replicas A and B, echo server up; {workers} workers")
        names = asyncio.run(create_agents(redis.url, 2 * workers * pairs))
        tokens = asyncio.run(login(a.url, names))
        with WorkerPool(procs, "relay", workers) as pool:
            per_worker = []
            for w in range(workers):
                mine = tokens[w * 2 * pairs : (w + 1) * 2 * pairs]
                per_worker.append(
                    {
                        "echo_url": echo.url,
                        "a_url": a.url,
                        "b_url": b.url,
                        "pairs": pairs,
                        "tokens": {"same": mine[:pairs], "cross": mine[pairs:]},
                    }
                )
            pool.call_all("setup", per_worker)
            pids = {"handoff-a": a.pid, "handoff-b": b.pid, "redis": redis.pid, "echo": echo.pid}
            pids.update(pool.pids)

            def profile_last_round(r: int, target: str) -> None:
                if profile is not None and r == rounds - 1 and target != "echo":
                    profile(f"relay-{target}", a.pid if target == "same" else b.pid, seconds)

            samples, phases = run_phases(
                pool,
                pids,
                ("echo", "same", "cross"),
                rounds=rounds,
                seconds=seconds,
                rate=rate,
                log=log,
                before=profile_last_round,
            )
            handoffs = 40 if quick else 150  # per worker
            meter = CpuMeter(pids)
            meter.start()
            if profile is not None:
                profile("notify", a.pid, 8.0)
            notified = pool.call_all(
                "notify",
                {"customer_url": a.url, "handoffs": handoffs, "rate": 5.0},
                timeout=300,
            )
            notify_cores = meter.stop()
    notify_same = [x for n in notified for x in n["same"]]
    notify_cross = [x for n in notified for x in n["cross"]]
    echo_s, same_s, cross_s = (summary(samples[k]) for k in ("echo", "same", "cross"))
    notify_all = summary(notify_same + notify_cross)
    log(
        f"    handoff notify: p50 {notify_all['p50']} ms, p99 {notify_all['p99']} ms "
        f"({notify_all['n']} deliveries to consoles)"
    )
    loadgen = max(p["loadgen_cpu_cores"] for p in phases)
    cost = {target: cpu_per_1000(phases, target) for target in ("same", "cross")}
    for target, per in cost.items():
        log(
            f"    {target}: CPU-s per 1,000 relayed: "
            + ", ".join(f"{name} {value}" for name, value in per.items())
        )
    return {
        "figures": {
            "relay_p99_ms_same_replica": same_s["p99"],
            "relay_p99_ms_cross_replica": cross_s["p99"],
            "echo_p99_ms": echo_s["p99"],
            "relay_p99_ratio_same": ratio(same_s["p99"], echo_s["p99"]),
            "relay_p99_ratio_cross": ratio(cross_s["p99"], echo_s["p99"]),
            "handoff_notify_p99_ms": notify_all["p99"],
        },
        "details": {
            "setup": {
                "workers": workers,
                "pairs_per_target": workers * pairs,
                "rate_per_pair_per_s": rate,
                "offered_msgs_per_s": workers * pairs * rate,
                "rounds": rounds,
                "seconds_per_phase": seconds,
            },
            "echo_ms": echo_s,
            "same_ms": same_s,
            "cross_ms": cross_s,
            "phases": phases,
            "loadgen_cpu_cores_max": loadgen,
            "cpu_s_per_1000_relayed": cost,
            "notify": {
                "handoffs": workers * handoffs,
                "rate_per_s": workers * 5.0,
                "consoles": 2 * workers * pairs,
                "all_ms": notify_all,
                "replica_a_ms": summary(notify_same),
                "replica_b_ms": summary(notify_cross),
                "cpu_cores": notify_cores,
            },
        },
    }
