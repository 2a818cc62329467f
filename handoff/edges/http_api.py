"""HTTP endpoints: health, metrics, agent login and the transcript export.

Login takes ``application/json`` only (415 otherwise): a cross-site page can send a form or a
``text/plain`` body without asking, but not JSON, so visitors' browsers cannot be made to guess
passwords (``docs/security.md``). Failed attempts are limited per client address (strict) and
per username (generous, from every address together), in Redis; a successful login costs
neither, and a limit that is spent answers 429 before any hashing.

Example::

    api = HttpApi(settings=settings, redis=redis, bot=bot_client, stats=stats, auth=auth,
                  conversations=conversations, connections=connections,
                  limits=limits, login_rules=LoginRules(by_address=..., by_username=...))
    sanic_app.blueprint(api.blueprint())
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, text
from sanic.response import json as json_response

from handoff.config.settings import Settings
from handoff.domain import views
from handoff.domain.entries import for_customer
from handoff.domain.metrics import render
from handoff.edges.sockets import Connections
from handoff.protocol.errors import ErrorCode
from handoff.protocol.types import AgentEntry
from handoff.security.addresses import Network, client_address
from handoff.security.compare import same_secret
from handoff.security.ids import is_conversation_id
from handoff.security.ratelimit import Rule
from handoff.services.agent_auth import AgentAuth, LoginBusy
from handoff.services.bot_client import BotClient
from handoff.store import pool
from handoff.store.conversations import ConversationStore
from handoff.store.limits import Limits, Spend
from handoff.store.stats import Stats

MAX_CREDENTIAL_CHARS = 256


@dataclass(frozen=True)
class LoginRules:
    """Failed logins allowed per client address and per username (``docs/security.md``)."""

    by_address: Rule
    by_username: Rule
    trusted_proxies: tuple[Network, ...] = ()


def error_body(
    code: ErrorCode, message: str, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The JSON body of every HTTP error (``docs/protocol.md``)."""
    body: dict[str, Any] = {"code": code.value, "message": message}
    if details:
        body["details"] = details
    return {"error": body}


def error(
    status: int, code: ErrorCode, message: str, *, retry_after: float | None = None
) -> HTTPResponse:
    if retry_after is None:
        return json_response(error_body(code, message), status=status)
    details = {"retry_after_s": round(retry_after, 3)}
    headers = {"Retry-After": str(max(1, math.ceil(retry_after)))}
    return json_response(error_body(code, message, details), status=status, headers=headers)


def bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else ""


class HttpApi:
    """The service's HTTP routes; each handler is a method (see the module's doc)."""

    def __init__(
        self,
        *,
        settings: Settings,
        redis: Any,
        bot: BotClient,
        stats: Stats,
        auth: AgentAuth,
        conversations: ConversationStore,
        connections: Connections,
        limits: Limits,
        login_rules: LoginRules,
    ) -> None:
        self.settings = settings
        self.redis = redis
        self.bot = bot
        self.stats = stats
        self.auth = auth
        self.conversations = conversations
        self.connections = connections
        self.limits = limits
        self.login_rules = login_rules

    def blueprint(self) -> Blueprint:
        bp = Blueprint("handoff_http")
        bp.add_route(self.health, "/health", methods=["GET"])
        bp.add_route(self.metrics, "/metrics", methods=["GET"])
        bp.add_route(self.login, "/api/login", methods=["POST"])
        bp.add_route(
            self.transcript,
            "/api/conversations/<conversation_id:str>/transcript",
            methods=["GET"],
        )
        return bp

    async def health(self, request: Request) -> HTTPResponse:
        """200 while Redis answers (``degraded`` if a Rasa instance does not); 503 without Redis.

        Rasa's side is what the background health check last heard of each instance.
        """
        redis_ok = await pool.reachable(self.redis, within=2.0)
        rasa_ok, rasa_detail = await self.bot.health()
        status = "ok" if redis_ok and rasa_ok else ("degraded" if redis_ok else "down")
        body = {
            "status": status,
            "redis": "ok" if redis_ok else "unreachable",
            "rasa": rasa_detail,
            "rasa_instances": self.bot.instances.report(self.bot.now()),
        }
        return json_response(body, status=200 if redis_ok else 503)

    async def metrics(self, request: Request) -> HTTPResponse:
        token = self.settings.metrics_token
        if token and not same_secret(bearer(request), token):
            return error(401, ErrorCode.UNAUTHORIZED, "metrics need the metrics token")
        snapshot = await self.stats.snapshot(
            customer_sockets=len(self.connections.customers),
            agent_sockets=len(self.connections.agents),
        )
        return text(render(snapshot), content_type="text/plain; version=0.0.4; charset=utf-8")

    async def login(self, request: Request) -> HTTPResponse:
        media_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        if media_type != "application/json":
            return error(415, ErrorCode.BAD_REQUEST, "send the credentials as application/json")
        try:
            body = json.loads(request.body or b"null")
        except ValueError:
            return error(400, ErrorCode.BAD_REQUEST, "body must be JSON")
        if not isinstance(body, dict):
            return error(400, ErrorCode.BAD_REQUEST, 'body must be {"username": …, "password": …}')
        username, password = body.get("username"), body.get("password")
        if not isinstance(username, str) or not isinstance(password, str):
            return error(400, ErrorCode.BAD_REQUEST, "username and password must be strings")
        if len(username) > MAX_CREDENTIAL_CHARS or len(password) > MAX_CREDENTIAL_CHARS:
            return error(400, ErrorCode.TOO_LONG, "username or password too long")
        rules = self.login_rules
        address = client_address(
            request.ip, request.headers.get("x-forwarded-for"), rules.trusted_proxies
        )
        failures = (Spend(rules.by_address, address), Spend(rules.by_username, username))
        wait = await self.limits.peek(*failures)
        if wait > 0:
            return error(
                429, ErrorCode.RATE_LIMITED, "too many failed attempts; wait", retry_after=wait
            )
        try:
            signed_in = await self.auth.sign_in(username, password)
        except LoginBusy:
            return error(
                503, ErrorCode.RATE_LIMITED, "too many logins at once; retry", retry_after=1.0
            )
        if signed_in is None:
            await self.limits.force(*failures)  # only a failure counts toward a lock-out
            return error(401, ErrorCode.UNAUTHORIZED, "wrong username or password")
        return json_response(
            {
                "token": signed_in.token,
                "expires_at": signed_in.expires_at,
                "agent": views.agent_info(signed_in.agent),
            },
            headers={"Cache-Control": "no-store"},
        )

    async def transcript(self, request: Request, conversation_id: str) -> HTTPResponse:
        """The whole conversation for an agent (JSON, or ``?format=text``)."""
        if await self.auth.authenticate(bearer(request)) is None:
            return error(401, ErrorCode.UNAUTHORIZED, "send Authorization: Bearer <agent token>")
        conversation = (
            await self.conversations.get(conversation_id)
            if is_conversation_id(conversation_id)
            else None
        )
        if conversation is None:
            return error(404, ErrorCode.NOT_FOUND, "no such conversation")
        entries = await self.conversations.read_whole_log(conversation_id)
        notes = await self.conversations.read_notes(conversation_id)
        headers = {
            "Content-Disposition": f'attachment; filename="transcript-{conversation_id}.{{ext}}"',
            "Cache-Control": "no-store",
        }
        if request.args.get("format") == "text":
            headers["Content-Disposition"] = headers["Content-Disposition"].format(ext="txt")
            return text(transcript_text(conversation, entries), headers=headers)
        headers["Content-Disposition"] = headers["Content-Disposition"].format(ext="json")
        body = {
            "conversation": views.conversation_info(conversation),
            "messages": entries,
            "notes": notes,
        }
        return json_response(body, headers=headers)


def transcript_text(conversation: dict[str, str], entries: list[AgentEntry]) -> str:
    """Plain text, one line per entry; served as text/plain, so nothing in it is ever markup."""
    lines = [f"Conversation {conversation['id']} (customer {conversation.get('customer', '')})", ""]
    for entry in entries:
        when = datetime.fromtimestamp(entry["ts"], UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        who = entry.get("agent_name") or entry["author"]
        role = f" ({entry['author']})" if entry.get("agent_name") else ""
        lines.append(f"[{when}] #{entry['seq']} {who}{role}: {for_customer(entry)['text']}")
    return "\n".join(lines) + "\n"
