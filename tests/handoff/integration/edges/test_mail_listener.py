"""The SMTP listener on this test's event loop, over a real Redis: real SMTP sessions
(aiosmtplib). The per-peer limit (sized for a forwarder, 120 at once, so shrunk here) answers a
temporary 451 at MAIL, before any recipient is looked at; a valid reply still lands."""

from __future__ import annotations

import time
from typing import Any

import aiosmtplib
import pytest

from handoff.config.settings import Settings
from handoff.edges.mail_listener import MailHandler, MailListener, masked
from handoff.security.ratelimit import Rule
from handoff.security.reply_tokens import ReplyTokens
from handoff.store.limits import Limits
from tests.handoff.integration.services.test_mail_in import email, real_mail_in
from tests.handoff.integration.store.conftest import KEYS

pytestmark = pytest.mark.asyncio
SECRET = "x" * 32


async def listener(redis: Any, peer_rule: Rule) -> tuple[MailListener, Any]:
    settings = Settings.from_env(
        {"TANDEM_SECRET": SECRET, "TANDEM_INBOUND_SMTP_PORT": "0"}  # 0 here: any free port
    )
    mail_in, store, _ = real_mail_in(redis)
    handler = MailHandler(
        settings=settings,
        tokens=ReplyTokens(SECRET),
        mail_in=mail_in,
        limits=Limits(redis, KEYS, clock=time.time),
        clock=time.time,
        peer_rule=peer_rule,
    )
    smtp = MailListener(settings, handler)
    await smtp.start()
    return smtp, store


async def test_a_flooding_peer_is_told_to_come_back_later_at_mail(redis: Any) -> None:
    smtp, store = await listener(redis, Rule("mail_peer", burst=2, per_minute=1))
    try:
        cid = await store.start("u_1", expected_current="", day_key=KEYS.stats_day("d"))
        to = ReplyTokens(SECRET).address(cid, domain="reply.test", ttl_days=30, now=time.time())
        codes = []
        for n in range(3):
            client = aiosmtplib.SMTP(hostname="127.0.0.1", port=smtp.port, timeout=10)
            await client.connect()
            try:
                await client.sendmail(
                    "sam@example.org", [to], email(f"reply {n}", to=to, message_id=f"p{n}@x")
                )
                codes.append(250)
            except aiosmtplib.SMTPSenderRefused as refused:
                codes.append(refused.code)
            finally:
                client.close()
        assert codes == [250, 250, 451]
        entries, _ = await store.read_log(cid)
        customer = [e["text"] for e in entries if e["author"] == "customer"]
        assert customer == ["reply 0", "reply 1"]
    finally:
        await smtp.stop()


async def test_reply_addresses_are_masked_in_the_logs() -> None:
    address = "reply+abcdefghijklmnopqrstuvwxyz234567abcdefghijkl@reply.test"
    assert masked(address) == "reply+abcdef…@reply.test"
    assert "ghijkl" not in masked(address)
