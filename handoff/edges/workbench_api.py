"""The writers' workbench over HTTP (``docs/workbench.md``): the inbox, labels, the change to
the training data and its commit, the check-and-train job, test conversations.

Every route needs an agent token (``Authorization: Bearer``, the one token check of
``services/agent_auth.py``) of an agent with the ``writer`` or ``admin`` role: 401 without a
valid token, 403 without the role. Bodies are JSON; errors are the service's error bodies.

Example::

    api = WorkbenchApi(auth=auth, inbox=inbox_store, content=content)
    sanic_app.blueprint(api.blueprint())
"""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from handoff.domain.inbox import REASONS, STATUSES, InboxFilter, ordered
from handoff.edges.guarded_route import RouteGuard
from handoff.edges.http_api import error
from handoff.edges.json_body import Refused, json_body
from handoff.protocol.errors import ErrorCode
from handoff.services.agent_auth import AgentAuth, AgentSession
from handoff.services.content import Content
from handoff.services.train_job import TrainJobs
from handoff.services.training_data import ContentError
from handoff.store.inbox import InboxStore

LISTED = 500  # items per answer: more than a writer reads in a sitting


def _error_response(exc: Exception) -> HTTPResponse | None:
    if isinstance(exc, ContentError):
        return error(400, ErrorCode.BAD_REQUEST, str(exc))
    return None


class WorkbenchApi:
    """The workbench's routes; each handler is a method (see the module's doc)."""

    def __init__(
        self, *, auth: AgentAuth, inbox: InboxStore, content: Content, jobs: TrainJobs
    ) -> None:
        self.auth = auth
        self.inbox = inbox
        self.content = content
        self.jobs = jobs

    def blueprint(self) -> Blueprint:
        bp = Blueprint("workbench_http", url_prefix="/api/workbench")
        routes: list[tuple[Any, str, str]] = [
            (self.list_inbox, "/inbox", "GET"),
            (self.label, "/inbox/<item_id:str>/label", "POST"),
            (self.intents, "/intents", "GET"),
            (self.changes, "/changes", "GET"),
            (self.save_changes, "/changes", "POST"),
            (self.start_job, "/jobs", "POST"),
            (self.job, "/jobs/current", "GET"),
            (self.draft_test, "/conversations/<conversation_id:str>/test", "GET"),
            (self.save_test, "/conversations/<conversation_id:str>/test", "POST"),
        ]
        guard = RouteGuard(
            auth=self.auth,
            allowed=lambda agent: agent.can_write,
            refusal="the workbench is for writers and admins",
            errors=_error_response,
        )
        for handler, uri, method in routes:
            bp.add_route(guard(handler), uri, methods=[method], name=handler.__name__)
        return bp

    # -- the inbox -----------------------------------------------------------------------------
    async def list_inbox(self, request: Request, session: AgentSession) -> HTTPResponse:
        args = request.args
        status = args.get("status", "pending")
        reason = args.get("reason", "")
        if status and status not in STATUSES:
            raise Refused(error(400, ErrorCode.BAD_REQUEST, f"status is one of {STATUSES}"))
        if reason and reason not in REASONS:
            raise Refused(error(400, ErrorCode.BAD_REQUEST, f"reason is one of {REASONS}"))
        try:
            since, until = float(args.get("since", "0")), float(args.get("until", "0"))
        except ValueError:
            raise Refused(error(400, ErrorCode.BAD_REQUEST, "since/until are unix times")) from None
        wanted = InboxFilter(
            reason=reason,
            intent=args.get("intent", ""),
            language=args.get("language", ""),
            since=since,
            until=until,
            status=status,
        )
        items = ordered([i for i in await self.inbox.items() if wanted.matches(i)])
        return json_response(
            {"items": [i.wire() for i in items[:LISTED]], "total": len(items), "reasons": REASONS}
        )

    async def label(self, request: Request, session: AgentSession, item_id: str) -> HTTPResponse:
        body = json_body(request)
        item = await self.inbox.get(item_id)
        if item is None:
            raise Refused(error(404, ErrorCode.NOT_FOUND, "no such inbox item"))
        action = body.get("action")
        if action == "ignore":
            await self.inbox.set_status(item_id, "ignored", {"by": session.agent.username})
            return json_response({"ok": True, "status": "ignored", "warnings": []})
        if action == "pending":  # undo
            await self.inbox.set_status(item_id, "pending", {})
            return json_response({"ok": True, "status": "pending", "warnings": []})
        language = str(body.get("language") or item.language or "en")
        if action == "confirm":
            intent = item.intent
        elif action == "intent":
            intent = str(body.get("intent") or "")
        elif action == "new_topic":
            intent = self.content.new_topic_intent(str(body.get("topic") or ""))
        else:
            raise Refused(
                error(400, ErrorCode.BAD_REQUEST, "action: confirm, intent, new_topic, ignore")
            )
        text = str(body.get("text") or item.text)
        label = await self.content.label(
            text=text, intent=intent, language=language, new_topic=action == "new_topic"
        )
        annotation = {**label.annotation(), "by": session.agent.username}
        await self.inbox.set_status(item_id, "labelled", annotation)
        return json_response(
            {"ok": True, "status": "labelled", "annotation": annotation, "warnings": label.warnings}
        )

    async def intents(self, request: Request, session: AgentSession) -> HTTPResponse:
        return json_response({"intents": await self.content.intents()})

    # -- the change to the training data -------------------------------------------------------
    async def _labelled(self) -> list[tuple[str, dict[str, Any]]]:
        return [(i.id, i.annotation) for i in await self.inbox.items() if i.status == "labelled"]

    async def changes(self, request: Request, session: AgentSession) -> HTTPResponse:
        labelled = await self._labelled()
        change = await self.content.change([a for _, a in labelled])
        return json_response(
            {"items": [i for i, _ in labelled], "files": change.files(), "diff": change.diff()}
        )

    async def save_changes(self, request: Request, session: AgentSession) -> HTTPResponse:
        body = json_body(request)
        labelled = await self._labelled()
        if not labelled:
            raise Refused(error(400, ErrorCode.INVALID_STATE, "nothing labelled to save"))
        change = await self.content.change([a for _, a in labelled])
        saved = await self.content.save(
            change,
            author=session.agent.name,
            message=str(body.get("message") or ""),
            on_checked_out=bool(body.get("on_checked_out_branch")),
        )
        for item_id, annotation in labelled:
            await self.inbox.set_status(item_id, "saved", annotation)
        return json_response({"ok": True, **saved})

    # -- check & train -------------------------------------------------------------------------
    async def start_job(self, request: Request, session: AgentSession) -> HTTPResponse:
        body = json_body(request)
        probes = [str(t) for t in body.get("probes") or [] if isinstance(t, str)][:50]
        job = await self.jobs.start(started_by=session.agent.username, probes=probes)
        if job is None:
            raise Refused(error(409, ErrorCode.INVALID_STATE, "a check & train job is running"))
        return json_response({"ok": True, "job": job.view()})

    async def job(self, request: Request, session: AgentSession) -> HTTPResponse:
        return json_response({"job": await self.jobs.view()})

    # -- test conversations --------------------------------------------------------------------
    async def draft_test(
        self, request: Request, session: AgentSession, conversation_id: str
    ) -> HTTPResponse:
        draft = await self.content.draft_test(conversation_id)
        if draft is None:
            raise Refused(error(404, ErrorCode.NOT_FOUND, "no such conversation"))
        return json_response(draft)

    async def save_test(
        self, request: Request, session: AgentSession, conversation_id: str
    ) -> HTTPResponse:
        body = json_body(request)
        saved = await self.content.save_test(
            name=str(body.get("name") or ""),
            steps=body.get("steps"),
            author=session.agent.name,
        )
        return json_response({"ok": True, **saved})
