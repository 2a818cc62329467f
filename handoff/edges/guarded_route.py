"""One guard for the HTTP routes an agent's role opens (admin, workbench, the dev Mail page).

Each route needs an agent token (``Authorization: Bearer``, checked by
``services/agent_auth.py`` against the account as it is now): 401 without a valid token, 403
when the agent lacks the role, 429 when a rate rule is given and the agent has spent it. The
handler is called as ``handler(request, session, **params)``; it raises
:class:`~handoff.edges.json_body.Refused` to answer with a response of its own, and the
``errors`` mapper turns the exceptions of its service into error responses (``None``: not one
of its own, raise it on). Every answer that gets through is ``Cache-Control: no-store``: these
are one agent's data.

Example::

    guard = RouteGuard(
        auth=auth,
        allowed=lambda agent: agent.is_admin,
        refusal="administration is for admins",
        errors=lambda exc: error(400, ErrorCode.BAD_REQUEST, str(exc))
        if isinstance(exc, AgentError) else None,
        limits=limits,
        rule=Rule("admin", burst=30, per_minute=120),
    )
    bp.add_route(guard(list_agents), "/agents", methods=["GET"])
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from sanic import Request
from sanic.response import HTTPResponse

from handoff.domain.agents import AgentRecord
from handoff.edges.http_api import bearer, error
from handoff.edges.json_body import Refused
from handoff.protocol.errors import ErrorCode
from handoff.security.ratelimit import Rule
from handoff.services.agent_auth import AgentAuth
from handoff.store.limits import Limits, Spend

Handler = Callable[..., Coroutine[Any, Any, HTTPResponse]]


def no_errors(exc: Exception) -> HTTPResponse | None:
    """The mapper of a service that raises nothing of its own."""
    return None


@dataclass(frozen=True)
class RouteGuard:
    """Wraps route handlers in the checks of the module's doc."""

    auth: AgentAuth
    allowed: Callable[[AgentRecord], bool]
    refusal: str  # the 403's message: who the routes are for
    errors: Callable[[Exception], HTTPResponse | None] = no_errors
    limits: Limits | None = None
    rule: Rule | None = None

    def __call__(self, handler: Handler) -> Handler:
        async def route(request: Request, **params: Any) -> HTTPResponse:
            session = await self.auth.authenticate(bearer(request))
            if session is None:
                return error(401, ErrorCode.UNAUTHORIZED, "send Authorization: Bearer <token>")
            if not self.allowed(session.agent):
                return error(403, ErrorCode.FORBIDDEN, self.refusal)
            if self.limits is not None and self.rule is not None:
                wait = await self.limits.take(Spend(self.rule, session.agent.id))
                if wait > 0:
                    return error(429, ErrorCode.RATE_LIMITED, "too many requests", retry_after=wait)
            try:
                response = await handler(request, session, **params)
            except Refused as refused:
                return refused.response
            except Exception as exc:
                mapped = self.errors(exc)
                if mapped is None:
                    raise
                return mapped
            response.headers.setdefault("Cache-Control", "no-store")
            return response

        return route
