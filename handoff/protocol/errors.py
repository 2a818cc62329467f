"""Protocol errors: one code per way a request can fail, the same shape everywhere.

Over Socket.IO an error is the acknowledgement ``{"ok": false, "error": {...}}`` when the
client asked for one, and always also a ``tandem_error`` event; over HTTP it is the JSON body
``{"error": {...}}`` with a matching status.

Example::

    raise ProtocolError(ErrorCode.TOO_LONG, "message is longer than 4000 characters")
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from handoff.protocol.types import ErrorAck, ErrorBody


class ErrorCode(StrEnum):
    BAD_REQUEST = "bad_request"  # malformed payload or wrong types
    TOO_LONG = "too_long"  # text over the documented limit
    INVALID_TEXT = "invalid_text"  # a string with a lone surrogate or a control character
    EMPTY_MESSAGE = "empty_message"
    UNKNOWN_EVENT = "unknown_event"
    NO_SESSION = "no_session"  # user_uttered before session_request
    FORBIDDEN = "forbidden"  # an id in the body that is not the caller's
    RATE_LIMITED = "rate_limited"
    NOT_FOUND = "not_found"
    INVALID_STATE = "invalid_state"  # the conversation's state does not allow it
    ALREADY_CLAIMED = "already_claimed"
    NOT_OWNER = "not_owner"
    NOT_ELIGIBLE = "not_eligible"  # routing keeps it for specialists for now
    AT_CAPACITY = "at_capacity"
    AGENT_UNAVAILABLE = "agent_unavailable"
    MAIL_OFF = "mail_off"  # email is not set up on this service (no TANDEM_SMTP_URL)
    UNAUTHORIZED = "unauthorized"
    LAST_ADMIN = "last_admin"  # the change would leave no enabled admin
    INTERNAL = "internal"


class ProtocolError(Exception):
    """A request that fails cleanly: nothing was changed."""

    def __init__(
        self, code: ErrorCode, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}

    def body(self) -> ErrorBody:
        body: ErrorBody = {"code": self.code.value, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body

    def ack(self) -> ErrorAck:
        return {"ok": False, "error": self.body()}
