"""Redis commands and service CPU per bot turn (or per agent message relayed to a customer,
``--path relay``), comparing versions of the service in one run.

What a bot turn costs the service does not depend on how loaded the machine is when counted in
Redis commands (``INFO commandstats``: calls of ``evalsha``, ``publish``, ... per answered turn),
so this is the load-independent measure of "fewer round trips per turn". Its CPU-seconds per
1,000 turns are measured alongside, in alternating phases (A B B A ...), since those do move
with the machine.

The stand-in Rasa (``bench.stub_rasa``) answers at once, so the bot is not what is measured.
Each phase starts a fresh replica of one version on the same Redis, connects the customers,
warms up with one turn each, resets Redis's statistics, then has each customer send its
messages one after another, each after the bot's answer to the previous one (no think time: a
phase is a fixed number of turns, not a fixed time). Background work (presence, sweepers) runs
during the phase too; it is a handful of commands a second, under 1 % of the counts here.

With ``--path relay`` each customer's conversation is first handed to an agent console on the
same replica (the stand-in Rasa hands ``human …`` over); the agents then send, each message
after the customer received the previous one, and a "turn" is one message relayed.

``source`` is a checkout of the version to run: the working tree, or another commit's export
(``git archive <commit> | tar -x -C run/<dir>``).

Example::

    .venv/handoff/bin/python -m bench.round_trips --turns 2000 run/base .
    .venv/handoff/bin/python -m bench.round_trips --path relay --turns 2000 run/base .
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import redis

from bench.actors import AgentConsole, Customer, create_agents, login
from bench.procs import ROOT, Procs

CUSTOMERS = 20

Send = Callable[[int], Awaitable[Any]]  # the n-th message of one sender; returns its ack


async def closed_loop(sends: list[Send], arrivals: list[asyncio.Queue[Any]], each: int) -> int:
    """Every sender sends ``each`` messages, each once the previous one's answer (or copy)
    arrived in its queue; returns how many arrived."""

    async def one(send: Send, arrived: asyncio.Queue[Any]) -> int:
        count = 0
        for n in range(each):
            if (await send(n)).get("ok"):
                await asyncio.wait_for(arrived.get(), 30)
                count += 1
        return count

    return sum(await asyncio.gather(*(one(s, q) for s, q in zip(sends, arrivals, strict=True))))


class Talkers:
    """Customers who each wait for the bot's answer before their next message."""

    def __init__(self, people: list[Customer]) -> None:
        self.people = people
        self.answers: list[asyncio.Queue[Any]] = [asyncio.Queue() for _ in people]
        for person, queue in zip(people, self.answers, strict=True):

            def on_bot(_: str, data: Any, queue: asyncio.Queue[Any] = queue) -> None:
                if data.get("metadata", {}).get("tandem", {}).get("author") == "bot":
                    queue.put_nowait(data)

            person.on("bot_uttered", on_bot)

    @classmethod
    async def open(cls, url: str, customers: int) -> Talkers:
        return cls(list(await asyncio.gather(*(Customer.open(url) for _ in range(customers)))))

    async def turns(self, per_customer: int, tag: str) -> int:
        """Every customer says ``per_customer`` messages; returns how many were answered."""

        def sender(i: int) -> Send:
            return lambda n: self.people[i].say(f"hello {n}", f"{tag}-{i}-{n}", timeout=30)

        sends = [sender(i) for i in range(len(self.people))]
        return await closed_loop(sends, self.answers, per_customer)

    async def close(self) -> None:
        await asyncio.gather(*(p.close() for p in self.people), return_exceptions=True)


class Relayers:
    """Agents who each wait for their customer to receive a message before sending the next."""

    def __init__(self, pairs: list[tuple[AgentConsole, Customer, str]]) -> None:
        self.pairs = pairs
        self.received: list[asyncio.Queue[Any]] = [asyncio.Queue() for _ in pairs]
        for (_, customer, _), queue in zip(pairs, self.received, strict=True):

            def on_agent(_: str, data: Any, queue: asyncio.Queue[Any] = queue) -> None:
                if data.get("metadata", {}).get("tandem", {}).get("author") == "agent":
                    queue.put_nowait(data)

            customer.on("bot_uttered", on_agent)

    @classmethod
    async def open(cls, url: str, redis_url: str, customers: int) -> Relayers:
        tokens = await login(url, await create_agents(redis_url, customers))
        pairs = []
        for i, token in enumerate(tokens):
            agent = await AgentConsole.open(url, token)  # online before the handoff
            customer = await Customer.open(url)
            queued: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

            def on_state(_: str, change: Any, queued: asyncio.Future[Any] = queued) -> None:
                if change.get("state") == "queued" and not queued.done():
                    queued.set_result(change)

            customer.on("tandem_state", on_state)
            ack = await customer.say(f"human {i}", f"h-{i}", timeout=30)
            await asyncio.wait_for(queued, 30)
            claimed = await agent.call("claim", {"conversation_id": ack["conversation_id"]})
            if not claimed.get("ok"):
                raise RuntimeError(f"claim refused: {claimed}")
            pairs.append((agent, customer, str(ack["conversation_id"])))
        return cls(pairs)

    async def turns(self, per_customer: int, tag: str) -> int:
        """Every agent sends ``per_customer`` messages; returns how many were received."""

        def sender(i: int) -> Send:
            agent, _, conversation_id = self.pairs[i]

            def send(n: int) -> Awaitable[Any]:
                cmid = f"{tag}-{i}-{n}"
                payload = {"conversation_id": conversation_id, "text": cmid, "client_msg_id": cmid}
                return agent.call("send_message", payload, timeout=30)

            return send

        sends = [sender(i) for i in range(len(self.pairs))]
        return await closed_loop(sends, self.received, per_customer)

    async def close(self) -> None:
        people = [p for agent, customer, _ in self.pairs for p in (agent, customer)]
        await asyncio.gather(*(p.close() for p in people), return_exceptions=True)


def command_calls(client: redis.Redis) -> dict[str, int]:
    stats: dict[str, Any] = client.info("commandstats")
    return {k.removeprefix("cmdstat_"): int(v["calls"]) for k, v in stats.items()}


def phase(
    procs: Procs, redis_proc: Any, rasa_url: str, source: Path, turns: int, path: str
) -> dict[str, Any]:
    service = procs.handoff(
        redis_url=redis_proc.url, rasa_url=rasa_url, name=f"handoff-{source.name}", source=source
    )
    client = redis.Redis.from_url(redis_proc.url, decode_responses=True)
    try:

        async def run() -> dict[str, Any]:
            talkers: Talkers | Relayers
            if path == "relay":
                talkers = await Relayers.open(service.url, redis_proc.url, CUSTOMERS)
            else:
                talkers = await Talkers.open(service.url, CUSTOMERS)
            try:
                await talkers.turns(1, "warm")
                client.config_resetstat()
                cpu0, redis0, t0 = service.cpu_seconds(), redis_proc.cpu_seconds(), time.monotonic()
                answered = await talkers.turns(turns // CUSTOMERS, "t")
                wall = time.monotonic() - t0
                cpu, redis_cpu = service.cpu_seconds() - cpu0, redis_proc.cpu_seconds() - redis0
                calls = command_calls(client)
            finally:
                await talkers.close()
            return {
                "source": str(source),
                "path": path,
                "turns": answered,
                "seconds": round(wall, 2),
                "service_cpu_s_per_1000": round(cpu / answered * 1000, 3),
                "redis_cpu_s_per_1000": round(redis_cpu / answered * 1000, 3),
                "calls_per_turn": {k: round(v / answered, 3) for k, v in sorted(calls.items())},
                "commands_per_turn": round(sum(calls.values()) / answered, 3),
            }

        return asyncio.run(run())
    finally:
        client.close()
        procs.stop(service)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sources", nargs="+", type=Path, help="checkouts to compare")
    parser.add_argument("--path", choices=("bot", "relay"), default="bot", help="what a turn is")
    parser.add_argument("--turns", type=int, default=2000, help="turns per phase")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds (A B, B A)")
    parser.add_argument("--out", type=Path, default=ROOT / "run" / "round-trips")
    args = parser.parse_args()
    sources = [s.resolve() for s in args.sources]
    phases: list[dict[str, Any]] = []
    with Procs(args.out) as procs:
        redis_proc = procs.redis()
        rasa = procs.stub_rasa()
        for r in range(args.rounds):
            for source in sources if r % 2 == 0 else list(reversed(sources)):
                result = phase(procs, redis_proc, rasa.url, source, args.turns, args.path)
                phases.append(result)
                print(json.dumps(result), flush=True)
    (args.out / "phases.json").write_text(json.dumps(phases, indent=1))


if __name__ == "__main__":
    main()
