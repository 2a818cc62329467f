"""HTTP endpoints: health, metrics, agent login, transcript export, and the static front ends.

Example::

    app.blueprint(build_blueprint())   # handlers reach the hub through request.app.ctx.hub
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sanic import Blueprint, Request, Sanic
from sanic.response import HTTPResponse, file, text
from sanic.response import json as json_response

from handoff.domain import views
from handoff.domain.agents import USERNAME
from handoff.domain.entries import for_customer
from handoff.domain.metrics import render
from handoff.edges.sockets import Hub
from handoff.protocol.errors import ErrorCode
from handoff.protocol.types import AgentEntry
from handoff.security.ids import is_conversation_id
from handoff.security.passwords import verify_password

MAX_CREDENTIAL_CHARS = 256
# A hash to check against when the username does not exist, so the answer takes as long.
_DUMMY_HASH = (
    "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
)


def error(status: int, code: ErrorCode, message: str) -> HTTPResponse:
    return json_response({"error": {"code": code.value, "message": message}}, status=status)


def hub_of(request: Request) -> Hub:
    hub: Hub = request.app.ctx.hub
    return hub


def bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else ""


def build_blueprint() -> Blueprint:
    bp = Blueprint("handoff_http")

    @bp.get("/health")
    async def health(request: Request) -> HTTPResponse:
        """200 while Redis answers (``degraded`` if the bot does not); 503 without Redis."""
        hub = hub_of(request)
        try:
            redis_ok = bool(await asyncio.wait_for(hub.redis.ping(), timeout=2.0))
        except Exception:  # noqa: BLE001 - any failure means "not healthy"
            redis_ok = False
        rasa_ok, rasa_detail = await hub.bot.health()
        status = "ok" if redis_ok and rasa_ok else ("degraded" if redis_ok else "down")
        body = {"status": status, "redis": "ok" if redis_ok else "unreachable", "rasa": rasa_detail}
        return json_response(body, status=200 if redis_ok else 503)

    @bp.get("/metrics")
    async def metrics(request: Request) -> HTTPResponse:
        hub = hub_of(request)
        if hub.settings.metrics_token and bearer(request) != hub.settings.metrics_token:
            return error(401, ErrorCode.UNAUTHORIZED, "metrics need the metrics token")
        snapshot = await hub.stats.snapshot(
            customer_sockets=len(hub.connections.customers),
            agent_sockets=len(hub.connections.agents),
        )
        return text(render(snapshot), content_type="text/plain; version=0.0.4; charset=utf-8")

    @bp.post("/api/login")
    async def login(request: Request) -> HTTPResponse:
        hub = hub_of(request)
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
        ip = request.remote_addr or request.ip or "-"
        if not hub.login_limiter.allow(f"{ip}|{username}", time.monotonic()):
            return error(429, ErrorCode.RATE_LIMITED, "too many attempts; wait a minute")
        record = await hub.agents.by_username(username) if USERNAME.match(username) else None
        stored_hash = record.password_hash if record else _DUMMY_HASH
        ok = await asyncio.to_thread(verify_password, password, stored_hash)
        if record is None or not ok or record.disabled:
            return error(401, ErrorCode.UNAUTHORIZED, "wrong username or password")
        now = hub.clock()
        token = hub.tokens.issue(record.id, record.token_gen, hub.settings.token_ttl, now)
        return json_response(
            {
                "token": token,
                "expires_at": int(now + hub.settings.token_ttl),
                "agent": views.agent_info(record),
            },
            headers={"Cache-Control": "no-store"},
        )

    @bp.get("/api/conversations/<conversation_id:str>/transcript")
    async def transcript(request: Request, conversation_id: str) -> HTTPResponse:
        """The whole conversation for an agent (JSON, or ``?format=text``)."""
        hub = hub_of(request)
        claims = hub.tokens.verify(bearer(request), hub.clock())
        record = await hub.agents.get(claims.agent_id) if claims else None
        if (
            claims is None
            or record is None
            or record.disabled
            or record.token_gen != claims.generation
        ):
            return error(401, ErrorCode.UNAUTHORIZED, "send Authorization: Bearer <agent token>")
        conversation = (
            await hub.conversations.get(conversation_id)
            if is_conversation_id(conversation_id)
            else None
        )
        if conversation is None:
            return error(404, ErrorCode.NOT_FOUND, "no such conversation")
        entries: list[AgentEntry] = []
        after, more = 0, True
        while more:
            chunk, more = await hub.conversations.read_log(conversation_id, after)
            entries += chunk
            after = chunk[-1]["seq"] if chunk else after
            more = more and bool(chunk)
        notes = await hub.conversations.read_notes(conversation_id)
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

    return bp


def transcript_text(conversation: dict[str, str], entries: list[AgentEntry]) -> str:
    """Plain text, one line per entry; served as text/plain, so nothing in it is ever markup."""
    lines = [f"Conversation {conversation['id']} (customer {conversation.get('customer', '')})", ""]
    for entry in entries:
        when = datetime.fromtimestamp(entry["ts"], UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        who = entry.get("agent_name") or entry["author"]
        role = f" ({entry['author']})" if entry.get("agent_name") else ""
        lines.append(f"[{when}] #{entry['seq']} {who}{role}: {for_customer(entry)['text']}")
    return "\n".join(lines) + "\n"


# The pages load only their own scripts and styles and talk only to this origin (the socket.io
# websocket included: CSP 3 lets 'self' match ws/wss of the same host). The widget styles its
# Shadow DOM with a constructed stylesheet, so no inline styles are needed. The console must
# never be framed (clickjacking); the demo page may be framed by itself only.
_PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
)
PAGE_HEADERS = {
    "index.html": {"Content-Security-Policy": _PAGE_CSP + "frame-ancestors 'self'"},
    "console.html": {
        "Content-Security-Policy": _PAGE_CSP + "frame-ancestors 'none'",
        "X-Frame-Options": "DENY",
    },
}


def mount_static(app: Sanic[Any, Any], directory: Path) -> bool:
    """Serve the widget and console (issue 4) when their build directory exists.

    ``/`` -> ``index.html`` (demo page), ``/console`` -> ``console.html`` (each with its
    Content-Security-Policy), ``/static/*`` -> the files under ``static/``.
    """
    if not directory.is_dir():
        return False
    root = directory.resolve()
    # Only static/ is served as files: the pages themselves go out with their headers below.
    if (root / "static").is_dir():
        app.static("/static", root / "static", name="static")

    async def page(request: Request, name: str) -> HTTPResponse:
        path = root / name
        if not path.is_file():
            return error(404, ErrorCode.NOT_FOUND, f"{name} is not built")
        return await file(path, headers={"Cache-Control": "no-cache", **PAGE_HEADERS[name]})

    async def index(request: Request) -> HTTPResponse:
        return await page(request, "index.html")

    async def console(request: Request) -> HTTPResponse:
        return await page(request, "console.html")

    app.add_route(index, "/", methods=["GET"], name="static_index")
    app.add_route(console, "/console", methods=["GET"], name="static_console")
    return True
