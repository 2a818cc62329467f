"""Agent -> customer relay against the stack a team would build instead: Node's socket.io with
``@socket.io/redis-streams-adapter`` and connection-state recovery (``bench/node_peer``).

The same load generator as ``bench.relay`` (its ``Worker``, the same open-loop senders and
pairs), on the same machine, in alternating phases of one run: the python-socketio echo (the
floor), Tandem on one replica, the Node peer on one server, Tandem across two replicas, the Node
peer across two servers (sender on B, receiver on A, through the adapter's Redis stream). Both
Node servers and both Tandem replicas share one Redis. Tandem stores every message durably
(``APPEND``) before delivering it; the peer stores nothing but the adapter's stream.

Setup needs ``npm ci`` in ``bench/node_peer`` (``make bench`` does not run npm for you; without
``node_modules`` the benchmark fails with a message saying so).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from bench import relay
from bench.actors import create_agents, login
from bench.phases import run_phases
from bench.procs import ROOT, Proc, Procs, free_port, port_open
from bench.sio import SioClient
from bench.stats import ratio, summary
from bench.workers import WorkerPool

NODE_PEER = ROOT / "bench" / "node_peer"
TARGETS = ("echo", "same", "node_same", "cross", "node_cross")


class Worker(relay.Worker):
    async def setup_peer(
        self,
        echo_url: str,
        a_url: str,
        b_url: str,
        node_a: str,
        node_b: str,
        pairs: int,
        tokens: dict[str, list[str]],
    ) -> dict[str, Any]:
        await self.setup(echo_url, a_url, b_url, pairs, tokens)
        self.pairs["node_same"] = [await self._pair(node_a, node_a, "ns", i) for i in range(pairs)]
        # As Tandem's cross pairs: the sender (the agent) on B, the receiver on A.
        self.pairs["node_cross"] = [await self._pair(node_b, node_a, "nc", i) for i in range(pairs)]
        return {"pairs": {k: len(v) for k, v in self.pairs.items()}}

    async def _pair(self, sender_url: str, receiver_url: str, tag: str, i: int) -> relay.Pair:
        pair = relay.Pair(tag, f"w{self.index}{tag}{i}")
        sender = await SioClient.open(sender_url)
        receiver = await SioClient.open(receiver_url)
        await sender.join("/")
        await receiver.join("/")
        await receiver.call("join", {"room": pair.key})
        receiver.on("relayed", lambda _, data: self._received(data["id"]))

        def send(message_id: str) -> Any:
            return sender.call_nowait("relay", {"to": pair.key, "id": message_id, "text": "hi"})

        pair.send = send
        pair.closers = [sender.close, receiver.close]
        return pair


def node_relay(procs: Procs, redis_url: str, name: str) -> Proc:
    if not (NODE_PEER / "node_modules" / "socket.io").is_dir():
        raise RuntimeError("bench/node_peer has no node_modules: run 'npm ci' in bench/node_peer")
    port = free_port()
    return procs.spawn(
        name,
        ["node", str(NODE_PEER / "relay.js"), "--port", str(port), "--redis", redis_url],
        ready=lambda: port_open(port),
        port=port,
        url=f"http://127.0.0.1:{port}",
        cwd=NODE_PEER,
    )


def run(run_dir: Path, *, quick: bool, log: Any, profile: Any = None) -> dict[str, Any]:
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
        node_a = node_relay(procs, redis.url, "node-a")
        node_b = node_relay(procs, redis.url, "node-b")
        log(f"    redis, replicas A and B, echo, Node peers A and B up; {workers} workers")
        names = asyncio.run(create_agents(redis.url, 2 * workers * pairs))
        tokens = asyncio.run(login(a.url, names))
        with WorkerPool(procs, "peer", workers) as pool:
            per_worker = []
            for w in range(workers):
                mine = tokens[w * 2 * pairs : (w + 1) * 2 * pairs]
                per_worker.append(
                    {
                        "echo_url": echo.url,
                        "a_url": a.url,
                        "b_url": b.url,
                        "node_a": node_a.url,
                        "node_b": node_b.url,
                        "pairs": pairs,
                        "tokens": {"same": mine[:pairs], "cross": mine[pairs:]},
                    }
                )
            pool.call_all("setup_peer", per_worker)
            pids = {
                "handoff-a": a.pid,
                "handoff-b": b.pid,
                "redis": redis.pid,
                "echo": echo.pid,
                "node-a": node_a.pid,
                "node-b": node_b.pid,
                **pool.pids,
            }
            samples, phases = run_phases(
                pool, pids, TARGETS, rounds=rounds, seconds=seconds, rate=rate, log=log
            )
    s = {t: summary(samples[t]) for t in TARGETS}
    return {
        "figures": {
            "peer_relay_p50_ratio_same": ratio(s["same"]["p50"], s["node_same"]["p50"]),
            "peer_relay_p99_ratio_same": ratio(s["same"]["p99"], s["node_same"]["p99"]),
            "peer_relay_p50_ratio_cross": ratio(s["cross"]["p50"], s["node_cross"]["p50"]),
            "peer_relay_p99_ratio_cross": ratio(s["cross"]["p99"], s["node_cross"]["p99"]),
        },
        "details": {
            "setup": {
                "workers": workers,
                "pairs_per_target": workers * pairs,
                "rate_per_pair_per_s": rate,
                "offered_msgs_per_s": workers * pairs * rate,
                "rounds": rounds,
                "seconds_per_phase": seconds,
                "order": list(TARGETS),
            },
            **{f"{t}_ms": s[t] for t in TARGETS},
            "phases": phases,
            "loadgen_cpu_cores_max": max(p["loadgen_cpu_cores"] for p in phases),
        },
    }
