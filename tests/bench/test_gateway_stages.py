"""The bot path's breakdown (``bench.gateway_stages``): how turns are cut into stages, the floor
gateway it measures the service against, and the service's stamps, on real processes."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from bench.actors import Customer
from bench.gateway_stages import STAGES, STAMPS, read_stamps, turn_stages
from bench.procs import free_port, port_open
from tests.support.handoff_server import HandoffServer
from tests.support.rasa_stub import RasaStub
from tests.support.redis_server import RedisServer

REPO = Path(__file__).resolve().parents[2]


def stamp(stage: str, conv: str, t0: float, t1: float, seq: int | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {"stage": stage, "conv": conv, "t0": t0, "t1": t1}
    if seq is not None:
        record["seq"] = seq
    return record


def a_turn(conv: str, seq: int, at: float) -> tuple[list[Any], list[dict[str, Any]]]:
    """A turn whose stages last 1, 2, 3, ... ms in the order of ``STAGES``."""
    marks = [at]
    for n in range(len(STAGES)):
        marks.append(marks[-1] + (n + 1) / 1000)
    records = [
        stamp("handler", conv, marks[1], marks[4], seq),
        stamp("append", conv, marks[2], marks[3], seq),
        stamp("kick", conv, marks[4], marks[4]),
        stamp("ask", conv, marks[5] - 0.0001, marks[6] + 0.0001, seq),
        stamp("http", conv, marks[5], marks[6]),
        stamp("store_turn", conv, marks[7] - 0.0001, marks[9]),
        stamp("commit", conv, marks[7], marks[8], seq),
    ]
    return [marks[0], marks[4] + 0.0005, marks[10], conv, seq], records


def test_each_turn_is_cut_at_its_own_stamps() -> None:
    first, first_records = a_turn("c1", 1, at=100.0)
    second, second_records = a_turn("c1", 2, at=101.0)  # the same conversation, a second later
    other, other_records = a_turn("c2", 1, at=100.0005)  # another one, at the same moment
    stages = turn_stages([first, second, other], first_records + second_records + other_records)
    for n, name in enumerate(STAGES):
        assert stages[name] == pytest.approx([n + 1.0] * 3), name
    assert stages["ack out"] == pytest.approx([0.5] * 3)
    # The service's part: everything but the HTTP call (6 ms of 55).
    assert stages["service"] == pytest.approx([49.0] * 3)


def test_a_turn_missing_a_stamp_is_left_out() -> None:
    whole, records = a_turn("c1", 1, at=10.0)
    cut, cut_records = a_turn("c2", 1, at=10.0)
    cut_records = [r for r in cut_records if r["stage"] != "http"]  # stamped only in part
    unknown = [0.0, 0.1, 0.2, "c3", 1]  # the service never stamped it
    stages = turn_stages([whole, cut, unknown], records + cut_records)
    assert len(stages["service"]) == 1
    assert all(len(values) == 1 for values in stages.values())


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


@pytest.fixture
def rasa() -> Iterator[RasaStub]:
    with RasaStub() as stub:
        yield stub


async def one_turn(url: str, text: str) -> tuple[dict[str, Any], dict[str, Any], list[Any]]:
    """A customer says ``text``: its ack, the first ``bot_uttered``, and the turn as the
    benchmark's load generator records it (``[sent, acked, answered, conversation, seq]``)."""
    customer = await Customer.open(url)
    answered: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def on_bot(_: str, data: Any) -> None:
        if not answered.done():
            answered.set_result((time.perf_counter(), data))

    customer.on("bot_uttered", on_bot)
    try:
        t0 = time.perf_counter()
        ack = await customer.say(text, "m-1")
        acked = time.perf_counter()
        t1, answer = await asyncio.wait_for(answered, 10)
    finally:
        await customer.close()
    return ack, answer, [t0, acked, t1, ack.get("conversation_id"), ack.get("seq")]


def test_the_floor_gateway_stores_both_sides_and_relays_the_answer(
    redis_server: RedisServer, rasa: RasaStub, tmp_path: Path
) -> None:
    port = free_port()
    log = (tmp_path / "floor.log").open("ab")
    floor = subprocess.Popen(
        [sys.executable, "-m", "bench.gateway_floor", "--port", str(port)]
        + ["--redis", redis_server.url, "--rasa", rasa.url],
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while not port_open(port):
            assert floor.poll() is None and time.monotonic() < deadline, "the floor did not start"
            time.sleep(0.1)
        ack, answer, _ = asyncio.run(one_turn(f"http://127.0.0.1:{port}", "hello floor"))
    finally:
        floor.terminate()
        floor.wait(10)
    assert ack["ok"] is True
    assert answer["text"] == "You said: hello floor"
    assert answer["metadata"]["tandem"]["author"] == "bot"
    stored = redis.Redis.from_url(redis_server.url, decode_responses=True).xrange(
        f"floor:{ack['conversation_id']}"
    )
    assert [fields for _, fields in stored] == [
        {"author": "customer", "text": "hello floor"},
        {"author": "bot", "text": "You said: hello floor"},
    ]
    assert [call["message"] for call in rasa.calls] == ["hello floor"]


def test_the_services_stamps_cut_a_real_turn_into_every_stage(
    redis_server: RedisServer, rasa: RasaStub, tmp_path: Path
) -> None:
    stamps = tmp_path / "stamps.jsonl"
    server = HandoffServer(
        redis_url=redis_server.url,
        rasa_url=rasa.url,
        log_dir=tmp_path,
        env={
            "PYTHONPATH": str(STAMPS),
            "TANDEM_BENCH_STAMPS": str(stamps),
            "TANDEM_ALLOWED_ORIGINS": "*",
        },
    ).start()
    try:
        _, answer, turn = asyncio.run(one_turn(server.url, "hello service"))
        time.sleep(1.5)  # the stamps are written once a second
        records = read_stamps(stamps)
    finally:
        server.stop()
    assert answer["text"] == "You said: hello service"
    stages = turn_stages([turn], records)
    assert len(stages["service"]) == 1, json.dumps(records)
    durations = dict(zip(STAGES, (stages[name][0] for name in STAGES), strict=True))
    # Stamps matched to the wrong turn or in the wrong order would make a stage negative.
    assert all(d >= 0 for d in durations.values()), durations
    assert durations["append"] > 0 and durations["commit"] > 0 and durations["HTTP to Rasa"] > 0
    total = (turn[2] - turn[0]) * 1000
    assert 0 < stages["service"][0] < total
    assert stages["ack out"][0] >= 0


def test_without_the_variable_the_stamps_change_nothing() -> None:
    script = (
        "import sitecustomize, handoff.services.bridge as b; print(b.BotBridge.kick.__qualname__)"
    )
    env = {"PYTHONPATH": str(STAMPS), "PATH": "/usr/bin:/bin"}
    plain = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True
    )
    stamped = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env={**env, "TANDEM_BENCH_STAMPS": "/dev/null"},
        capture_output=True,
        text=True,
    )
    assert plain.returncode == 0 and stamped.returncode == 0, plain.stderr + stamped.stderr
    assert plain.stdout.strip() == "BotBridge.kick"
    assert stamped.stdout.strip() == "_install.<locals>.bridge_kick"
