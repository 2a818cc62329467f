"""Agent assist's suggestion latency with 10,000 stored past replies (goal: p95 <= 50 ms).

Setup: Redis, the stand-in Rasa (its ``/model/parse`` answers at once, so what is measured is
the service: the parse's HTTP round trip, BM25 over the stored replies, the canned match and
the push), and one handoff replica that finds the stand-in's API as it finds the stack's
(``rasa-api.json`` in ``TANDEM_RUN_DIR``). Before the replica starts, Redis is given 10,000
(customer message -> agent reply) pairs through ``AssistStore.keep`` (1,000 conversations of
ten pairs, drawn from the English training questions with varied wording), which the replica
indexes at start-up. One customer is handed off and claimed by one agent; then, one at a time,
the customer asks a question (held-out paraphrases, every fifth an FAQ question) and the clock
runs from just before ``user_uttered`` until the agent's console has the ``suggestions`` for
that message's seq: what an agent waits for, including the message's own trip. The same
question's ``get_suggestions`` round trip is timed too (the request path).

Run: ``.venv/handoff/bin/python -m bench --only assist``
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import random
import time
from pathlib import Path
from typing import Any

from bench.actors import AgentConsole, Customer, create_agents, login
from bench.procs import ROOT, Procs
from bench.stats import summary

PAIRS = 10_000
PER_CONVERSATION = 10
WORDS = ("please", "hi", "hello", "thanks", "quick question", "sorry", "again", "today")


def questions(path: Path) -> list[tuple[str, str]]:
    """(text, intent) of an NLU file (the evaluation's reader)."""
    from scripts.assist_eval import examples

    return examples(path)


def stored_pairs(count: int) -> list[Any]:
    """``count`` pairs: training questions with a word or two added, each intent its reply."""
    from handoff.domain.past_replies import ReplyPair

    rng = random.Random(13)
    pool = [q for p in sorted((ROOT / "data/nlu/en").glob("*.yml")) for q in questions(p)]
    pairs = []
    for n in range(count):
        text, intent = pool[n % len(pool)]
        extra = " ".join(rng.sample(WORDS, rng.randint(0, 2)))
        customer = f"{extra} {text}".strip() if n >= len(pool) else text
        reply = f"Reply {n % 997} for {intent}: here is what we do in this case."
        pairs.append(ReplyPair("en", customer, reply, 5, f"c_bench{n // PER_CONVERSATION}"))
    return pairs


async def seed(redis_url: str, pairs: list[Any]) -> None:
    import redis.asyncio as aioredis

    from handoff.store.assist import AssistStore
    from handoff.store.keys import Keys

    redis = aioredis.Redis.from_url(redis_url, decode_responses=True)
    try:
        store = AssistStore(redis, Keys("tandem:"), cap=50_000, ttl=86400)
        for start in range(0, len(pairs), PER_CONVERSATION):
            chunk = pairs[start : start + PER_CONVERSATION]
            await store.keep(chunk[0].conversation_id, chunk)
    finally:
        await redis.aclose()


async def measure(url: str, redis_url: str, asked: list[str], warmup: int) -> dict[str, Any]:
    (token,) = await login(url, await create_agents(redis_url, 1))
    agent = await AgentConsole.open(url, token)
    customer = await Customer.open(url)
    arrived: dict[int, float] = {}
    changed = asyncio.Event()

    def on_suggestions(_: str, payload: Any) -> None:
        arrived[int(payload["for_seq"])] = time.perf_counter()
        changed.set()

    queued = asyncio.Event()
    agent.on("queue_added", lambda *_: queued.set())
    agent.on("suggestions", on_suggestions)
    ids = itertools.count(1)
    try:
        ack = await customer.say("human please", f"m-{next(ids)}")
        await asyncio.wait_for(queued.wait(), 15)
        claimed = await agent.call("claim", {"conversation_id": ack["conversation_id"]})
        assert claimed.get("ok"), claimed
        pushed: list[float] = []
        requested: list[float] = []
        shown: list[int] = []
        for n, text in enumerate(asked):
            started = time.perf_counter()
            ack = await customer.say(text, f"m-{next(ids)}")
            seq = int(ack["seq"])
            while seq not in arrived:
                changed.clear()
                await asyncio.wait_for(changed.wait(), 15)
            pushed_ms = (arrived[seq] - started) * 1000
            started = time.perf_counter()
            found = await agent.call("get_suggestions", {"conversation_id": ack["conversation_id"]})
            requested_ms = (time.perf_counter() - started) * 1000
            if n >= warmup:
                pushed.append(pushed_ms)
                requested.append(requested_ms)
                shown.append(len(found.get("suggestions", [])))
    finally:
        await customer.close()
        await agent.close()
    return {
        "pushed_ms": summary(pushed),
        "requested_ms": summary(requested),
        "mean_suggestions": round(sum(shown) / len(shown), 2) if shown else None,
    }


def run(run_dir: Path, *, quick: bool, log: Any, profile: Any = None) -> dict[str, Any]:
    samples, warmup = (100, 10) if quick else (500, 30)
    rng = random.Random(5)
    heldout = [t for t, _ in questions(ROOT / "tests/nlu/heldout/en.yml")]
    topics = ("shipping_time", "return_policy", "payment_methods", "order_tracking")
    asked = [
        f"faq {topics[n % len(topics)]} {rng.choice(heldout)}"
        if n % 5 == 0
        else rng.choice(heldout)
        for n in range(samples + warmup)
    ]
    pairs = stored_pairs(PAIRS)
    with Procs(run_dir) as procs:
        redis = procs.redis()
        stub = procs.stub_rasa()
        asyncio.run(seed(redis.url, pairs))
        api = run_dir / "rasa-api"
        api.mkdir(parents=True, exist_ok=True)
        # The stand-in's API, found as the stack's is (this process stays alive throughout).
        (api / "rasa-api.json").write_text(
            json.dumps({"url": stub.url, "token": "", "pid": os.getpid()})
        )
        service = procs.handoff(
            redis_url=redis.url, rasa_url=stub.url, env={"TANDEM_RUN_DIR": str(api)}
        )
        log(f"    {len(pairs):,} stored replies, {samples} questions (after {warmup} warm-up)")
        if profile is not None:
            profile("assist-handoff", service.pid, seconds=10)
        result = asyncio.run(measure(service.url, redis.url, asked, warmup))
    pushed, requested = result["pushed_ms"], result["requested_ms"]
    log(
        f"    suggestions pushed p50 {pushed['p50']} ms, p95 {pushed['p95']} ms; "
        f"get_suggestions p50 {requested['p50']} ms, p95 {requested['p95']} ms; "
        f"{result['mean_suggestions']} suggestions a question"
    )
    return {
        "figures": {
            "assist_p95_ms": pushed["p95"],
            "assist_request_p95_ms": requested["p95"],
        },
        "details": {"stored_pairs": len(pairs), "samples": samples, **result},
    }
