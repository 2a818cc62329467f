"""The application factory: one Sanic app for HTTP, one python-socketio server for sockets.

python-socketio's maintainer recommends its ASGI integration, so the socket server is mounted
as ``socketio.ASGIApp(sio, other_asgi_app=sanic_app)`` and the result is served by uvicorn;
lifespan events go to Sanic, whose listeners open and close the replica's resources.

``create_app`` is the one place that knows how the parts fit: it builds the stores, the
fan-out, the services and the edges, and hands each one what it uses (nothing reaches for a
shared context object). The imports run one way: edges -> services -> fanout -> store ->
domain / security / config -> protocol (``docs/architecture.md``).

Example::

    app = create_app(Settings.from_env())
    uvicorn.run(app, host="127.0.0.1", port=8000)
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import socket
from dataclasses import dataclass
from typing import Any

import socketio  # type: ignore[import-untyped]  # no type information shipped
from sanic import Request, Sanic
from sanic.response import BaseHTTPResponse

from handoff.config.canned import load_canned
from handoff.config.faq_answers import load_faq_answers
from handoff.config.settings import Settings
from handoff.config.texts import SystemTexts
from handoff.domain.clock import SYSTEM_CLOCK, Clock
from handoff.edges.admin_api import AdminApi
from handoff.edges.agent_ns import AgentNamespace, AgentSocketCap
from handoff.edges.body_limit import BodyLimit
from handoff.edges.customer_ns import AddressLimits, CustomerNamespace
from handoff.edges.dev_mail import DevMailApi, DevMailSink
from handoff.edges.http_api import HttpApi, LoginRules
from handoff.edges.mail_api import MailApi
from handoff.edges.mail_listener import MailHandler, MailListener
from handoff.edges.origins import origin_check
from handoff.edges.socket_server import SocketServer
from handoff.edges.sockets import Connections
from handoff.edges.static import mount_static
from handoff.edges.sweeper import Sweeper
from handoff.edges.workbench_api import WorkbenchApi
from handoff.fanout.notify import Notifier
from handoff.fanout.pubsub import RedisManager
from handoff.protocol import bounded_json
from handoff.security.addresses import parse_networks
from handoff.security.ids import SessionSigner
from handoff.security.link_tokens import LinkTokens
from handoff.security.ratelimit import Rule
from handoff.security.reply_tokens import ReplyTokens
from handoff.security.tokens import TokenSigner
from handoff.services.admin import AgentAdmin
from handoff.services.agent_auth import AgentAuth, HashGate
from handoff.services.assist import Assist
from handoff.services.board import Board
from handoff.services.bot_client import BotClient
from handoff.services.bridge import BotBridge, HandoffLimit
from handoff.services.content import Content
from handoff.services.demo_agent import ensure_demo_agent
from handoff.services.desk import Desk
from handoff.services.followup import FollowUps
from handoff.services.idle import IdleCloser
from handoff.services.inbox import InboxFeed
from handoff.services.mail_in import MailIn
from handoff.services.mail_out import LEASE_SECONDS, MailOut
from handoff.services.privacy import Privacy
from handoff.services.rasa_api import RasaApi
from handoff.services.train_job import TrainJobs
from handoff.store import pool
from handoff.store.agents import AgentStore
from handoff.store.assist import AssistStore
from handoff.store.audit import AuditLog
from handoff.store.bot_lease import BotLease
from handoff.store.conversations import ConversationStore
from handoff.store.customer_data import CustomerData, bot_redis_client
from handoff.store.customer_seen import CustomerSeen
from handoff.store.dev_mailbox import DevMailbox
from handoff.store.facts import DeskFactsReader
from handoff.store.followups import FollowUpStore
from handoff.store.inbox import InboxStore
from handoff.store.job_board import JobBoard
from handoff.store.keys import Keys
from handoff.store.limits import Limits
from handoff.store.mail_in import MailSeen
from handoff.store.outbox import Outbox
from handoff.store.presence import Presence
from handoff.store.queue_places import QueuePlaces
from handoff.store.sockets import AddressSockets
from handoff.store.stats import Stats

log = logging.getLogger("handoff")
_names = itertools.count(1)


@dataclass(frozen=True)
class Parts:
    """What ``create_app`` built, for tests and tools to reach (a record; no behaviour)."""

    settings: Settings
    redis: Any
    connections: Connections
    conversations: ConversationStore
    agents: AgentStore
    presence: Presence
    stats: Stats
    bot: BotClient
    notify: Notifier
    board: Board
    desk: Desk
    bridge: BotBridge
    sweeper: Sweeper
    followups: FollowUps
    mail_in: MailListener | None  # the inbound SMTP listener (None: TANDEM_INBOUND_SMTP_PORT unset)
    assist: Assist
    mail_out: MailOut | None = None


class HandoffApp(socketio.ASGIApp):  # type: ignore[misc]
    """The ASGI app uvicorn serves, with handles on its parts (for tests and tools)."""

    def __init__(self, sio: socketio.AsyncServer, sanic_app: Sanic[Any, Any], parts: Parts) -> None:
        super().__init__(sio, other_asgi_app=sanic_app)
        self.sio = sio
        self.sanic = sanic_app
        self.parts = parts
        # Every HTTP body (Sanic's routes and Engine.IO's long-polling) passes the ceiling first.
        self._edge = BodyLimit(super().__call__, max_bytes=parts.settings.max_payload_bytes)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self._edge(scope, receive, send)


def create_app(settings: Settings, *, clock: Clock = SYSTEM_CLOCK) -> HandoffApp:
    """Build the whole service for ``settings``; nothing connects until the server starts.

    ``clock`` is the one source of "now" for every part.
    """
    keys = Keys(settings.redis_prefix)
    sio = SocketServer(
        async_mode="asgi",
        # Packets nested too deep get an answer instead of a RecursionError in the library.
        json=bounded_json,
        client_manager=RedisManager(
            settings.redis_url,
            channel=keys.socketio_channel,
            keys=keys,
            dead_after=settings.replica_ttl,
        ),
        cors_allowed_origins=origin_check(settings.cors_origins),
        max_http_buffer_size=settings.max_payload_bytes,
        # One event at a time per socket: a customer's messages are stored in the order sent.
        async_handlers=False,
        logger=False,
        engineio_logger=False,
    )
    # Sanic keeps a registry of app names per process; tests build several apps.
    sanic_app: Sanic[Any, Any] = Sanic(f"tandem_handoff_{next(_names)}", configure_logging=False)
    sanic_app.config.FALLBACK_ERROR_FORMAT = "json"

    # Stores: every Redis call. Clients connect lazily, inside the server's event loop.
    replica = f"{socket.gethostname()}:{os.getpid()}:{settings.port}"
    redis: Any = pool.connect(
        settings.redis_url,
        decode_responses=True,
        health_check_interval=30,
        socket_connect_timeout=5,
    )
    # Rasa's stores on a Redis of their own (TANDEM_RASA_REDIS_URL): privacy reaches them there.
    customer_data = CustomerData(
        redis, keys, bot_redis=bot_redis_client(settings.rasa_redis_url, settings.redis_url)
    )
    conversations = ConversationStore(
        redis,
        keys,
        retention_seconds=settings.retention_days * 86400,
        clock=clock,
        wait_replicas=settings.redis_wait_replicas,
        wait_timeout_ms=settings.redis_wait_timeout_ms,
    )
    agents = AgentStore(redis, keys, clock=clock)
    presence = Presence(redis, keys, replica=replica, ttl=settings.presence_ttl)
    stats = Stats(redis, keys, zone=settings.business_hours.zone, clock=clock)
    facts = DeskFactsReader(redis, keys)
    # A lease long enough for one bot call (it is renewed before each call).
    lease = BotLease(redis, keys, lease_ms=int((settings.rasa_timeout + 2.0) * 1000))

    # Email out (docs/email.md): the outbox, and when each customer was last connected.
    outbox = Outbox(
        redis,
        keys,
        retention_seconds=settings.retention_days * 86400,
        lease_seconds=LEASE_SECONDS,
    )
    seen = CustomerSeen(redis, keys, replica=replica)

    # Services, over the stores and the fan-out.
    texts = SystemTexts.load()
    notify = Notifier(sio)
    # After a gap in what this replica heard from the others, its clients sync from the streams.
    sio.manager.on_resubscribe = notify.resync
    bot = BotClient(
        settings.rasa_urls, token=settings.bot_token, timeout=settings.rasa_timeout, clock=clock
    )
    board = Board(
        conversations=conversations,
        facts=facts,
        places=QueuePlaces(redis, keys),
        notify=notify,
        clock=clock,
        outbox=outbox if settings.mail_enabled else None,
    )
    desk = Desk(
        settings=settings,
        conversations=conversations,
        agents=agents,
        presence=presence,
        stats=stats,
        facts=facts,
        board=board,
        notify=notify,
        texts=texts,
        clock=clock,
    )
    # Agent assist: suggested replies off the message path (docs/agent-assist.md).
    canned = load_canned(settings.canned_responses)
    assist = Assist(
        conversations=conversations,
        store=AssistStore(
            redis,
            keys,
            cap=settings.assist_max_pairs,
            ttl=settings.retention_days * 86400,
            clock=clock,
        ),
        stats=stats,
        notify=notify,
        # Parse only, through Rasa's HTTP API (the tracker of an owned conversation is untouched).
        parse=RasaApi(settings.run_dir, timeout=settings.rasa_timeout).parse_with_answers,
        faq=load_faq_answers(settings.assist_responses, settings.default_language),
        canned=canned,
        faq_confidence=settings.assist_faq_confidence,
        max_pairs=settings.assist_max_pairs,
        default_language=settings.default_language,
    )

    inbox = InboxStore(
        redis,
        keys,
        seen_ttl=settings.inbox_days * 86400,
        max_items=settings.inbox_max_items,
        clock=clock,
    )
    # After a resolution: "Was your problem solved?" (docs/email.md).
    followup_store = FollowUpStore(redis, keys, clock=clock)
    followups = FollowUps(
        settings=settings,
        store=followup_store,
        conversations=conversations,
        desk=desk,
        stats=stats,
        notify=notify,
        texts=texts,
        clock=clock,
        on_confirmed=assist.confirmed_later,  # a follow-up "yes" keeps its replies
    )
    mail_out = (
        MailOut(
            settings=settings,
            outbox=outbox,
            seen=seen,
            conversations=conversations,
            notify=notify,
            texts=texts,
            clock=clock,
            replica=replica,
            followups=followups,  # their emails go through the outbox too
        )
        if settings.mail_enabled
        else None
    )
    inbox_feed = InboxFeed(
        inbox=inbox,
        conversations=conversations,
        low_confidence=settings.inbox_low_confidence,
        clock=clock,
    )
    # Rate limits are token buckets in Redis: they hold across replicas (docs/security.md).
    limits = Limits(redis, keys, clock=clock)
    handoffs_rule = Rule("handoffs", settings.handoff_burst, settings.handoffs_per_minute)
    bridge = BotBridge(
        handoff_limit=HandoffLimit(limits, handoffs_rule),
        lease=lease,
        conversations=conversations,
        bot=bot,
        desk=desk,
        facts=facts,
        notify=notify,
        texts=texts,
        clock=clock,
        inbox=inbox_feed,
    )
    auth = AgentAuth(
        tokens=TokenSigner(settings.secret),
        agents=agents,
        token_ttl=settings.token_ttl,
        clock=clock,
        gate=HashGate(hashers=settings.login_concurrency, queue=settings.login_queue),
    )

    # Edges: where requests come in.
    connections = Connections()
    customer_rule = Rule("customer", settings.rate_burst, settings.rate_per_minute)
    # Agents type fast and legitimately burst (canned replies); give them more room.
    agent_rule = Rule("agent", settings.rate_burst * 3, settings.rate_per_minute * 4)
    trusted_proxies = parse_networks(settings.trusted_proxies)
    address_sockets = AddressSockets(redis, keys, replica=replica)
    per_address = AddressLimits(
        trusted_proxies=trusted_proxies,
        sessions=Rule("sessions", settings.session_burst, settings.sessions_per_minute),
        handoffs=handoffs_rule,
        sockets=address_sockets,
        sockets_per_address=settings.sockets_per_address,
        messages=Rule(
            "address_messages",
            settings.address_message_burst,
            settings.address_messages_per_second * 60,
        ),
    )
    # Failed logins: strict per address, generous per username (from every address together),
    # so one address cannot lock an agent out and one password cannot try every username.
    login_rules = LoginRules(
        by_address=Rule("login_address", burst=10, per_minute=5),
        by_username=Rule("login_username", burst=50, per_minute=20),
        trusted_proxies=trusted_proxies,
    )
    sio.register_namespace(
        CustomerNamespace(
            settings=settings,
            sessions=SessionSigner(settings.secret),
            connections=connections,
            conversations=conversations,
            stats=stats,
            desk=desk,
            board=board,
            bridge=bridge,
            notify=notify,
            texts=texts,
            limits=limits,
            rule=customer_rule,
            per_address=per_address,
            clock=clock,
            inbox=inbox_feed,
            followups=followups,
            seen=seen,
            mail=mail_out,
            assist=assist,
        )
    )
    sio.register_namespace(
        AgentNamespace(
            settings=settings,
            auth=auth,
            connections=connections,
            conversations=conversations,
            agents=agents,
            presence=presence,
            stats=stats,
            desk=desk,
            board=board,
            bridge=bridge,
            notify=notify,
            canned=canned,
            limits=limits,
            rule=agent_rule,
            clock=clock,
            inbox=inbox_feed,
            socket_cap=AgentSocketCap(
                trusted_proxies, address_sockets, settings.agent_sockets_per_address
            ),
            followups=followups,
            mail=mail_out,
            assist=assist,
        )
    )
    # Email in: customers' replies, forwarded by the operator's mail system (docs/email.md).
    mail_listener = None
    if settings.inbound_smtp_port:
        mail_in = MailIn(
            conversations=conversations,
            seen=MailSeen(redis, keys, ttl_seconds=settings.retention_days * 86400),
            desk=desk,
            followups=followup_store,
            notify=notify,
        )
        mail_listener = MailListener(
            settings,
            MailHandler(
                settings=settings,
                tokens=ReplyTokens(settings.secret),
                mail_in=mail_in,
                limits=limits,
                clock=clock,
            ),
        )
    api = HttpApi(
        settings=settings,
        redis=redis,
        bot=bot,
        stats=stats,
        auth=auth,
        conversations=conversations,
        connections=connections,
        limits=limits,
        login_rules=login_rules,
    )
    sanic_app.blueprint(api.blueprint())
    mail_api = MailApi(
        outbox=outbox,
        tokens=LinkTokens(settings.secret, "unsubscribe"),
        followups=followups,
        answer_tokens=LinkTokens(settings.secret, "followup"),
    )
    sanic_app.blueprint(mail_api.blueprint())
    # Developer mode: the mail sink and the console's Mail page (every route 404s otherwise).
    mailbox = DevMailbox(redis, keys)
    dev_sink = DevMailSink(mailbox) if settings.dev and settings.dev_mail_port else None
    sanic_app.blueprint(DevMailApi(settings=settings, auth=auth, mailbox=mailbox).blueprint())
    # The writers' workbench (docs/workbench.md): the inbox, labels, commits, check & train.
    content = Content(repo=settings.workbench_repo, conversations=conversations, clock=clock)
    jobs = TrainJobs(
        repo=settings.workbench_repo,
        run_dir=settings.run_dir,
        branch=content.branch,
        parse=RasaApi(settings.run_dir, timeout=settings.rasa_timeout).parse,
        clock=clock,
        board=JobBoard(redis, keys),  # one job at a time across replicas, shown by each
    )
    workbench = WorkbenchApi(auth=auth, inbox=inbox, content=content, jobs=jobs)
    sanic_app.blueprint(workbench.blueprint())
    # Administration (docs/console.md): agent accounts, privacy requests, the audit trail.
    audit = AuditLog(redis, keys, clock=clock)
    admin = AdminApi(
        auth=auth,
        admin=AgentAdmin(agents=agents, presence=presence, desk=desk, audit=audit, clock=clock),
        privacy=Privacy(
            data=customer_data,
            conversations=conversations,
            notify=notify,
            texts=texts,
            audit=audit,
            clock=clock,
            assist=assist.store,
        ),
        audit=audit,
        limits=limits,
        rule=Rule("admin", burst=30, per_minute=120),
    )
    sanic_app.blueprint(admin.blueprint())
    if mount_static(sanic_app, settings.static_dir):
        log.info("serving the widget and console from %s", settings.static_dir)
    sweeper = Sweeper(
        settings,
        sio,
        connections=connections,
        agents=agents,
        presence=presence,
        desk=desk,
        sockets=address_sockets,
        clock=clock,
        inbox=inbox,
        idle=IdleCloser(
            settings,
            conversations=conversations,
            notify=notify,
            board=board,
            texts=texts,
            clock=clock,
        ),
        followups=followups,
        seen=seen,
    )

    @sanic_app.before_server_start
    async def open_resources(app: Sanic[Any, Any], _: Any = None) -> None:
        # Check Redis once at start-up; the service still starts (and reports 503) without it.
        if not await pool.reachable(redis, within=5.0):
            log.error("cannot reach Redis at %s yet", settings.redis_url)
        if settings.dev and settings.demo_agent:
            await ensure_demo_agent(agents, settings.demo_agent)
        app.ctx.sweeper = asyncio.create_task(sweeper.run(), name="sweeper")
        if mail_listener is not None:
            try:
                await mail_listener.start()
            except OSError:
                if not settings.dev:
                    raise  # asked for a listener: not starting without it is the honest answer
                # Developer mode listens by default; another stack on this machine has the port.
                log.exception("no inbound SMTP listener (set TANDEM_INBOUND_SMTP_PORT)")
        await assist.load()
        # Which Rasa instances answer is known before the first customer (and /health) comes.
        await bot.check_all()
        app.ctx.bot_watch = asyncio.create_task(
            bot.watch(settings.rasa_health_interval), name="rasa-health"
        )
        if dev_sink is not None:
            try:
                await dev_sink.start("127.0.0.1", settings.dev_mail_port)
            except OSError as exc:  # another replica on this machine has it: that one keeps it
                log.warning("no developer mail sink on %d: %s", settings.dev_mail_port, exc)
        app.ctx.mail_out = (
            asyncio.create_task(mail_out.run(), name="mail-out") if mail_out else None
        )
        if mail_out is not None and settings.smtp is not None:
            log.info("email out through %s", settings.smtp.safe_url)
        log.info(
            "handoff replica %s ready (redis %s, rasa %s)",
            replica,
            settings.redis_url,
            ", ".join(settings.rasa_urls),
        )

    @sanic_app.after_server_stop
    async def close_resources(app: Sanic[Any, Any], _: Any = None) -> None:
        tasks: list[asyncio.Task[None]] = [app.ctx.sweeper, app.ctx.bot_watch]
        if app.ctx.mail_out is not None:
            tasks.append(app.ctx.mail_out)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if mail_listener is not None:
            await mail_listener.stop()
        await bridge.close()
        await inbox_feed.close()
        if dev_sink is not None:
            await dev_sink.stop()
        await assist.close()
        await jobs.close()
        await sio.manager.drain()  # events queued for the other replicas
        await sio.manager.close()  # out of the rooms' replica sets now, not when swept
        try:
            await presence.leave_all(connections.agent_ids())
        except Exception:  # noqa: BLE001 - shutting down; Redis may already be gone
            log.warning("could not clear presence on shutdown")
        await redis.aclose()
        await customer_data.close()
        await bot.aclose()

    async def security_headers(request: Request, response: BaseHTTPResponse) -> None:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if request.path == "/console":
            response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")

    sanic_app.register_middleware(security_headers, "response")
    parts = Parts(
        settings=settings,
        redis=redis,
        connections=connections,
        conversations=conversations,
        agents=agents,
        presence=presence,
        stats=stats,
        bot=bot,
        notify=notify,
        board=board,
        desk=desk,
        bridge=bridge,
        sweeper=sweeper,
        followups=followups,
        mail_in=mail_listener,
        mail_out=mail_out,
        assist=assist,
    )
    return HandoffApp(sio, sanic_app, parts)
