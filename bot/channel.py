"""The input channel the handoff service calls: one HTTP round trip per customer message.

Returns the bot's messages together with the NLU result for the message and the handoff object,
if any (contract: docs/bot-channel.md). Enabled in credentials.yml as ``bot.channel.TandemInput``.
"""

from __future__ import annotations

import hmac
import logging
import os
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.shared.nlu.constants import FULL_RETRIEVAL_INTENT_NAME_KEY
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.language import with_picked_language

logger = logging.getLogger(__name__)

MAX_SENDER_CHARS = 128
MAX_MESSAGE_CHARS = 4000
HANDBACK_INTENT = "EXTERNAL_agent_handback"
# Intents a customer may never trigger by typing "/name": they drive the bot's own machinery.
INTERNAL_INTENTS = frozenset({"restart", "back", "session_start", "nlu_fallback", "out_of_scope"})
# While a customer waits for a person, only questions of this (retrieval) intent reach the bot.
FAQ_INTENT = "faq"


class BadRequest(ValueError):
    """The request does not follow the contract; the message says what is wrong."""


def parse_request(body: Any) -> dict[str, Any]:
    """Validates a request body; returns sender, message|event, message_id and metadata."""
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    sender = body.get("sender")
    if not isinstance(sender, str) or not 0 < len(sender) <= MAX_SENDER_CHARS:
        raise BadRequest(f"'sender' must be a string of 1 to {MAX_SENDER_CHARS} characters")
    metadata = body.get("metadata")
    metadata = {} if metadata is None else metadata
    if not isinstance(metadata, dict):
        raise BadRequest("'metadata' must be an object")
    message_id = body.get("message_id") or uuid.uuid4().hex
    if not isinstance(message_id, str) or len(message_id) > MAX_SENDER_CHARS:
        raise BadRequest(f"'message_id' must be a string of at most {MAX_SENDER_CHARS} characters")
    event, message = body.get("event"), body.get("message")
    if event is not None:
        if event != "handback":
            raise BadRequest("'event' must be 'handback'")
        if message is not None:
            raise BadRequest("send either 'message' or 'event', not both")
    elif not isinstance(message, str) or not message.strip():
        raise BadRequest("'message' must be a non-empty string")
    elif len(message) > MAX_MESSAGE_CHARS:
        raise BadRequest(f"'message' is longer than {MAX_MESSAGE_CHARS} characters")
    faq_only = body.get("faq_only", False)
    if not isinstance(faq_only, bool):
        raise BadRequest("'faq_only' must be true or false")
    return {
        "sender": sender,
        "message": message,
        "event": event,
        "message_id": message_id,
        "metadata": metadata,
        "faq_only": faq_only,
    }


def neutralise_internal_intent(text: str, known_intents: set[str]) -> str:
    """Keeps "/intent" shortcuts (button payloads) for customer-facing intents only.

    Typed "/restart" or "/EXTERNAL_agent_handback" would drive the bot's own machinery, so such
    a message is passed on as plain text (without the slash) for NLU to read.
    """
    if not text.startswith("/"):
        return text
    name = text[1:].split("{", 1)[0].split("@", 1)[0].strip()
    if name in known_intents and name not in INTERNAL_INTENTS and not name.startswith("EXTERNAL_"):
        return text
    return text.lstrip("/").strip() or "?"


RANKED = 5  # runners-up reported per message


def ranked_intents(parse: dict[str, Any]) -> list[dict[str, Any]]:
    """The intent ranking, with ``faq`` spelled out as its topics (``faq/shipping_time``).

    The intent classifier sums the FAQ topics into ``faq``; the response selector ranks the
    topics within it. A topic's confidence is its share of ``faq``'s, so that it compares with
    the other intents; that is what a writer picks a label from. Without the selector's
    ranking, ``faq`` stays as it is.
    """
    topics = (parse.get("response_selector") or {}).get("faq", {}).get("ranking") or []
    ranking: list[dict[str, Any]] = []
    for item in parse.get("intent_ranking") or []:
        confidence = float(item.get("confidence", 0.0))
        if item.get("name") == "faq" and topics:
            ranking += [
                {
                    "name": topic.get("intent_response_key"),
                    "confidence": confidence * float(topic.get("confidence", 0.0)),
                }
                for topic in topics
                if topic.get("intent_response_key")
            ]
        else:
            ranking.append({"name": item.get("name"), "confidence": confidence})
    ranking.sort(key=lambda item: -item["confidence"])
    return [{"name": r["name"], "confidence": round(r["confidence"], 4)} for r in ranking[:RANKED]]


def nlu_result(text: str, parse: dict[str, Any]) -> dict[str, Any]:
    """The contract's ``nlu`` object from Rasa's parse data for a message."""
    intent_data = parse.get("intent") or {}
    intent = intent_data.get(FULL_RETRIEVAL_INTENT_NAME_KEY) or intent_data.get("name")
    confidence = float(intent_data.get("confidence") or 0.0)
    ranking = ranked_intents(parse)
    # For FAQs, the response selector's confidence in the topic matters more than "faq".
    selector = (parse.get("response_selector") or {}).get("faq", {}).get("response", {})
    if intent and intent.startswith("faq/") and selector.get("confidence") is not None:
        confidence = min(confidence, float(selector["confidence"]))
    return {
        "text": text,
        "intent": intent,
        "confidence": round(confidence, 4),
        "ranking": ranking,
        "language": parse.get("language") or {"code": None, "confidence": 0.0, "served": True},
    }


def handoff_of(messages: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The handoff object carried by the last bot message that has one."""
    for message in reversed(messages):
        custom = message.get("custom")
        handoff = custom.get("handoff") if isinstance(custom, dict) else None
        if isinstance(handoff, dict):
            return handoff
    return None


class TandemInput(InputChannel):
    """One round trip: customer message in; bot messages, NLU result and handoff out.

    Usage, in credentials.yml::

        bot.channel.TandemInput:
    """

    @classmethod
    def name(cls) -> str:
        return "tandem"

    def __init__(self, token: str | None = None) -> None:
        self.token = token if token is not None else os.environ.get("TANDEM_BOT_TOKEN") or None

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls((credentials or {}).get("token"))

    def _authorised(self, request: Request) -> bool:
        if not self.token:
            return True
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {self.token}".encode())

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("tandem_webhook", __name__)

        @hook.route("/message", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self._authorised(request):
                return response.json({"error": "unauthorised"}, status=401)
            try:
                body = parse_request(request.json)
            except BadRequest as error:
                return response.json({"error": str(error)}, status=400)
            except Exception:  # the body is not JSON at all
                return response.json({"error": "the body must be JSON"}, status=400)

            agent = request.app.ctx.agent
            if agent is None or not agent.is_ready():
                return response.json({"error": "no model loaded"}, status=503)
            collector = CollectingOutputChannel()
            try:
                if body["event"] == "handback":
                    await self._hand_back(agent, body["sender"], collector)
                    return response.json(
                        {"messages": collector.messages, "nlu": None, "handoff": None}
                    )
                text = neutralise_internal_intent(body["message"], set(agent.domain.intents))
                # Parsed once, here: the NLU result goes back to the caller and into the
                # dialogue as it is (no second parse, no reading the tracker back afterwards).
                parse = await agent.parse_message(text)
                parse = with_picked_language(parse, body["metadata"].get("language"))
                nlu = nlu_result(text, parse)
                if body["faq_only"] and (parse.get("intent") or {}).get("name") != FAQ_INTENT:
                    # The customer waits for a person: only FAQ questions get an answer; the
                    # tracker is left untouched by anything else (it is for the person to read).
                    return response.json({"messages": [], "nlu": nlu, "handoff": None})
                await on_new_message(
                    UserMessage(
                        text,
                        collector,
                        body["sender"],
                        input_channel=self.name(),
                        message_id=body["message_id"],
                        metadata=body["metadata"],
                        parse_data=parse,
                    )
                )
            except Exception:
                logger.exception("tandem channel: the bot failed to handle a message")
                return response.json({"error": "the bot failed to handle the message"}, status=500)

            return response.json(
                {
                    "messages": collector.messages,
                    "nlu": nlu,
                    "handoff": handoff_of(collector.messages),
                }
            )

        @hook.route("/health", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            agent = request.app.ctx.agent
            if agent is None or not agent.is_ready():
                return response.json({"status": "loading", "model": None}, status=503)
            action_server = await _ping_action_server(agent)
            ok = action_server == "ok"
            return response.json(
                {
                    "status": "ok" if ok else "degraded",
                    "model": agent.model_id,
                    "action_server": action_server,
                },
                status=200 if ok else 503,
            )

        return hook

    async def _hand_back(self, agent: Any, sender: str, collector: CollectingOutputChannel) -> None:
        # The lock keeps the hand-back from interleaving with a message for the same sender.
        async with agent.lock_store.lock(sender):
            tracker = await agent.processor.fetch_tracker_and_update_session(sender, collector)
            await agent.processor.trigger_external_user_uttered(
                HANDBACK_INTENT, None, tracker, collector
            )


async def _ping_action_server(agent: Any) -> str:
    endpoint = getattr(agent, "action_endpoint", None)
    if endpoint is None or not endpoint.url:
        return "not configured"
    health_url = endpoint.url.rsplit("/", 1)[0] + "/health"
    try:
        timeout = aiohttp.ClientTimeout(total=2)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.get(health_url) as reply:
                return "ok" if reply.status == 200 else "unreachable"
    except (aiohttp.ClientError, TimeoutError, OSError):
        return "unreachable"
