"""Signed links in the emails Tandem sends: one-click unsubscribe (``List-Unsubscribe``) and
the follow-up's "Was your problem solved?" answers.

A token names the conversation and carries a MAC with a key of its own per purpose (derived
from ``TANDEM_SECRET``), so nobody can stop another customer's email or answer their follow-up
by guessing ids, and an unsubscribe token never passes as an answer token. A follow-up's answer
(yes/no) is a separate parameter: both links go to the same customer.

Example::

    tokens = LinkTokens(secret, "unsubscribe")   # or "followup"
    token = tokens.token("c_…")                  # "c_….<mac>"
    tokens.conversation_of(token)                # "c_…", or None (forged or malformed)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Literal

from handoff.security.ids import derive_key, is_conversation_id

Purpose = Literal["unsubscribe", "followup"]
_MAC_BYTES = 16


class LinkTokens:
    def __init__(self, secret: str, purpose: Purpose) -> None:
        self._key = derive_key(secret, f"tandem-{purpose}-v1")

    def token(self, conversation_id: str) -> str:
        if not is_conversation_id(conversation_id):
            raise ValueError(f"not a conversation id: {conversation_id!r}")
        return f"{conversation_id}.{self._mac(conversation_id)}"

    def conversation_of(self, token: object) -> str | None:
        if not isinstance(token, str) or len(token) > 100 or "." not in token:
            return None
        conversation_id, mac = token.rsplit(".", 1)
        if not is_conversation_id(conversation_id):
            return None
        if not hmac.compare_digest(mac.encode(), self._mac(conversation_id).encode()):
            return None
        return conversation_id

    def _mac(self, conversation_id: str) -> str:
        digest = hmac.new(self._key, conversation_id.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:_MAC_BYTES]).rstrip(b"=").decode("ascii")
