"""Which emails landed already, by Message-ID, on a real Redis."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.store.mail_in import MailSeen, client_msg_id, digest
from tests.handoff.integration.store.conftest import KEYS

pytestmark = pytest.mark.asyncio


async def test_an_email_is_remembered_with_the_entry_it_became(redis: Any) -> None:
    seen = MailSeen(redis, KEYS, ttl_seconds=3600)
    assert await seen.landed_as("CAF=abc@mail.gmail.com") is None
    await seen.remember("CAF=abc@mail.gmail.com", "c_x", 7)
    assert await seen.landed_as("CAF=abc@mail.gmail.com") == ("c_x", 7)
    # The first landing wins: a later write (a racing redelivery) does not move it.
    await seen.remember("CAF=abc@mail.gmail.com", "c_x", 9)
    assert await seen.landed_as("CAF=abc@mail.gmail.com") == ("c_x", 7)
    assert 0 < await redis.ttl(KEYS.mail_seen(digest("CAF=abc@mail.gmail.com"))) <= 3600


async def test_names_are_fixed_length_and_never_a_widgets_client_msg_id() -> None:
    long_id = "x" * 5000 + "@example.org"
    assert len(digest(long_id)) == 40 and digest(long_id) != digest("other@example.org")
    assert client_msg_id("a@b").startswith("mail:")
