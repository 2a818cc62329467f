"""Where outgoing mail goes: ``TANDEM_SMTP_URL`` decoded into host, port, TLS mode and login.

Three forms, as mail tools write them:

- ``smtp://host:port`` — plain SMTP (a local relay or a dev sink), no login;
- ``smtp+starttls://user:pass@host:587`` — submission, upgraded with STARTTLS;
- ``smtps://user:pass@host:465`` — TLS from the first byte (implicit TLS).

A user or password with ``@`` or ``:`` in it is percent-encoded (``%40``, ``%3A``).

Example::

    target = SmtpTarget.parse("smtp+starttls://bot%40shop.example:s3cret@mail.shop.example:587")
    target.host, target.port, target.tls, target.username   # 'mail.shop.example', 587, ...
    target.safe_url   # 'smtp+starttls://bot%40shop.example:***@mail.shop.example:587'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote, urlsplit

TlsMode = Literal["none", "starttls", "implicit"]
_SCHEMES: dict[str, tuple[TlsMode, int]] = {
    "smtp": ("none", 25),
    "smtp+starttls": ("starttls", 587),
    "smtps": ("implicit", 465),
}


@dataclass(frozen=True)
class SmtpTarget:
    """One SMTP server to hand mail to (never logged with its password: ``safe_url``)."""

    host: str
    port: int
    tls: TlsMode = "none"
    username: str = ""
    password: str = ""

    @classmethod
    def parse(cls, url: str) -> SmtpTarget:
        """Decode ``url``; raises ``ValueError`` naming what is wrong (never the password)."""
        parts = urlsplit(url.strip())
        if parts.scheme not in _SCHEMES:
            raise ValueError(
                f"scheme must be one of {', '.join(s + '://' for s in _SCHEMES)}, "
                f"not {parts.scheme!r}"
            )
        tls, default_port = _SCHEMES[parts.scheme]
        if not parts.hostname:
            raise ValueError("no host")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ValueError("no path, query or fragment is expected")
        try:
            port = parts.port or default_port
        except ValueError:
            raise ValueError("the port must be a number from 1 to 65535") from None
        username = unquote(parts.username or "")
        password = unquote(parts.password or "")
        if password and not username:
            raise ValueError("a password without a user")
        return cls(parts.hostname, port, tls, username, password)

    @property
    def safe_url(self) -> str:
        """The URL with the password hidden, for logs and error messages."""
        scheme = {"none": "smtp", "starttls": "smtp+starttls", "implicit": "smtps"}[self.tls]
        login = ""
        if self.username:
            user = self.username.replace("%", "%25").replace("@", "%40").replace(":", "%3A")
            login = f"{user}:***@" if self.password else f"{user}@"
        return f"{scheme}://{login}{self.host}:{self.port}"
