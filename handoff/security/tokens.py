"""Signed, expiring agent tokens (HMAC-SHA256), issued at login and checked at socket connect.

Format: ``v1.<base64url JSON payload>.<base64url MAC>`` with payload
``{"sub": agent_id, "gen": token_generation, "exp": unix_seconds}``. Bumping an agent's
``token_gen`` (disable, password change) revokes every token issued before.

Example::

    tokens = TokenSigner(secret)
    token = tokens.issue("a_0123456789abcdef", generation=1, ttl=3600, now=time.time())
    claims = tokens.verify(token, now=time.time())   # TokenClaims or None
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass

from handoff.security.compare import same_secret
from handoff.security.ids import derive_key, is_agent_id


@dataclass(frozen=True)
class TokenClaims:
    agent_id: str
    generation: int
    expires_at: float


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenSigner:
    """Issues and verifies agent tokens with a key derived from ``TANDEM_SECRET``."""

    def __init__(self, secret: str) -> None:
        self._key = derive_key(secret, "tandem-agent-token-v1")

    def issue(self, agent_id: str, generation: int, ttl: float, now: float) -> str:
        payload = json.dumps(
            {"sub": agent_id, "gen": generation, "exp": int(now + ttl)}, separators=(",", ":")
        )
        body = _b64(payload.encode())
        return f"v1.{body}.{self._mac(body)}"

    def verify(self, token: object, now: float) -> TokenClaims | None:
        """The claims of a well-formed, correctly signed, unexpired token; else ``None``."""
        # A real token is base64url and dots: anything else is refused before it is hashed.
        if not isinstance(token, str) or len(token) > 1024 or not token.isascii():
            return None
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != "v1":
            return None
        _, body, mac = parts
        if not same_secret(mac, self._mac(body)):
            return None
        try:
            payload = json.loads(_unb64(body))
        except (ValueError, binascii.Error):
            return None
        if not isinstance(payload, dict):
            return None
        sub, gen, exp = payload.get("sub"), payload.get("gen"), payload.get("exp")
        if not is_agent_id(sub) or type(gen) is not int or type(exp) is not int:
            return None
        if exp <= now:
            return None
        assert isinstance(sub, str)
        return TokenClaims(agent_id=sub, generation=gen, expires_at=float(exp))

    def _mac(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())
