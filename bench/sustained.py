"""A sustained multi-minute load through one handoff replica, every message accounted for.

Customers (on the fast client, across several worker processes) send messages open-loop:
exponential gaps around ``think`` seconds each, every message with its own ``client_msg_id``.
Most talk to the bot (the stand-in Rasa answers ``You said: <text>`` at once, so the service is
what is measured); a share were handed to agents first, and their agent consoles answer every
customer message once (``re:<client_msg_id>``). A few messages are sent twice with the same
``client_msg_id`` (a widget retrying after a lost ack): the second must be acknowledged as a
duplicate with the same seq. The service relays a resend's entry to the agents again, and the
consoles keep one entry per seq, as the protocol asks of receivers: they do not answer it twice.

Latency: customer sends -> the reply (the bot's, or the agent's) reaches the customer.
Accounting, after the load stops and replies drain: every customer fetches its whole transcript
with ``tandem_sync`` and checks it against what it sent and received (``bench.ledger``):

- lost: an acknowledged message missing from the transcript, a stored message without its
  reply, a seq gap (a message that was never acknowledged is the widget's to resend; those are
  counted as ``unacked``);
- duplicated: a ``client_msg_id`` stored twice, a retry acknowledged with a new seq, an entry
  delivered twice to the same socket. The details name each one (``duplicates``: its kind, the
  customer, the conversation, the seq and the ``client_msg_id``).

Entries that were stored but did not arrive live are reported separately (``live_missed``): the
protocol recovers them with ``tandem_sync``, which is how a widget fills gaps.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.actors import AgentConsole, Customer, create_agents, login
from bench.ledger import AGENT_ECHO, Ledger, answered_cmid, judge
from bench.procs import CpuMeter, Proc, Procs
from bench.stats import summary
from bench.workers import WorkerPool

RETRY_SHARE = 0.02
LISTED = 50  # duplicates named in the details (the counts have them all)
AGENT_CAPACITY = 50  # the most conversations an agent may hold (handoff.domain.agents)


class Person(Ledger):
    def __init__(self, key: str, customer: Customer, with_agent: bool) -> None:
        super().__init__(key=key)
        self.customer = customer
        self.with_agent = with_agent
        self.waiting: set[str] = set()  # cmids whose reply has not arrived


class Worker:
    def __init__(self, index: int) -> None:
        self.index = index
        self.people: list[Person] = []
        self.by_cmid: dict[str, Person] = {}
        self.agents: list[AgentConsole] = []
        self.answered: set[tuple[str, int]] = set()  # (conversation, seq) the agents answered
        self.latencies: list[float] = []
        self.to_agent: list[float] = []
        self.ack_errors: Counter[str] = Counter()
        self.bad_retries: list[dict[str, Any]] = []  # resends not acked as the same seq
        self.replies = 0
        self.steps = 0  # load steps run so far: each step's client_msg_ids are its own

    # -- setup --------------------------------------------------------------------------------
    async def setup(
        self, url: str, customers: int, with_agents: int, tokens: list[str], agent_url: str = ""
    ) -> dict[str, Any]:
        """Connect the customers to ``url`` and the agent consoles to ``agent_url`` (the same
        replica unless given: another one makes every agent's message cross replicas)."""
        for start in range(0, customers, 100):
            opened = await asyncio.gather(
                *(Customer.open(url) for _ in range(min(100, customers - start)))
            )
            for i, customer in enumerate(opened, start=start):
                person = Person(f"w{self.index}c{i}", customer, i < with_agents)
                customer.on("bot_uttered", self._on_bot_uttered(person))
                customer.on("tandem_message", self._on_own(person))
                self.people.append(person)
        self.agents = [await AgentConsole.open(agent_url or url, token) for token in tokens]
        for agent in self.agents:
            agent.on("conversation_message", self._on_agent_message(agent))
        handed = [p for p in self.people if p.with_agent]
        for n, person in enumerate(handed):
            ack = await person.customer.say(f"human {person.key}", f"{person.key}-h")
            if not ack.get("ok"):
                raise RuntimeError(f"handoff message refused: {ack}")
            agent = self.agents[n % len(self.agents)]
            for _ in range(50):  # the bot's handoff reply queues it a moment later
                claimed = await agent.call("claim", {"conversation_id": ack["conversation_id"]})
                if claimed.get("ok"):
                    break
                await asyncio.sleep(0.1)
            else:
                raise RuntimeError(f"could not claim {ack['conversation_id']}: {claimed}")
        await asyncio.sleep(1.0)
        for person in self.people:  # setup traffic is not part of the accounting
            person.live.clear()
        return {
            "customers": len(self.people),
            "with_agents": len(handed),
            "connect_retries": sum(p.customer.retries for p in self.people),
        }

    def _on_bot_uttered(self, person: Person) -> Any:
        def handler(_: str, data: Any) -> None:
            meta = data.get("metadata", {}).get("tandem", {})
            person.live[meta.get("seq", 0)] += 1
            cmid = answered_cmid({"author": meta.get("author"), "text": data.get("text", "")})
            if cmid is not None:
                self._replied(person, cmid)

        return handler

    def _on_own(self, person: Person) -> Any:
        def handler(_: str, data: Any) -> None:
            person.live[data["entry"]["seq"]] += 1

        return handler

    def _replied(self, person: Person, cmid: str) -> None:
        if cmid in person.waiting:
            person.waiting.discard(cmid)
            self.latencies.append((time.perf_counter() - person.sent[cmid]) * 1000)
            self.replies += 1

    def _on_agent_message(self, agent: AgentConsole) -> Any:
        def handler(_: str, data: Any) -> None:
            entry = data["entry"]
            cmid = entry.get("client_msg_id", "")
            if entry["author"] != "customer" or cmid not in self.by_cmid:
                return
            seen = (data["conversation_id"], entry["seq"])
            if seen in self.answered:
                # The same entry again: a customer's resend relays it once more (its first
                # relay may have been lost, docs/protocol.md), and a console keeps one entry
                # per seq. Answering it again would be the agent's own resend, whose relay
                # reaches the customer a second time.
                return
            self.answered.add(seen)
            person = self.by_cmid[cmid]
            self.to_agent.append((time.perf_counter() - person.sent[cmid]) * 1000)
            agent.send_nowait(
                "send_message",
                {
                    "conversation_id": data["conversation_id"],
                    "text": f"{AGENT_ECHO}{cmid}",
                    "client_msg_id": f"a-{cmid}",
                },
            )

        return handler

    # -- load ---------------------------------------------------------------------------------
    async def run(self, seconds: float, think: float) -> dict[str, Any]:
        """One step of open-loop load; what it returns is this step's alone (the cost curve
        runs several on the same connections)."""
        self.latencies, self.to_agent, self.replies = [], [], 0
        self.steps += 1
        for person in self.people:  # a late reply to an earlier step is not this step's
            person.waiting.clear()
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        counts = await asyncio.gather(*(self._talk(p, end, think) for p in self.people))
        drain = loop.time() + 15
        while any(p.waiting for p in self.people) and loop.time() < drain:  # noqa: ASYNC110 - a bounded drain
            await asyncio.sleep(0.1)
        return {
            "sent": sum(counts),
            "replies": self.replies,
            "latencies_ms": [round(x, 3) for x in self.latencies],
            "to_agent_ms": [round(x, 3) for x in self.to_agent],
            "waiting": sum(len(p.waiting) for p in self.people),
        }

    async def _talk(self, person: Person, end: float, think: float) -> int:
        loop = asyncio.get_running_loop()
        rng = random.Random(f"{person.key}/{self.steps}")
        # A Poisson process from the start: the first gap is exponential too (a uniform first
        # gap made a short step's rate a third higher than offered).
        await asyncio.sleep(min(rng.expovariate(1 / think), max(0.0, end - loop.time())))
        count = 0
        pending: list[asyncio.Task[None]] = []
        while loop.time() < end:
            count += 1
            cmid = (
                f"{person.key}-{count}" if self.steps == 1 else f"{person.key}.{self.steps}-{count}"
            )
            pending.append(asyncio.create_task(self._say(person, cmid, rng.random() < RETRY_SHARE)))
            await asyncio.sleep(min(rng.expovariate(1 / think), max(0.0, end - loop.time())))
        await asyncio.gather(*pending)
        return count

    async def _say(self, person: Person, cmid: str, retry: bool) -> None:
        self.by_cmid[cmid] = person
        person.sent[cmid] = time.perf_counter()
        person.waiting.add(cmid)
        try:
            ack = await person.customer.say(f"{cmid} hello there", cmid, timeout=30)
        except Exception as exc:  # counted; the accounting finds out whether it was stored
            self.ack_errors[type(exc).__name__] += 1
            return
        if not ack.get("ok"):
            self.ack_errors[ack.get("error", {}).get("code", "?")] += 1
            return
        person.acked[cmid] = ack["seq"]
        if retry:
            person.resent.add(cmid)
            try:
                again = await person.customer.say(f"{cmid} hello there", cmid, timeout=30)
            except Exception as exc:  # the resend's own ack was lost: nothing to judge
                self.ack_errors[f"retry {type(exc).__name__}"] += 1
                return
            if not (again.get("ok") and again.get("duplicate") and again["seq"] == ack["seq"]):
                self.bad_retries.append(
                    {
                        "kind": "bad_retry",
                        "customer": person.key,
                        "conversation_id": ack.get("conversation_id", ""),
                        "client_msg_id": cmid,
                        "seq": ack["seq"],
                        "resend_ack": again,
                    }
                )

    # -- accounting ---------------------------------------------------------------------------
    async def account(self) -> dict[str, Any]:
        totals: Counter[str] = Counter()
        duplicates: list[dict[str, Any]] = list(self.bad_retries)
        for start in range(0, len(self.people), 50):
            results = await asyncio.gather(
                *(self._account(p) for p in self.people[start : start + 50])
            )
            for counts, found in results:
                totals.update(counts)
                duplicates += found
        totals["bad_retries"] = len(self.bad_retries)
        return {
            "totals": dict(totals),
            "ack_errors": dict(self.ack_errors),
            "duplicates": duplicates,
        }

    async def _account(self, person: Person) -> tuple[Counter[str], list[dict[str, Any]]]:
        entries: list[dict[str, Any]] = []
        after = 0
        retries: Counter[str] = Counter()
        while True:
            for attempt in range(10):  # "internal" means: retry (docs/protocol.md)
                page = await person.customer.client.call(
                    "tandem_sync", {"after_seq": after}, timeout=60
                )
                if page.get("ok") or page.get("error", {}).get("code") != "internal":
                    break
                retries["sync_retries"] += 1
                await asyncio.sleep(0.2 * (attempt + 1))
            if not page.get("ok"):
                retries["unverified_customers"] += 1
                retries["unverified_sent"] += len(person.sent)
                return retries, []
            entries += page["messages"]
            after = page["last_seq"]
            if not page["has_more"]:
                break
        person.conversation_id = person.customer.conversation_id
        counts, duplicates = judge(person, entries)
        counts.update(retries)
        return counts, duplicates

    async def close(self) -> None:
        closers = [p.customer.close for p in self.people] + [a.close for a in self.agents]
        for start in range(0, len(closers), 500):
            await asyncio.gather(
                *(c() for c in closers[start : start + 500]), return_exceptions=True
            )


@dataclass
class Rig:
    """Redis, the stand-in Rasa, one or more replicas and the load generator's workers, with
    customers connected (a share of them talking to agents): what the sustained benchmark and
    the cost curve (``bench/cost_curve.py``) both load. Worker ``w``'s customers are on replica
    ``w % replicas``, its agent consoles on the next replica (so with two replicas every agent
    message crosses them)."""

    redis: Proc
    stub: Proc
    services: list[Proc]
    pool: WorkerPool
    ready: list[dict[str, Any]]

    @property
    def pids(self) -> dict[str, int]:
        services = {
            ("handoff" if len(self.services) == 1 else f"handoff-{chr(97 + n)}"): proc.pid
            for n, proc in enumerate(self.services)
        }
        return {**services, "redis": self.redis.pid, "rasa-stub": self.stub.pid, **self.pool.pids}

    def services_rss_mb(self) -> float:
        return sum(proc.rss_mb() for proc in self.services)


@contextmanager
def rig(
    procs: Procs,
    *,
    customers: int,
    agent_share: float,
    replicas: int = 1,
    workers: int = 2,
    agents_per_worker: int = 5,
    on_started: Callable[[Rig], None] | None = None,
) -> Iterator[Rig]:
    """Start everything and connect ``customers`` (see :class:`Rig`); ``on_started`` runs once
    the processes are up, before anyone connects (the cost curve reads the idle RSS there)."""
    redis = procs.redis()
    stub = procs.stub_rasa()
    services = [
        procs.handoff(
            redis_url=redis.url,
            rasa_url=stub.url,
            name="handoff" if replicas == 1 else f"handoff-{chr(97 + n)}",
        )
        for n in range(replicas)
    ]
    per_worker = customers // workers
    with_agents = math.ceil(per_worker * agent_share)
    # An agent takes at most 50 conversations (the product's limit): enough agents for everyone
    # handed over.
    agents_per_worker = max(agents_per_worker, math.ceil(with_agents / AGENT_CAPACITY))
    names = asyncio.run(
        create_agents(redis.url, workers * agents_per_worker, capacity=AGENT_CAPACITY)
    )
    tokens = asyncio.run(login(services[0].url, names))
    with WorkerPool(procs, "sustained", workers) as pool:
        started = Rig(redis, stub, services, pool, [])
        if on_started is not None:
            on_started(started)
        started.ready = pool.call_all(
            "setup",
            [
                {
                    "url": services[w % replicas].url,
                    "agent_url": services[(w + 1) % replicas].url,
                    "customers": per_worker,
                    "with_agents": with_agents,
                    "tokens": tokens[w * agents_per_worker : (w + 1) * agents_per_worker],
                }
                for w in range(workers)
            ],
            timeout=600,
        )
        yield started


def load_step(
    setup: Rig, *, seconds: float, think: float, profile: Any = None
) -> tuple[list[dict[str, Any]], dict[str, float], float]:
    """One step of load on every worker: their results, CPU per process (cores), seconds."""
    meter = CpuMeter(setup.pids)
    meter.start()
    if profile is not None:
        profile("sustained", setup.services[0].pid, min(seconds, 30.0))
    t0 = time.monotonic()
    results = setup.pool.call_all("run", {"seconds": seconds, "think": think}, timeout=600)
    elapsed = time.monotonic() - t0
    return results, meter.stop(), elapsed


def run(run_dir: Path, *, quick: bool, log: Any, profile: Any = None) -> dict[str, Any]:
    workers = 2
    customers = 200 if quick else 1000
    agent_share = 0.2
    think = 10.0  # mean seconds between one customer's messages
    seconds = 20.0 if quick else 120.0
    with (
        Procs(run_dir) as procs,
        rig(procs, customers=customers, agent_share=agent_share, workers=workers) as setup,
    ):
        with_agents = math.ceil(customers // workers * agent_share)
        log(
            f"    {customers} customers connected ({workers * with_agents} with agents); "
            f"{seconds:.0f} s of load, one message per {think:.0f} s each on average"
        )
        results, cores, elapsed = load_step(setup, seconds=seconds, think=think, profile=profile)
        accounts = setup.pool.call_all("account", {}, timeout=600)
        rss = setup.services[0].rss_mb()
        ready = setup.ready
    latencies = [x for r in results for x in r["latencies_ms"]]
    to_agent = [x for r in results for x in r["to_agent_ms"]]
    totals: Counter[str] = Counter()
    ack_errors: Counter[str] = Counter()
    duplicates: list[dict[str, Any]] = []
    for account in accounts:
        totals.update(account["totals"])
        ack_errors.update(account["ack_errors"])
        duplicates += account["duplicates"]
    sent = sum(r["sent"] for r in results)
    replies = sum(r["replies"] for r in results)
    lost: int | None = totals["lost_stored"] + totals["lost_reply"] + totals["seq_gaps"]
    duplicated: int | None = (
        totals["duplicated_stored"] + totals["duplicated_live"] + totals["bad_retries"]
    )
    if totals["unverified_customers"]:
        # Some transcripts could not be read back: no honest total can be given.
        lost = duplicated = None
    msgs_per_s = round((sent + replies) / seconds, 1)
    lat = summary(latencies)
    loadgen = round(sum(v for k, v in cores.items() if k.startswith("worker")), 3)
    log(
        f"    {sent} messages + {replies} replies in {elapsed:.0f} s ({msgs_per_s}/s), "
        f"p95 {lat['p95']} ms, lost {lost}, duplicated {duplicated}, "
        f"handoff {cores['handoff']} cores, load generator {loadgen} cores"
    )
    for duplicate in duplicates[:LISTED]:
        log(f"    duplicated: {duplicate}")
    return {
        "figures": {
            "sustained_customers": customers,
            "sustained_msgs_per_s": msgs_per_s,
            "sustained_p95_ms": lat["p95"],
            "sustained_lost": lost,
            "sustained_duplicated": duplicated,
        },
        "details": {
            "setup": {
                "workers": workers,
                "customers": customers,
                "with_agents": workers * with_agents,
                "think_seconds_mean": think,
                "seconds": seconds,
                "retry_share": RETRY_SHARE,
            },
            "connect_retries": sum(r["connect_retries"] for r in ready),
            "customer_messages": sent,
            "replies_received_live": replies,
            "reply_latency_ms": lat,
            "customer_to_agent_ms": summary(to_agent),
            "accounting": dict(totals),
            "ack_errors": dict(ack_errors),
            # Each duplicate named (kind, customer, conversation, seq, client_msg_id): the
            # first LISTED, so a figure that is not zero can be traced to its message.
            "duplicates": duplicates[:LISTED],
            "cpu_cores": cores,
            "loadgen_cpu_cores": loadgen,
            "handoff_rss_mb_after": round(rss, 1),
        },
    }
