"""HTTP routes for email: the one-click unsubscribe link every email carries (RFC 8058).

``POST /api/mail/unsubscribe?t=<token>`` stops email for the conversation the signed token
names (mail clients send ``List-Unsubscribe=One-Click`` in the body; any POST will do). A
``GET`` of the same link (a person clicking it, or a link scanner) changes nothing: it answers
a small page with a button that POSTs.

Example::

    api = MailApi(outbox=outbox, tokens=UnsubscribeTokens(settings.secret))
    sanic_app.blueprint(api.blueprint())
"""

from __future__ import annotations

import html
import logging

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic.response import html as html_response

from handoff.edges.http_api import error
from handoff.protocol.errors import ErrorCode
from handoff.security.unsubscribe_tokens import UnsubscribeTokens
from handoff.store.outbox import Outbox

log = logging.getLogger("handoff.mail")
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Unsubscribe</title></head>
<body style="font-family:sans-serif;max-width:32em;margin:3em auto">{body}</body></html>
"""


class MailApi:
    def __init__(self, *, outbox: Outbox, tokens: UnsubscribeTokens) -> None:
        self.outbox = outbox
        self.tokens = tokens

    def blueprint(self) -> Blueprint:
        bp = Blueprint("handoff_mail")
        bp.add_route(self.unsubscribe_page, "/api/mail/unsubscribe", methods=["GET"])
        bp.add_route(self.unsubscribe, "/api/mail/unsubscribe", methods=["POST"])
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
        return html_response(PAGE.format(body=form), headers={"Cache-Control": "no-store"})

    async def unsubscribe(self, request: Request) -> HTTPResponse:
        conversation_id = self.tokens.conversation_of(request.args.get("t", ""))
        if conversation_id is None:
            return error(404, ErrorCode.NOT_FOUND, "this unsubscribe link is not valid")
        await self.outbox.stop(conversation_id)
        log.info("email stopped for conversation %s (unsubscribed)", conversation_id)
        return html_response(
            PAGE.format(body="<p>Done: you will get no more emails about this conversation.</p>"),
            headers={"Cache-Control": "no-store"},
        )
