"""Comparing a secret someone presented with the one expected: in constant time, never raising.

``hmac.compare_digest`` raises ``TypeError`` for two ``str`` that are not both ASCII, so a
forged token with one non-ASCII character in its signature turned a refusal into an exception
(a hung ``/agent`` connect, a 500 on the transcript export). Comparing bytes has no such case;
the UTF-8 encoding keeps lone surrogates (``"\\ud800"`` arrives over JSON) instead of raising.

Example::

    if not same_secret(bearer(request), settings.metrics_token):
        ...  # 401
"""

from __future__ import annotations

import hmac


def same_secret(given: object, expected: str) -> bool:
    """Whether ``given`` is exactly ``expected``, in time that does not depend on where they differ.

    Anything that is not a ``str`` (``None``, a number from a JSON body) is simply not equal.
    """
    if not isinstance(given, str):
        return False
    return hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )
