"""Identifiers: conversation and agent ids, and signed customer session ids.

A customer session id is a bearer credential (whoever holds it may read that customer's
conversations), so it is unguessable and signed: ``<22 random chars>.<22 char HMAC>``. A session
id the server did not sign is never trusted; the customer simply gets a fresh one. Redis and
agents only ever see the derived ``customer_id``, never the session id itself.

Example::

    signer = SessionSigner(secret)
    sid = signer.issue()
    signer.verify(sid)            # True
    signer.customer_id(sid)       # "u_…", stable for this session
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from handoff.security.compare import same_secret

CONVERSATION_ID = re.compile(r"^c_[A-Za-z0-9_-]{22}$")
AGENT_ID = re.compile(r"^a_[0-9a-f]{16}$")
CUSTOMER_ID = re.compile(r"^u_[0-9a-f]{24}$")
CUSTOMER_ID = re.compile(r"^u_[0-9a-f]{24}$")
_SESSION = re.compile(r"^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}$")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def derive_key(secret: str, purpose: str) -> bytes:
    """A separate key per purpose, so a session MAC can never pass as a token MAC."""
    return hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).digest()


def new_conversation_id() -> str:
    """A fresh conversation id (also Rasa's sender id): ``c_`` + 22 url-safe chars."""
    return "c_" + _b64(secrets.token_bytes(16))


def new_agent_id() -> str:
    return "a_" + secrets.token_hex(8)


def is_conversation_id(value: object) -> bool:
    return isinstance(value, str) and CONVERSATION_ID.fullmatch(value) is not None


def is_customer_id(value: object) -> bool:
    """``u_`` + 24 hex digits, as :meth:`SessionSigner.customer_id` derives them."""
    return isinstance(value, str) and CUSTOMER_ID.fullmatch(value) is not None


def is_agent_id(value: object) -> bool:
    return isinstance(value, str) and AGENT_ID.fullmatch(value) is not None


class SessionSigner:
    """Issues and verifies customer session ids; derives the customer id stored in Redis."""

    def __init__(self, secret: str) -> None:
        self._key = derive_key(secret, "tandem-session-v1")
        self._customer_key = derive_key(secret, "tandem-customer-v1")

    def issue(self) -> str:
        body = _b64(secrets.token_bytes(16))
        return f"{body}.{self._mac(body)}"

    def verify(self, session_id: object) -> bool:
        if not isinstance(session_id, str) or not _SESSION.fullmatch(session_id):
            return False
        body, mac = session_id.split(".")
        return same_secret(mac, self._mac(body))

    def customer_id(self, session_id: str) -> str:
        digest = hmac.new(self._customer_key, session_id.encode(), hashlib.sha256).hexdigest()
        return "u_" + digest[:24]

    def _mac(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest()[:16])
