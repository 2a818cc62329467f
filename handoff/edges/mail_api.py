"""HTTP routes for email: the one-click unsubscribe link every email carries (RFC 8058), and
the answer links of the follow-up email.

``POST /api/mail/unsubscribe?t=<token>`` stops email for the conversation the signed token
names (mail clients send ``List-Unsubscribe=One-Click`` in the body; any POST will do). A
``GET`` of the same link (a person clicking it, or a link scanner) changes nothing: it answers
a small page with a button that POSTs.

``POST /api/mail/followup?t=<token>&a=yes|no`` answers "Was your problem solved?" for the
conversation the signed token names, as the widget's buttons do
(``FollowUps.answer_for_conversation``: "no" reopens it to the queue, "yes" is recorded), and
answers a page with the widget's words; a second answer is refused (409). The ``GET`` the
email's link makes shows the question with the chosen answer as a button that POSTs, so a link
scanner answers nothing.

Example::

    api = MailApi(outbox=outbox, tokens=LinkTokens(settings.secret, "unsubscribe"),
                  followups=followups, answer_tokens=LinkTokens(settings.secret, "followup"))
    sanic_app.blueprint(api.blueprint())
"""

from __future__ import annotations

import html
import logging

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic.response import html as html_response

from handoff.edges.http_api import error
from handoff.protocol.errors import ErrorCode, ProtocolError
from handoff.security.link_tokens import LinkTokens
from handoff.services.followup import FollowUps
from handoff.store.outbox import Outbox

log = logging.getLogger("handoff.mail")
PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title></head>
<body style="font-family:sans-serif;max-width:32em;margin:3em auto">{body}</body></html>
"""


class MailApi:
    def __init__(
        self,
        *,
        outbox: Outbox,
        tokens: LinkTokens,
        followups: FollowUps | None = None,
        answer_tokens: LinkTokens | None = None,
    ) -> None:
        self.outbox = outbox
        self.tokens = tokens
        self.followups = followups
        self.answer_tokens = answer_tokens

    def blueprint(self) -> Blueprint:
        bp = Blueprint("handoff_mail")
        bp.add_route(self.unsubscribe_page, "/api/mail/unsubscribe", methods=["GET"])
        bp.add_route(self.unsubscribe, "/api/mail/unsubscribe", methods=["POST"])
        bp.add_route(self.followup_page, "/api/mail/followup", methods=["GET"])
        bp.add_route(self.followup_answer, "/api/mail/followup", methods=["POST"])
        return bp

    async def unsubscribe_page(self, request: Request) -> HTTPResponse:
        token = request.args.get("t", "")
        if self.tokens.conversation_of(token) is None:
            return error(404, ErrorCode.NOT_FOUND, "this unsubscribe link is not valid")
        form = (
            "<p>Stop the emails about this conversation?</p>"
            f'<form method="post" action="?t={html.escape(token, quote=True)}">'
            '<button type="submit">Unsubscribe</button></form>'
        )
        return html_response(page("Unsubscribe", form), headers={"Cache-Control": "no-store"})

    async def unsubscribe(self, request: Request) -> HTTPResponse:
        conversation_id = self.tokens.conversation_of(request.args.get("t", ""))
        if conversation_id is None:
            return error(404, ErrorCode.NOT_FOUND, "this unsubscribe link is not valid")
        await self.outbox.stop(conversation_id)
        log.info("email stopped for conversation %s (unsubscribed)", conversation_id)
        return html_response(
            page(
                "Unsubscribe", "<p>Done: you will get no more emails about this conversation.</p>"
            ),
            headers={"Cache-Control": "no-store"},
        )

    def _answer_link(self, request: Request) -> tuple[str, bool] | HTTPResponse:
        """The conversation and the answer a follow-up link names, or the refusal."""
        conversation_id = (
            self.answer_tokens.conversation_of(request.args.get("t", ""))
            if self.answer_tokens is not None and self.followups is not None
            else None
        )
        if conversation_id is None:
            return error(404, ErrorCode.NOT_FOUND, "this follow-up link is not valid")
        answer = request.args.get("a", "")
        if answer not in ("yes", "no"):
            return error(400, ErrorCode.BAD_REQUEST, "the answer is a=yes or a=no")
        return conversation_id, answer == "yes"

    async def followup_page(self, request: Request) -> HTTPResponse:
        named = self._answer_link(request)
        if isinstance(named, HTTPResponse):
            return named
        conversation_id, solved = named
        assert self.followups is not None
        conversation = await self.followups.conversations.get(conversation_id)
        if conversation is None:
            return error(404, ErrorCode.NOT_FOUND, "no such conversation")
        question = self.followups.question(conversation)
        token = html.escape(request.args.get("t", ""), quote=True)
        form = (
            f"<p>{html.escape(question['question'])}</p>"
            f'<form method="post" action="?t={token}&amp;a={"yes" if solved else "no"}">'
            f'<button type="submit">{html.escape(question["yes" if solved else "no"])}</button>'
            "</form>"
        )
        language = conversation.get("language") or "en"
        return html_response(
            page(question["question"], form, language), headers={"Cache-Control": "no-store"}
        )

    async def followup_answer(self, request: Request) -> HTTPResponse:
        named = self._answer_link(request)
        if isinstance(named, HTTPResponse):
            return named
        conversation_id, solved = named
        assert self.followups is not None
        try:
            ack = await self.followups.answer_for_conversation(conversation_id, solved=solved)
        except ProtocolError as exc:
            status = 404 if exc.code == ErrorCode.NOT_FOUND else 409
            return error(status, exc.code, exc.message)
        log.info(
            "follow-up of %s answered by email link: %s", conversation_id, "yes" if solved else "no"
        )
        return html_response(
            page("Thanks", f"<p>{html.escape(ack['text'])}</p>"),
            headers={"Cache-Control": "no-store"},
        )


def page(title: str, body: str, language: str = "en") -> str:
    """A small page; ``body`` is markup built from escaped text."""
    return PAGE.format(lang=html.escape(language, quote=True), title=html.escape(title), body=body)
