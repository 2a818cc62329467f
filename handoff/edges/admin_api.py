"""Administration over HTTP (``docs/console.md``, "Administration"): agent accounts, privacy
requests and the audit trail, for the console's admin pages and scripts.

Every route needs an agent token (``Authorization: Bearer``, the one token check of
``services/agent_auth.py``) of an agent with the ``admin`` role, checked on every request from
the account as it is now: 401 without a valid token, 403 without the role. Bodies are JSON
(``edges/json_body.py``), each admin has a rate limit (429), errors are the service's error
bodies (``last_admin`` 409 when a change would leave no enabled admin).

Example::

    api = AdminApi(auth=auth, admin=agent_admin, privacy=privacy, audit=audit,
                   limits=limits, rule=Rule("admin", burst=30, per_minute=120))
    sanic_app.blueprint(api.blueprint())
"""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from handoff.domain.agents import AgentError
from handoff.edges.guarded_route import RouteGuard
from handoff.edges.http_api import error
from handoff.edges.json_body import Refused, json_body
from handoff.protocol.errors import ErrorCode, ProtocolError
from handoff.security.ratelimit import Rule
from handoff.services.admin import AgentAdmin
from handoff.services.agent_auth import AgentAuth, AgentSession
from handoff.services.privacy import Privacy
from handoff.store.audit import AuditLog
from handoff.store.limits import Limits

STATUS = {
    ErrorCode.BAD_REQUEST: 400,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.LAST_ADMIN: 409,
    ErrorCode.INVALID_STATE: 409,
}
AUDIT_SHOWN = 200  # entries at most per answer


def _error_response(exc: Exception) -> HTTPResponse | None:
    if isinstance(exc, ProtocolError):
        return error(STATUS.get(exc.code, 400), exc.code, exc.message)
    if isinstance(exc, AgentError):
        return error(400, ErrorCode.BAD_REQUEST, str(exc))
    return None


class AdminApi:
    """The admin routes; each handler is a method (see the module's doc)."""

    def __init__(
        self,
        *,
        auth: AgentAuth,
        admin: AgentAdmin,
        privacy: Privacy,
        audit: AuditLog,
        limits: Limits,
        rule: Rule,
    ) -> None:
        self.auth = auth
        self.admin = admin
        self.privacy = privacy
        self.audit = audit
        self.limits = limits
        self.rule = rule

    def blueprint(self) -> Blueprint:
        bp = Blueprint("admin_http", url_prefix="/api/admin")
        agent = "/agents/<username:str>"
        customer = "/privacy/customers/<customer_id:str>"
        routes: list[tuple[Any, str, str]] = [
            (self.list_agents, "/agents", "GET"),
            (self.create_agent, "/agents", "POST"),
            (self.update_agent, agent, "PATCH"),
            (self.delete_agent, agent, "DELETE"),
            (self.disable_agent, f"{agent}/disable", "POST"),
            (self.enable_agent, f"{agent}/enable", "POST"),
            (self.reset_password, f"{agent}/password", "POST"),
            (self.find_customers, "/privacy/search", "POST"),
            (self.export_customer, f"{customer}/export", "GET"),
            (self.erase_customer, f"{customer}/erase", "POST"),
            (self.recent_audit, "/audit", "GET"),
        ]
        guard = RouteGuard(
            auth=self.auth,
            allowed=lambda agent: agent.is_admin,
            refusal="administration is for admins",
            errors=_error_response,
            limits=self.limits,
            rule=self.rule,
        )
        for handler, uri, method in routes:
            bp.add_route(guard(handler), uri, methods=[method], name=handler.__name__)
        return bp

    # -- agents --------------------------------------------------------------------------------
    async def list_agents(self, request: Request, session: AgentSession) -> HTTPResponse:
        return json_response({"agents": await self.admin.list()})

    async def create_agent(self, request: Request, session: AgentSession) -> HTTPResponse:
        created = await self.admin.create(session.agent, json_body(request))
        return json_response(_changed(created.agent, created.password), status=201)

    async def update_agent(
        self, request: Request, session: AgentSession, username: str
    ) -> HTTPResponse:
        changed = await self.admin.update(session.agent, username, json_body(request))
        return json_response(_changed(changed.agent))

    async def disable_agent(
        self, request: Request, session: AgentSession, username: str
    ) -> HTTPResponse:
        return json_response(_changed((await self.admin.disable(session.agent, username)).agent))

    async def enable_agent(
        self, request: Request, session: AgentSession, username: str
    ) -> HTTPResponse:
        return json_response(_changed((await self.admin.enable(session.agent, username)).agent))

    async def delete_agent(
        self, request: Request, session: AgentSession, username: str
    ) -> HTTPResponse:
        moved = await self.admin.delete(session.agent, username)
        return json_response({"ok": True, "requeued": moved})

    async def reset_password(
        self, request: Request, session: AgentSession, username: str
    ) -> HTTPResponse:
        body = json_body(request)
        changed = await self.admin.reset_password(session.agent, username, body.get("password"))
        return json_response(_changed(changed.agent, changed.password))

    # -- privacy -------------------------------------------------------------------------------
    async def find_customers(self, request: Request, session: AgentSession) -> HTTPResponse:
        # A POST body, not a query string: an email in a URL lands in access logs and proxies.
        body = json_body(request)
        given = {k: body.get(k) or "" for k in ("customer", "conversation", "email")}
        if not all(isinstance(v, str) for v in given.values()):
            raise Refused(error(400, ErrorCode.BAD_REQUEST, "customer, conversation, email: text"))
        found = await self.privacy.find(
            session.agent.username,
            customer_id=given["customer"].strip(),
            conversation_id=given["conversation"].strip(),
            email=given["email"].strip(),
        )
        return json_response({"customers": [await self.privacy.overview(c) for c in found]})

    async def export_customer(
        self, request: Request, session: AgentSession, customer_id: str
    ) -> HTTPResponse:
        export = await self.privacy.export(session.agent.username, customer_id)
        headers = {"Content-Disposition": f'attachment; filename="tandem-{customer_id}.json"'}
        return json_response(export, headers=headers)

    async def erase_customer(
        self, request: Request, session: AgentSession, customer_id: str
    ) -> HTTPResponse:
        if json_body(request).get("confirm") != customer_id:
            raise Refused(
                error(400, ErrorCode.BAD_REQUEST, "type the customer id to confirm the erase")
            )
        erased = await self.privacy.erase(session.agent.username, customer_id)
        return json_response({"ok": True, **erased})

    # -- the audit trail -----------------------------------------------------------------------
    async def recent_audit(self, request: Request, session: AgentSession) -> HTTPResponse:
        return json_response({"entries": await self.audit.recent(AUDIT_SHOWN)})


def _changed(agent: dict[str, Any], password: str = "") -> dict[str, Any]:
    body: dict[str, Any] = {"ok": True, "agent": agent}
    if password:
        body["password"] = password  # generated: shown this once, never stored in clear
    return body
