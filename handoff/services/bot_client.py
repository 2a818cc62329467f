"""HTTP client for the bot's input channel (contract: ``docs/bot-channel.md``).

The handoff service never imports Rasa; it calls ``POST /webhooks/tandem/message`` on loopback
and gets the bot's messages, the NLU result and any handoff in one round trip. Anything but a
200 with at least one message (a non-200, a timeout, a refused connection, an empty list,
malformed JSON) is :class:`BotUnavailable`: Rasa's channels answer ``[]`` when the action server
is down, and a customer must never be left waiting on a silent bot.

Example::

    bot = BotClient(["http://127.0.0.1:5005", "http://127.0.0.1:5006"], token="", timeout=15)
    turn = await bot.send_message("c_…", "where is my parcel?", message_id="c_…:3", metadata={})
    turn.messages[0].text, turn.handoff
    watching = asyncio.create_task(bot.watch(2.0))   # marks instances up and down
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from handoff.config.reasons import normalise_reason
from handoff.domain.bot_instances import BotInstances
from handoff.domain.clock import SYSTEM_CLOCK, Clock
from handoff.protocol.types import Button, RankedIntent

MAX_BOT_TEXT = 20_000  # the bot is trusted, but a runaway template must not flood the customer
HEALTH_TIMEOUT = 3.0  # seconds a health check may take before the instance counts as down
RANKING_KEPT = 3  # runners-up kept with a turn: what a writer picks from in the inbox
log = logging.getLogger("handoff.bot")


class BotUnavailable(Exception):
    """The bot could not answer; ``str(exc)`` says how (for logs, never for customers)."""


@dataclass(frozen=True)
class BotMessage:
    text: str = ""
    buttons: list[Button] = field(default_factory=list)
    image: str = ""
    attachment: dict[str, Any] | None = None
    custom: dict[str, Any] | None = None


@dataclass(frozen=True)
class Handoff:
    reason: str
    summary: dict[str, Any]
    language: str


@dataclass(frozen=True)
class BotTurn:
    messages: list[BotMessage]
    handoff: Handoff | None = None
    language: str = ""
    intent: str = ""
    confidence: float | None = None
    ranking: list[RankedIntent] = field(default_factory=list)
    # The language the message reads as (``nlu.language.code``, else ``detected``), served or
    # not: what the inbox files the message under. ``language`` above is the one to answer in.
    text_language: str = ""


def parse_turn(body: object, *, allow_empty: bool = False) -> BotTurn:
    """The channel's JSON answer as a :class:`BotTurn`; raises :class:`BotUnavailable`."""
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
        raise BotUnavailable("answer is not {'messages': [...]}")
    messages = [m for m in (_message(raw) for raw in body["messages"]) if m is not None]
    if not body["messages"] and not allow_empty:
        raise BotUnavailable("the bot answered with no messages")
    handoff = _handoff(body.get("handoff"))
    if handoff is None:
        # Older channels may not fill the top-level field; the last custom payload still counts.
        for raw in body["messages"]:
            if isinstance(raw, dict) and isinstance(raw.get("custom"), dict):
                handoff = _handoff(raw["custom"].get("handoff")) or handoff
    nlu = body.get("nlu") if isinstance(body.get("nlu"), dict) else {}
    assert isinstance(nlu, dict)
    identified = nlu.get("language") if isinstance(nlu.get("language"), dict) else {}
    assert isinstance(identified, dict)
    # The conversation follows a language the bot serves (it answers in it); one message that
    # reads as another language is the bot's to act on (a handoff), not a switch.
    language = (identified.get("code") or "") if identified.get("served", True) else ""
    intent = nlu.get("intent") if isinstance(nlu.get("intent"), str) else ""
    confidence = nlu.get("confidence")
    read_as = identified.get("code") or identified.get("detected") or ""
    return BotTurn(
        messages=messages,
        handoff=handoff,
        language=language if isinstance(language, str) and 2 <= len(language) <= 3 else "",
        intent=str(intent)[:200],
        confidence=(
            round(float(confidence), 4)
            if isinstance(confidence, int | float) and not isinstance(confidence, bool)
            else None
        ),
        ranking=_ranking(nlu.get("ranking")),
        text_language=read_as if isinstance(read_as, str) and 2 <= len(read_as) <= 3 else "",
    )


def _ranking(raw: object) -> list[RankedIntent]:
    if not isinstance(raw, list):
        return []
    ranking: list[RankedIntent] = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        confidence = item.get("confidence")
        if not isinstance(confidence, int | float) or isinstance(confidence, bool):
            continue
        ranking.append({"name": item["name"][:200], "confidence": round(float(confidence), 4)})
        if len(ranking) == RANKING_KEPT:
            break
    return ranking


def _message(raw: object) -> BotMessage | None:
    if not isinstance(raw, dict):
        return None
    text = raw.get("text") if isinstance(raw.get("text"), str) else ""
    assert isinstance(text, str)
    buttons: list[Button] = []
    for b in raw.get("buttons") or []:
        if (
            isinstance(b, dict)
            and isinstance(b.get("title"), str)
            and isinstance(b.get("payload"), str)
        ):
            buttons.append({"title": b["title"], "payload": b["payload"]})
    image = raw.get("image") if isinstance(raw.get("image"), str) else ""
    attachment = raw.get("attachment") if isinstance(raw.get("attachment"), dict) else None
    custom = dict(raw["custom"]) if isinstance(raw.get("custom"), dict) else None
    if custom is not None:
        custom.pop("handoff", None)  # internal: for the service, not the customer
        custom = custom or None
    if not (text or buttons or image or attachment or custom):
        return None
    return BotMessage(text[:MAX_BOT_TEXT], buttons, str(image), attachment, custom)


def _handoff(raw: object) -> Handoff | None:
    if not isinstance(raw, dict):
        return None
    summary = raw.get("summary") if isinstance(raw.get("summary"), dict) else {}
    language = raw.get("language") if isinstance(raw.get("language"), str) else ""
    assert isinstance(summary, dict) and isinstance(language, str)
    return Handoff(normalise_reason(raw.get("reason")), summary, language.lower()[:3])


class NotDelivered(BotUnavailable):
    """The call never reached Rasa (no connection could be made): safe to make elsewhere."""


class BotClient:
    """One pooled HTTP client to one or more Rasa instances for the whole replica.

    Each call goes to the conversation's instance (``BotInstances.order``: rendezvous hashing
    on the sender, the healthy first). A call that could not connect at all is made once more,
    on the next instance, within what is left of the same timeout; any other failure (a timeout,
    a connection dropped after the request went out, a non-200) is not retried: Rasa may have
    processed the message and stored it in the shared tracker, and a second instance would
    process it again (docs/architecture.md, "The bridge to the bot"). ``watch`` is the health
    check that marks instances up and down in the background.

    aiohttp rather than httpx: under the sustained benchmark httpx (pure-Python HTTP parsing and
    connection-pool bookkeeping) was a third of the service's CPU; aiohttp's C parser costs a
    fraction of that (docs/benchmarks.md). The session is opened on first use, inside the
    server's event loop.
    """

    def __init__(
        self,
        base_urls: str | Sequence[str],
        *,
        token: str,
        timeout: float,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        urls = [base_urls] if isinstance(base_urls, str) else list(base_urls)
        self.instances = BotInstances([u.rstrip("/") for u in urls])
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._total = timeout
        self._timeout = aiohttp.ClientTimeout(total=timeout, connect=min(timeout, 3.0))
        self._session: aiohttp.ClientSession | None = None
        self.now = clock

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                headers=self._headers,
                timeout=self._timeout,
                connector=aiohttp.TCPConnector(limit=200, keepalive_timeout=30),
            )
        return self._session

    async def send_message(
        self,
        sender: str,
        text: str,
        *,
        message_id: str,
        metadata: dict[str, Any],
        faq_only: bool = False,
    ) -> BotTurn:
        """The bot's turn for one customer message.

        ``faq_only`` (the customer waits for a person): the bot answers FAQ questions only and
        otherwise says nothing, so an empty turn is an answer here, not a failure.
        """
        body: dict[str, Any] = {
            "sender": sender,
            "message": text,
            "message_id": message_id,
            "metadata": metadata,
        }
        if faq_only:
            body["faq_only"] = True
        return parse_turn(await self._post(body), allow_empty=faq_only)

    async def hand_back(self, sender: str) -> BotTurn:
        """Tell the bot a person handed back; it answers with a short "I'm back" turn."""
        return parse_turn(
            await self._post({"sender": sender, "event": "handback"}), allow_empty=True
        )

    async def probe(self, url: str) -> tuple[bool, str]:
        """One health check of one instance (the channel's ``/webhooks/tandem/health``)."""
        try:
            async with self._http().get(
                url + "/webhooks/tandem/health",
                timeout=aiohttp.ClientTimeout(total=HEALTH_TIMEOUT),
            ) as response:
                status = response.status
        except (TimeoutError, aiohttp.ClientError) as exc:
            return False, f"unreachable ({type(exc).__name__})"
        if status != 200:
            return False, f"HTTP {status}"
        return True, "ok"

    async def check_all(self) -> None:
        """Check every instance at once and mark each up or down."""
        urls = self.instances.urls
        results = await asyncio.gather(*(self.probe(url) for url in urls))
        now = self.now()
        for url, (ok, detail) in zip(urls, results, strict=True):
            if ok != self.instances.is_up(url):
                log.log(
                    logging.INFO if ok else logging.WARNING,
                    "Rasa %s is %s (%s)",
                    url,
                    "up" if ok else "down",
                    detail,
                )
            self.instances.mark(url, up=ok, detail=detail, at=now)

    async def watch(self, interval: float) -> None:
        """The background health check: every ``interval`` seconds, until cancelled (the
        service runs ``check_all`` once at start-up, before it serves)."""
        while True:
            await asyncio.sleep(interval)
            try:
                await self.check_all()
            except Exception:  # noqa: BLE001 - the check must outlive any one failure
                log.exception("the Rasa health check failed; trying again")

    async def health(self) -> tuple[bool, str]:
        """Whether every instance answered its last health check, and in a phrase."""
        return self.instances.all_up(), self.instances.summary()

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _post(self, body: dict[str, Any]) -> object:
        """The call on the conversation's instance; once more on the next one if it could not
        connect, with what is left of the one timeout (the bridge's lease is sized for one)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._total
        failure: BotUnavailable = BotUnavailable("no Rasa instance")
        for url in self.instances.order(str(body.get("sender", "")))[:2]:
            left = deadline - loop.time()
            if left <= 0:
                break
            try:
                return await self._post_to(url, body, left)
            except NotDelivered as exc:
                # Nothing reached Rasa: mark it down until the health check hears it again.
                self.instances.mark(url, up=False, detail=str(exc), at=self.now())
                log.warning("Rasa %s: %s; trying the next instance", url, exc)
                failure = exc
        raise failure

    async def _post_to(self, url: str, body: dict[str, Any], left: float) -> object:
        timeout = aiohttp.ClientTimeout(total=left, connect=min(left, 3.0))
        try:
            async with self._http().post(
                url + "/webhooks/tandem/message", json=body, timeout=timeout
            ) as response:
                if response.status != 200:
                    raise BotUnavailable(f"HTTP {response.status}")
                raw = await response.read()
        except aiohttp.ConnectionTimeoutError as exc:  # before TimeoutError: it is one too
            raise NotDelivered(f"could not connect in time ({type(exc).__name__})") from exc
        except aiohttp.ClientConnectorError as exc:
            raise NotDelivered(f"unreachable ({type(exc).__name__})") from exc
        except TimeoutError as exc:
            raise BotUnavailable(f"timed out ({type(exc).__name__})") from exc
        except aiohttp.ClientError as exc:
            raise BotUnavailable(f"unreachable ({type(exc).__name__})") from exc
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise BotUnavailable("answer is not JSON") from exc
