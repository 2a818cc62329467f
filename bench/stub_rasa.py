"""A stand-in Rasa for the benchmarks that do not measure the bot: answers at once, in a subprocess.

It implements the Tandem channel (``docs/bot-channel.md``) with no NLU at all, so that what is
measured is the handoff service, not the model:

- a message starting with ``human`` hands off (reason ``requested``); the handoff's ``summary``
  carries ``bench_sent_at``, the wall-clock time just before the reply is written, so the handoff
  notification benchmark can time "the bot's handoff reply leaves Rasa -> the console has it";
- anything else is answered ``You said: <text>``;
- ``POST /model/parse`` (Rasa's HTTP API, for agent assist): ``faq <topic> …`` is the FAQ topic
  ``faq/<topic>`` (confidence 0.95, in Rasa's shape: ``faq`` plus the response selector's
  ``intent_response_key``), anything else intent ``bench``.

Run: ``python -m bench.stub_rasa --port 5005``
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import uvicorn

Scope = dict[str, Any]
HEADERS = [(b"content-type", b"application/json")]


def turn(text: str) -> dict[str, Any]:
    nlu = {"text": text, "intent": "bench", "confidence": 1.0, "ranking": []}
    if text.startswith("human"):
        handoff = {
            "reason": "requested",
            "summary": {"bench_sent_at": time.time()},
            "language": "en",
        }
        message = {"text": "I'm bringing in a person.", "custom": {"handoff": handoff}}
        return {"messages": [message], "nlu": nlu, "handoff": handoff}
    return {"messages": [{"text": f"You said: {text}"}], "nlu": nlu, "handoff": None}


def parse(text: str) -> dict[str, Any]:
    words = text.split()
    if len(words) > 1 and words[0] == "faq":
        topic = {"intent_response_key": f"faq/{words[1]}", "confidence": 0.95}
        return {
            "text": text,
            "intent": {"name": "faq", "confidence": 0.95},
            "response_selector": {"faq": {"response": topic}},
        }
    return {"text": text, "intent": {"name": "bench", "confidence": 1.0}}


async def app(scope: Scope, receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    status, reply = 404, {"error": "not found"}
    path = scope["path"]
    if path == "/webhooks/tandem/health":
        status, reply = 200, {"status": "ok", "model": "stub", "action_server": "ok"}
    elif path == "/model/parse":
        status, reply = 200, parse(str(json.loads(body or b"{}").get("text", "")))
    elif path == "/webhooks/tandem/message":
        data = json.loads(body)
        if data.get("event") == "handback":
            status, reply = 200, {"messages": [{"text": "I'm back!"}], "nlu": None}
        else:
            status, reply = 200, turn(str(data.get("message", "")))
    await send({"type": "http.response.start", "status": status, "headers": HEADERS})
    await send({"type": "http.response.body", "body": json.dumps(reply).encode()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        http="httptools",
    )


if __name__ == "__main__":
    main()
