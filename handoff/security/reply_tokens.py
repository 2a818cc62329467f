"""Signed, expiring reply addresses: the ``Reply-To`` of every email Tandem sends a customer.

A customer's reply lands in the conversation its address names, so the address is a credential:
it carries the conversation id and an expiry day, signed with a key of its own derived from
``TANDEM_SECRET``. Mail systems may change the case of a local part, so the token is lower-case
base32 (case-insensitive) rather than base64. 48 characters; with ``reply+`` the local part stays
within RFC 5321's 64.

Example::

    tokens = ReplyTokens(secret)
    address = tokens.address("c_…", domain="reply.example.org", ttl_days=30, now=time.time())
    # "reply+mfrg…@reply.example.org"
    tokens.conversation_of(address, now=time.time())   # "c_…", or None (forged, expired, malformed)
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from handoff.security.ids import derive_key, is_conversation_id

PREFIX = "reply+"
_DAY = 86_400
_MAC_BYTES = 10  # 80 bits: forging one needs ~2^79 guesses, each refused and logged


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=").lower()


def _unb32(text: str) -> bytes:
    return base64.b32decode(text.upper() + "=" * (-len(text) % 8))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class ReplyTokens:
    """Makes and reads reply tokens with a key derived from ``TANDEM_SECRET``."""

    def __init__(self, secret: str) -> None:
        self._key = derive_key(secret, "tandem-reply-token-v1")

    def token(self, conversation_id: str, ttl_days: int, now: float) -> str:
        if not is_conversation_id(conversation_id):
            raise ValueError(f"not a conversation id: {conversation_id!r}")
        expires_day = int(now // _DAY) + ttl_days
        body = _unb64(conversation_id[2:]) + expires_day.to_bytes(4, "big")
        return _b32(body + self._mac(body))

    def address(self, conversation_id: str, domain: str, ttl_days: int, now: float) -> str:
        return f"{PREFIX}{self.token(conversation_id, ttl_days, now)}@{domain}"

    def conversation_of(self, address_or_token: object, now: float) -> str | None:
        """The conversation a correctly signed, unexpired token (or reply address) names."""
        if not isinstance(address_or_token, str) or len(address_or_token) > 320:
            return None
        token = address_or_token.strip().strip("<>").split("@", 1)[0].lower()
        if token.startswith(PREFIX):
            token = token[len(PREFIX) :]
        if len(token) != 48 or not token.isascii() or not token.isalnum():
            return None
        try:
            raw = _unb32(token)
        except (ValueError, binascii.Error):
            return None
        body, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
        if len(body) != 20 or not hmac.compare_digest(mac, self._mac(body)):
            return None
        if int.from_bytes(body[16:], "big") < int(now // _DAY):
            return None
        return "c_" + _b64(body[:16])

    def _mac(self, body: bytes) -> bytes:
        return hmac.new(self._key, body, hashlib.sha256).digest()[:_MAC_BYTES]
