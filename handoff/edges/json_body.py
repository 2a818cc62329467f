"""JSON request bodies of the agents' HTTP APIs (the workbench, administration), and how a
handler refuses a request with a ready error response.

JSON only: a cross-site page can send a form or a ``text/plain`` body without asking, but not
JSON, so a visitor's browser cannot be made to call these routes (as for logins).

Example::

    body = json_body(request)          # a dict, or raises Refused(415/400 error response)
    raise Refused(error(404, ErrorCode.NOT_FOUND, "no such agent"))
"""

from __future__ import annotations

import json
from typing import Any

from sanic import Request
from sanic.response import HTTPResponse

from handoff.edges.http_api import error
from handoff.protocol.errors import ErrorCode


class Refused(Exception):
    """Raised by a handler: answer with this response instead."""

    def __init__(self, response: HTTPResponse) -> None:
        super().__init__()
        self.response = response


def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object, or :class:`Refused` with 415 (not JSON) or 400."""
    media_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise Refused(error(415, ErrorCode.BAD_REQUEST, "send application/json"))
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        raise Refused(error(400, ErrorCode.BAD_REQUEST, "body must be JSON")) from None
    if not isinstance(body, dict):
        raise Refused(error(400, ErrorCode.BAD_REQUEST, "body must be a JSON object"))
    return body
