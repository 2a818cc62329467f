"""No customer's email or phone number in the service's logs: a filter on the log handlers.

The masks are the writers' inbox's (``domain/inbox.py``: ``mask_contacts``), applied to the
message and to each argument it is formatted with, in place, so every formatter (uvicorn's
access log reads its arguments one by one) still works. ``server.py`` installs it on every
handler the service logs through.

Example::

    handler.addFilter(ContactMasking())
    log.info("offline message from %s", "ana@example.com")   # "... from <email>"
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from handoff.domain.inbox import mask_contacts


def _masked(value: object) -> object:
    if isinstance(value, str):
        return mask_contacts(value)
    if isinstance(value, bool | int | float) or value is None:
        return value
    text = str(value)  # a dict, an exception: masked as the text it would be formatted as
    masked = mask_contacts(text)
    return value if masked == text else masked


class ContactMasking(logging.Filter):
    """Masks emails and phone numbers in every record it sees; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_contacts(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_masked(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _masked(v) for k, v in record.args.items()}
        return True


SERVICE_LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access")  # "": the root logger


def install(logger_names: Iterable[str] = SERVICE_LOGGERS) -> None:
    """Put one :class:`ContactMasking` on every handler of these loggers (root included)."""
    masking = ContactMasking()
    for name in logger_names:
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, ContactMasking) for f in handler.filters):
                handler.addFilter(masking)
