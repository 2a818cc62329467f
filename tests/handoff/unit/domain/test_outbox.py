"""The outbox's rules: who gets an email, retries with backoff, permanent refusals."""

import json

from handoff.domain.outbox import (
    Attempt,
    contact_address,
    mask_address,
    next_attempt,
    reason_text,
    retry_delay,
    why_email,
)

TICKET = {"contact_email": "sam@example.org", "offline_reason": "no_agents"}


def test_the_contact_address_comes_from_the_form_or_the_triage() -> None:
    assert contact_address(TICKET) == "sam@example.org"
    triage = {"summary": json.dumps({"contact_email": " kim@example.org "})}
    assert contact_address(triage) == "kim@example.org"
    assert contact_address({"summary": json.dumps({"contact_email": "not an address"})}) is None
    assert contact_address({"contact_email": "a@b.example\r\nBcc: x@evil.example"}) is None
    assert contact_address({"summary": "{broken"}) is None
    assert contact_address({}) is None


def test_a_customer_who_is_connected_reads_it_in_the_chat() -> None:
    assert why_email(TICKET, connected=True, last_seen=100.0, away_seconds=120) is None


def test_a_ticket_is_answered_at_once_and_an_away_customer_after_the_away_time() -> None:
    assert why_email(TICKET, connected=False, last_seen=100.0, away_seconds=120) == ("ticket", 0)
    triage = {"summary": json.dumps({"contact_email": "kim@example.org"})}
    assert why_email(triage, connected=False, last_seen=100.0, away_seconds=120) == (
        "away",
        220.0,
    )
    assert why_email(triage, connected=False, last_seen=None, away_seconds=120) == ("away", 120)
    assert why_email({}, connected=False, last_seen=None, away_seconds=120) is None


def test_backoff_doubles_up_to_an_hour() -> None:
    assert [retry_delay(n, 30) for n in (1, 2, 3)] == [30, 60, 120]
    assert retry_delay(30, 30) == 3600


def test_no_answer_and_4xx_are_retried_5xx_fails_at_once() -> None:
    assert next_attempt(tries=1, smtp_code=None, max_tries=8, base=30) == Attempt("retrying", 30)
    assert next_attempt(tries=2, smtp_code=421, max_tries=8, base=30) == Attempt("retrying", 60)
    assert next_attempt(tries=1, smtp_code=550, max_tries=8, base=30) == Attempt("failed")
    assert next_attempt(tries=8, smtp_code=451, max_tries=8, base=30) == Attempt("failed")


def test_reasons_are_one_short_line_and_addresses_are_masked() -> None:
    assert reason_text(550, "5.1.1 no\r\n  such user") == "550 5.1.1 no such user"
    assert reason_text(None, "") == "unknown error"
    assert len(reason_text(451, "x" * 1000)) == 300
    assert mask_address("sam.k@example.org") == "s***@example.org"
    assert mask_address("nothing") == "***"
