"""A real SMTP server for tests to receive the service's email: aiosmtpd on a loopback port.

It can be stopped and started again on the same port (the mail server is "down"), and told to
refuse (a 4xx or 5xx reply to ``RCPT``), so the sender's retries and failures run for real.

Example::

    with SmtpSink() as sink:                      # listening on sink.port
        ...                                       # TANDEM_SMTP_URL=smtp://127.0.0.1:<port>
        (message,) = await sink.wait_for(1)      # email.message.EmailMessage
        sink.stop(); sink.start()                 # down, then up again
        sink.refuse = "550 5.1.1 No such mailbox"
"""

from __future__ import annotations

import asyncio
import email
import threading
import time
from email.message import EmailMessage
from email.policy import default
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.ports import free_port


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if self.sink.refuse:
            return self.sink.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=default)
        assert isinstance(message, EmailMessage)
        with self.sink.lock:
            self.sink.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted"


class SmtpSink:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.refuse = ""  # e.g. "451 4.3.0 try later" or "550 5.1.1 no such user"
        self.received: list[tuple[str, list[str], EmailMessage]] = []
        self.lock = threading.Lock()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> SmtpSink:
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
        deadline = time.monotonic() + 10
        while True:  # the port of a sink just stopped may take a moment to come free
            try:
                self._controller.start()
                return self
            except (OSError, RuntimeError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [m for _, _, m in self.received]

    async def wait_for(self, count: int, timeout: float = 15.0) -> list[EmailMessage]:
        """At least ``count`` messages received (all of them), or ``TimeoutError``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.messages()
            if len(found) >= count:
                return found
            await asyncio.sleep(0.05)
        raise TimeoutError(f"{len(self.messages())} emails arrived, not {count}")

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(
        self,
        *exc: type[BaseException] | BaseException | TracebackType | None,
    ) -> None:
        self.stop()
