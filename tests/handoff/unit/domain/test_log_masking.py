"""The log filter masks customers' emails and phone numbers, and nothing an operator needs."""

from __future__ import annotations

import logging

from handoff.domain.inbox import mask_contacts
from handoff.domain.log_masking import ContactMasking, install


def record(msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("handoff", logging.INFO, __file__, 1, msg, args or None, None)


def test_emails_and_phone_numbers_in_the_message_and_its_arguments_are_masked() -> None:
    line = record("offline message from %s (%s), call +44 20 7946 0958", "ana@example.com", 7)
    assert ContactMasking().filter(line)
    assert line.getMessage() == "offline message from <email> (7), call <phone>"
    mapped = logging.LogRecord("x", logging.INFO, __file__, 1, "%(who)s", None, None)
    mapped.args = {"who": "Sam <sam.k@example.org>"}
    ContactMasking().filter(mapped)
    assert mapped.getMessage() == "Sam <<email>>"


def test_objects_formatted_into_a_line_are_masked_as_their_text() -> None:
    line = record("summary %s", {"contact_email": "ana@example.com"})
    ContactMasking().filter(line)
    assert "ana@example.com" not in line.getMessage() and "<email>" in line.getMessage()


def test_addresses_ports_ids_and_times_are_left_alone() -> None:
    text = "replica host:42:8000 ready (redis redis://127.0.0.1:6390/0) in 1733112345.123 s"
    assert mask_contacts(text) == text
    assert (
        mask_contacts("conversation c_3OFZ6H02VNNdDuLN6-RDmw")
        == "conversation c_3OFZ6H02VNNdDuLN6-RDmw"
    )
    # uvicorn's access log formats its arguments one by one: they stay a tuple of the same kinds.
    access = record('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", "/health", "1.1", 200)
    ContactMasking().filter(access)
    assert access.args == ("127.0.0.1:5000", "GET", "/health", "1.1", 200)


def test_install_puts_one_filter_on_each_handler() -> None:
    logger = logging.getLogger("tandem.test.masking")
    handler = logging.NullHandler()
    logger.addHandler(handler)
    try:
        install(["tandem.test.masking"])
        install(["tandem.test.masking"])
        assert [type(f) for f in handler.filters] == [ContactMasking]
    finally:
        logger.removeHandler(handler)
