"""A stand-in for Rasa's Tandem channel (``docs/bot-channel.md``): a real HTTP server, scripted.

It answers ``POST /webhooks/tandem/message`` according to the message text, so a test decides
what the "bot" does by what the customer types. The messages of the golden examples
(``docs/bot-channel-examples.json``, the contract the real channel is tested against) get
their golden answers, exactly; otherwise:

- ``slow <seconds> …``        answers after sleeping (a slow bot or action server)
- ``empty …``                 ``{"messages": []}`` (Rasa's answer when the action server is down)
- ``crash …``                 HTTP 500
- ``human …`` or ``/request_human``  hands off with reason ``requested`` (no language: the
                              conversation keeps its own)
- ``triage <category> …``     hands off with reason ``triage``, ``summary.category`` and
                              ``summary.skill`` both ``<category>`` (and ``contact_email``
                              when the text has an address)
- ``de: …`` (any ``xx:``)     hands off with reason ``language``, language ``xx``
- ``in <xx> …``               answers ``You said: …`` in the served language ``xx`` (the
                              conversation's language becomes ``xx``)
- ``buttons …``               answers with two buttons
- ``faq <topic> …``           an FAQ answer ``About <topic>: …`` (intent ``faq/<topic>``)
- ``whoami``                  ``Stand-in on port <port>``: which of several stand-ins answered
- ``unsure …``                the bot falls back (``nlu_fallback``, confidence 0.21, a ranking
                              led by ``faq/order_tracking``) and asks "Did you mean…?" with buttons
- ``How can I track my order?`` (that button's payload) answered as ``faq/order_tracking``
- ``vague …``                 answered (``faq/shipping_time``) with a low confidence, 0.35
- anything else               ``You said: <text>``

With ``"faq_only": true`` (the customer waits for a person) it answers like the real channel:
FAQ questions as above, anything else with no messages (after ``slow``, ``empty``, ``crash``).

``{"event": "handback"}`` answers "I'm back". Every request is recorded in ``calls``.

``POST /model/parse`` (Rasa's HTTP API, ``--enable-api``) answers what the scripted channel's
``nlu`` says of the text, in Rasa's shape (an FAQ topic as ``faq`` plus the response selector's
``intent_response_key`` and, as Rasa does, the topic's ``responses`` from the domain: here
``data/responses/faq.yml``'s variations, conditions and all), with the token given as
``api_token`` (``?token=``).

Example::

    with RasaStub() as rasa:
        rasa.url         # "http://127.0.0.1:<port>"
        rasa.calls       # [{"sender": …, "message": …}, …]
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn
import yaml

from tests.support.ports import free_port, wait_for_port

Scope = dict[str, Any]
GOLDEN_PATH = Path(__file__).resolve().parents[2] / "docs" / "bot-channel-examples.json"
GOLDEN: list[dict[str, Any]] = json.loads(GOLDEN_PATH.read_text(encoding="utf-8"))["examples"]
FAQ_RESPONSES: dict[str, Any] = yaml.safe_load(
    (GOLDEN_PATH.parents[1] / "data" / "responses" / "faq.yml").read_text(encoding="utf-8")
)["responses"]


def golden_answer(body: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
    """The golden response to a golden message (the same text, ``faq_only`` alike)."""
    for example in GOLDEN:
        request = example["request"]
        if (
            "message" in request
            and request["message"] == body.get("message")
            and request.get("faq_only", False) == body.get("faq_only", False)
        ):
            return example["response"]["status"], example["response"]["body"]
    return None


TRACKING_PICK = "How can I track my order?"


def _turn(
    messages: list[dict[str, Any]],
    handoff: dict[str, Any] | None = None,
    text: str | None = None,
    intent: str = "stub",
    language: str | None = None,
    confidence: float = 1.0,
    ranking: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    nlu = (
        None
        if text is None
        else {
            "text": text,
            "intent": intent,
            "confidence": confidence,
            "ranking": ranking or [],
            # Like the real channel, a message says nothing about the language unless it is
            # clear ("in <xx> …" here); the conversation then keeps its language.
            "language": {"code": language, "confidence": 1.0 if language else 0.0, "served": True},
        }
    )
    return {"messages": messages, "nlu": nlu, "handoff": handoff}


def answer(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """The scripted answer for one request body: (status, JSON)."""
    if body.get("event") == "handback":
        return 200, _turn([{"text": "I'm back! Anything else I can help with?"}])
    golden = golden_answer(body)
    if golden is not None:
        return golden
    text = str(body.get("message", ""))
    words = text.split()
    if words[:1] == ["slow"]:  # the delay is the server's business; the rest is the script
        words = words[2:]
    first = words[0].lower() if words else ""
    if first == "empty":
        return 200, _turn([], text=text)
    if first == "crash":
        return 500, {"error": "the bot raised"}
    if first == "faq":
        topic = words[1] if len(words) > 1 else "general"
        said = {"text": f"About {topic}: here is what to know."}
        return 200, _turn([said], None, text, intent=f"faq/{topic}")
    if body.get("faq_only"):
        return 200, _turn([], None, text)
    if text == TRACKING_PICK:  # the "Did you mean…?" button below, understood
        said = {"text": "You can track your order from the link in its email."}
        return 200, _turn([said], None, text, intent="faq/order_tracking")
    if first == "unsure":
        ranking = [
            {"name": "nlu_fallback", "confidence": 0.3},
            {"name": "faq/order_tracking", "confidence": 0.21},
            {"name": "report_order_not_arrived", "confidence": 0.18},
            {"name": "greet", "confidence": 0.05},
        ]
        clarify = {
            "text": "I'm not sure I understood. Did you mean one of these?",
            "buttons": [
                {"title": "Tracking an order", "payload": TRACKING_PICK},
                {"title": "Talk to a person", "payload": "/request_human"},
            ],
        }
        return 200, _turn(
            [clarify], None, text, intent="nlu_fallback", confidence=0.21, ranking=ranking
        )
    if first == "vague":
        said = {"text": "Delivery takes 2 to 4 working days."}
        return 200, _turn([said], None, text, intent="faq/shipping_time", confidence=0.35)
    if first in ("human", "/request_human"):
        # No language: the service keeps the conversation's (what the real bot's slot holds).
        handoff = {"reason": "requested", "summary": {}}
        return 200, _turn(
            [{"text": "I'm bringing in a person.", "custom": {"handoff": handoff}}],
            handoff,
            text,
            intent="request_human",
        )
    if first == "triage":
        category = words[1] if len(words) > 1 else "general"
        # Like the real bot, the summary names the skill the problem needs (summary.skill).
        summary = {"category": category, "description": text, "skill": category}
        emails = [w.rstrip(".,") for w in words if "@" in w]
        if emails:
            summary["contact_email"] = emails[0]
        handoff = {"reason": "triage", "summary": summary, "language": "en"}
        return 200, _turn(
            [
                {
                    "text": "Thanks, a specialist will take it from here.",
                    "custom": {"handoff": handoff},
                }
            ],
            handoff,
            text,
        )
    if len(first) == 3 and first.endswith(":") and first[:2].isalpha():
        handoff = {"reason": "language", "summary": {}, "language": first[:2]}
        return 200, _turn(
            [{"text": "One moment, finding a person.", "custom": {"handoff": handoff}}],
            handoff,
            text,
        )
    if first == "in" and len(words) > 1:
        return 200, _turn([{"text": f"You said: {text}"}], None, text, language=words[1])
    if first == "buttons":
        buttons = [
            {"title": "Track my order", "payload": "/track"},
            {"title": "Talk to a person", "payload": "/request_human"},
        ]
        return 200, _turn([{"text": "What can I do?", "buttons": buttons}], None, text)
    return 200, _turn([{"text": f"You said: {text}"}], None, text)


class RasaStub:
    def __init__(self, token: str = "", port: int | None = None, api_token: str = "") -> None:
        self.token = token
        self.api_token = api_token
        self.port = port or free_port()
        self.calls: list[dict[str, Any]] = []
        self.healthy = True
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def messages_for(self, sender: str) -> list[str]:
        return [
            c.get("message", "")
            for c in list(self.calls)
            if c.get("sender") == sender and "message" in c
        ]

    def events_for(self, sender: str) -> list[str]:
        return [c["event"] for c in list(self.calls) if c.get("sender") == sender and "event" in c]

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        if scope["path"] == "/model/parse":
            await self._parse(scope, body, send)
            return
        if self.token and headers.get("authorization") != f"Bearer {self.token}":
            await self._send(send, 401, {"error": "unauthorized"})
            return
        if scope["path"] == "/webhooks/tandem/health":
            await self._send(
                send, 200 if self.healthy else 503, {"status": "ok" if self.healthy else "degraded"}
            )
            return
        if scope["path"] != "/webhooks/tandem/message" or scope["method"] != "POST":
            await self._send(send, 404, {"error": "not found"})
            return
        try:
            data = json.loads(body)
        except ValueError:
            await self._send(send, 400, {"error": "not JSON"})
            return
        self.calls.append(data)
        words = str(data.get("message", "")).split()
        if words and words[0].lower() == "slow":
            await asyncio.sleep(float(words[1]) if len(words) > 1 else 2.0)
        if data.get("message") == "whoami":
            text = str(data["message"])
            status, reply = 200, _turn([{"text": f"Stand-in on port {self.port}"}], None, text)
        else:
            status, reply = answer(data)
        await self._send(send, status, reply)

    async def _parse(self, scope: Scope, body: bytes, send: Any) -> None:
        query = scope.get("query_string", b"").decode()
        if self.api_token and f"token={self.api_token}" not in query.split("&"):
            await self._send(send, 401, {"error": "unauthorized"})
            return
        text = str(json.loads(body or b"{}").get("text", ""))
        self.calls.append({"parse": text})
        nlu = answer({"message": text})[1].get("nlu") or {"intent": "stub", "confidence": 1.0}
        intent, confidence = nlu["intent"], nlu["confidence"]
        parsed: dict[str, Any] = {
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
        }
        if intent.startswith("faq/"):
            parsed["intent"]["name"] = "faq"
            response = {"intent_response_key": intent, "confidence": confidence}
            if f"utter_{intent}" in FAQ_RESPONSES:
                response["responses"] = FAQ_RESPONSES[f"utter_{intent}"]
            parsed["response_selector"] = {"faq": {"response": response}}
        await self._send(send, 200, parsed)

    @staticmethod
    async def _send(send: Any, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def start(self) -> RasaStub:
        config = uvicorn.Config(
            self, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="rasa-stub", daemon=True)
        self._thread.start()
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None

    def __enter__(self) -> RasaStub:
        return self.start()

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop()


class RasaStubProcess:
    """The stand-in in a process of its own, so that a test can kill it (SIGKILL) or freeze it
    (``tests.support.faults``) and start it again on the same port. It records no ``calls``
    the test can read: count what the service stored instead.

    Example::

        with RasaStubProcess(tmp_path) as rasa:
            rasa.kill(); rasa.start()
    """

    def __init__(self, log_dir: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.log_path = Path(log_dir) / f"rasa-stub-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> RasaStubProcess:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.rasa_stub", str(self.port)],
            cwd=GOLDEN_PATH.parents[1],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_for_port(self.port)
        return self

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def __enter__(self) -> RasaStubProcess:
        return self.start()

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)  # a frozen stub cannot die
        self.kill()


def wait_until(predicate: Any, timeout: float = 10.0, interval: float = 0.02) -> None:
    """Poll ``predicate`` (sync) until true; a failure guard, not a timing assertion."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(interval)


if __name__ == "__main__":  # python -m tests.support.rasa_stub <port>: RasaStubProcess
    stub = RasaStub(port=int(sys.argv[1]))
    uvicorn.run(stub, host="127.0.0.1", port=stub.port, log_level="warning", lifespan="off")
