"""The anchor for the bot path: the least a gateway that stores before delivering can add.

A python-socketio server on the same ASGI stack and transport settings as the handoff service
(``socketio.ASGIApp`` under uvicorn, websockets-sansio without permessage-deflate, one event at
a time per socket). For each ``user_uttered`` it does only what a durable gateway must:

1. store the customer's message (one ``XADD``, one Redis round trip) and acknowledge it;
2. post it to Rasa's Tandem channel (one kept-alive ``aiohttp`` session, the service's client);
3. store the bot's messages (one pipelined ``XADD`` per message, one round trip);
4. emit each as ``bot_uttered`` to the socket.

No sessions, no validation, no rate limits, no leases, no fan-out, no inbox: what is left between
this and Rasa straight is what the machine charges for two websocket frames, two Redis round
trips and one more HTTP hop. ``bench.gateway_stages`` runs it side by side with Rasa's REST
channel and the handoff service, so the service's own part is the difference to this.

``--stamps FILE`` records the same stages as ``bench/turn_stamps`` does inside the service
(handler, append, kick, ask, http, commit, store_turn), so both turns are cut alike.

Run: ``python -m bench.gateway_floor --port 9001 --redis redis://127.0.0.1:6379/0
--rasa http://127.0.0.1:5005 --token TOKEN``
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import threading
import time
from typing import Any

import aiohttp
import redis.asyncio as aioredis
import socketio  # type: ignore[import-untyped]

from bench.echo_server import serve


class Stamps:
    """Stage records, written to a file as JSON lines once a second by a thread (or dropped)."""

    def __init__(self, path: str | None) -> None:
        self.records: list[dict[str, Any]] | None = [] if path else None
        if path:
            threading.Thread(target=self._write, args=(path,), daemon=True).start()

    def add(self, stage: str, conv: str, t0: float, seq: int | None = None) -> None:
        if self.records is not None:
            self.records.append(
                {"stage": stage, "conv": conv, "seq": seq, "t0": t0, "t1": time.perf_counter()}
            )

    def _write(self, path: str) -> None:
        assert self.records is not None
        with open(path, "a", encoding="utf-8") as file:
            while True:
                time.sleep(1.0)
                taken = self.records[:]
                del self.records[: len(taken)]
                file.writelines(json.dumps(r) + "\n" for r in taken)
                file.flush()


def build(redis_url: str, rasa_url: str, token: str, stamps: Stamps) -> socketio.ASGIApp:
    sio = socketio.AsyncServer(
        async_mode="asgi",
        cors_allowed_origins="*",
        async_handlers=False,
        logger=False,
        engineio_logger=False,
    )
    redis = aioredis.Redis.from_url(redis_url)
    http: dict[str, aiohttp.ClientSession] = {}
    seqs = itertools.count(1)
    # One turn at a time per conversation, in the order the messages were stored.
    locks: dict[str, asyncio.Lock] = {}
    pending: set[asyncio.Task[None]] = set()

    def session() -> aiohttp.ClientSession:
        if "rasa" not in http:
            http["rasa"] = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=200, keepalive_timeout=30),
                headers={"Authorization": f"Bearer {token}"},
            )
        return http["rasa"]

    async def session_request(sid: str, data: Any) -> None:
        await sio.emit("tandem_session", {"session_id": sid, "conversation_id": sid}, to=sid)

    async def turn(sid: str, text: str, seq: int) -> None:
        async with locks.setdefault(sid, asyncio.Lock()):
            asked = time.perf_counter()
            # As the service sends it for a customer whose client sent no metadata.
            body = {"sender": sid, "message": text, "message_id": f"{sid}:{seq}"}
            posted = time.perf_counter()
            async with session().post(f"{rasa_url}/webhooks/tandem/message", json=body) as reply:
                answer = json.loads(await reply.read())
            stamps.add("http", sid, posted)
            stamps.add("ask", sid, asked, seq)
            storing = time.perf_counter()
            messages = answer.get("messages") or []
            async with redis.pipeline(transaction=False) as pipe:
                for message in messages:
                    pipe.xadd(f"floor:{sid}", {"author": "bot", "text": message.get("text", "")})
                ids = await pipe.execute()
            stamps.add("commit", sid, storing, seq)
            for message, entry_id in zip(messages, ids, strict=True):
                meta = {"tandem": {"author": "bot", "id": entry_id.decode()}}
                await sio.emit("bot_uttered", {**message, "metadata": meta}, to=sid)
            stamps.add("store_turn", sid, storing)

    async def user_uttered(sid: str, data: Any) -> dict[str, Any]:
        started = time.perf_counter()
        seq = next(seqs)
        text = str(data.get("message", ""))
        await redis.xadd(f"floor:{sid}", {"author": "customer", "text": text})
        stamps.add("append", sid, started, seq)
        kicked = time.perf_counter()
        task = asyncio.create_task(turn(sid, text, seq))
        pending.add(task)
        task.add_done_callback(pending.discard)
        stamps.add("kick", sid, kicked)
        stamps.add("handler", sid, started, seq)
        return {"ok": True, "conversation_id": sid, "seq": seq}

    async def disconnect(sid: str, reason: Any = None) -> None:
        locks.pop(sid, None)

    sio.on("session_request", handler=session_request)
    sio.on("user_uttered", handler=user_uttered)
    sio.on("disconnect", handler=disconnect)
    return socketio.ASGIApp(sio)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis", required=True)
    parser.add_argument("--rasa", required=True)
    parser.add_argument("--token", default="")
    parser.add_argument("--stamps", help="record each turn's stages here (JSON lines)")
    args = parser.parse_args()
    serve(build(args.redis, args.rasa, args.token, Stamps(args.stamps)), args.port)


if __name__ == "__main__":
    main()
