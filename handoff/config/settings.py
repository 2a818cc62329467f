"""Typed settings, read once from ``TANDEM_*`` environment variables.

Example::

    settings = Settings.from_env()            # reads os.environ
    settings = Settings.from_env({"TANDEM_DEV": "1"})  # or any mapping (tests)

Every variable is documented in ``docs/handoff.md``; keep the two in step.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from handoff.config.hours import BusinessHours
from handoff.config.smtp import SmtpTarget

# Used only when TANDEM_DEV=1 and no secret is given: sessions and tokens then survive restarts
# on a developer machine, and nobody mistakes it for a production setting.
DEV_SECRET = "tandem-dev-secret-do-not-use-in-production"  # noqa: S105 - dev only, by design
DEFAULT_CANNED = Path(__file__).with_name("canned_responses.yml")
# The inbound SMTP listener in developer mode when TANDEM_INBOUND_SMTP_PORT is not set, so the
# whole email loop can be tried on one machine (an explicit 0 turns it off there too).
DEV_INBOUND_SMTP_PORT = 2526


# What TANDEM_MAIL_FROM may be: an address, or "Name <address>"; no CR/LF (header injection).
_ADDRESS = re.compile(r"(?:[^\r\n<>\"]{1,64} <)?[^\s@<>\"]{1,64}@[A-Za-z0-9.-]{1,253}>?")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")


class SettingsError(ValueError):
    """A TANDEM_* variable is missing or malformed; the message names it."""


@dataclass(frozen=True)
class Settings:
    """Everything the handoff service can be configured with."""

    secret: str
    host: str = "127.0.0.1"
    port: int = 8000
    dev: bool = False
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_prefix: str = "tandem:"
    # Where Rasa's tracker and lock stores are when not on the service's Redis (bot/stores.py
    # reads the same variable): the privacy export and erase reach them there. "": the same.
    rasa_redis_url: str = ""
    # One or more Rasa replicas sharing the Redis tracker and lock stores (docs/architecture.md,
    # "The bridge to the bot"): each conversation keeps to one while it is healthy.
    rasa_urls: tuple[str, ...] = ("http://127.0.0.1:5005",)
    bot_token: str = ""
    rasa_timeout: float = 15.0
    rasa_health_interval: float = 2.0
    allowed_origins: tuple[str, ...] = ()
    max_message_chars: int = 4000
    max_payload_bytes: int = 65536
    rate_burst: int = 10
    rate_per_minute: float = 30.0
    token_ttl: int = 12 * 3600
    queue_wait_limit: float = 300.0
    queue_alert_grace: float = 60.0  # alerted agents' time to claim before the offline offer
    routing_wait: float = 60.0
    business_hours: BusinessHours = field(default_factory=BusinessHours.always_open)
    default_language: str = "en"
    presence_ttl: float = 15.0
    replica_ttl: float = 30.0  # a replica silent this long leaves the rooms' sets (fanout)
    agent_check_interval: float = 2.0
    retention_days: int = 90
    idle_close_hours: float = 24.0
    ticket_close_days: float = 30.0
    static_dir: Path = Path("widget/dist")
    canned_responses: Path = DEFAULT_CANNED
    metrics_token: str = ""
    log_level: str = "info"
    demo_agent: str = ""
    # Floods from one client address (docs/security.md): sized so that a shop's customers
    # behind one office NAT never meet them, while a script from one address is bounded.
    trusted_proxies: tuple[str, ...] = ()
    session_burst: int = 100
    sessions_per_minute: float = 30.0
    handoff_burst: int = 30
    handoffs_per_minute: float = 10.0
    sockets_per_address: int = 200
    # Agents often share one office address; their consoles are counted apart, with more room.
    agent_sockets_per_address: int = 1000
    # Customer messages from one address over all its sessions (a session has its own bucket).
    address_message_burst: int = 100
    address_messages_per_second: float = 20.0
    login_concurrency: int = 0  # scrypt hashes at once; 0 = one per CPU core
    login_queue: int = 32  # logins waiting for a hash slot before the rest get 503 at once
    agent_grace_seconds: float = 60.0
    # Appends acknowledged only once this many Redis replicas hold them (WAIT; 0 = asynchronous
    # replication, as Redis does by default): docs/reliability.md, "Redis failover (Sentinel)".
    redis_wait_replicas: int = 0
    redis_wait_timeout_ms: int = 1000

    # The writers' workbench (docs/workbench.md): bot answers below this confidence go to the
    # inbox (the bot's own fallback threshold, in config.yml, is lower); the repository whose
    # data/ and tests/ it edits (the one the stack runs from).
    inbox_low_confidence: float = 0.5
    inbox_max_items: int = 5000  # beyond it, resolved items go first, then the least frequent
    inbox_days: int = 90  # an item (and a message's sightings) not seen for this long is dropped
    # Email in (docs/email.md): the largest message the inbound listener takes.
    inbound_max_bytes: int = 256 * 1024
    # "Was your problem solved?", this long after a close that asked for a follow-up.
    followup_hours: float = 24.0
    workbench_repo: Path = Path(__file__).resolve().parents[2]
    run_dir: Path = Path(__file__).resolve().parents[2] / "run"  # the stack's (rasa-api.json)

    # Email out (docs/email.md). No TANDEM_SMTP_URL: no mail is sent (in dev mode the service
    # runs its own sink instead, TANDEM_DEV_MAIL_PORT), and no text promises an email.
    smtp: SmtpTarget | None = None
    mail_from: str = "support@localhost"
    mail_reply_domain: str = ""  # "": the domain of TANDEM_MAIL_FROM
    mail_away_seconds: float = 120.0
    mail_batch_seconds: float = 10.0
    mail_retry_seconds: float = 30.0  # the first retry's delay; each next one doubles (to 1 h)
    mail_max_tries: int = 8
    mail_reply_days: int = 30  # how long a Reply-To address stays valid
    public_url: str = ""  # where customers reach the chat (the link back); "": no link
    dev_mail_port: int = 0  # dev mode: the built-in sink's port (0: no sink)
    # Where customers' email replies come in (the inbound listener, docs/email.md); the dev
    # Mail page's "Reply as the customer" sends there. Port 0: no listener (dev mode: 2526).
    inbound_smtp_host: str = "127.0.0.1"
    inbound_smtp_port: int = 0

    @property
    def mail_enabled(self) -> bool:
        """Whether email goes out: an SMTP server is set (or, in dev mode, the built-in sink)."""
        return self.smtp is not None

    @property
    def reply_domain(self) -> str:
        """The domain of ``Reply-To`` addresses and ``Message-ID``s."""
        return self.mail_reply_domain or self.mail_from.rsplit("@", 1)[-1].strip(" >")

    # Agent assist (docs/agent-assist.md): the bot's FAQ answer is suggested at or above this
    # confidence; the FAQ texts come from the writers' response files; at most this many past
    # (customer message -> agent reply) pairs are kept and indexed.
    assist_faq_confidence: float = 0.5
    assist_responses: Path = Path(__file__).resolve().parents[2] / "data" / "responses"
    assist_max_pairs: int = 50_000

    @property
    def rasa_url(self) -> str:
        """The first Rasa instance (logs and tools that talk to one)."""
        return self.rasa_urls[0]

    @property
    def cors_origins(self) -> str | list[str] | None:
        """The value python-socketio's ``cors_allowed_origins`` expects.

        ``None`` means same-origin only (the default), ``"*"`` any origin.
        """
        if not self.allowed_origins:
            return "*" if self.dev else None
        if "*" in self.allowed_origins:
            return "*"
        return list(self.allowed_origins)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``env`` (default ``os.environ``); raises :class:`SettingsError`."""
        source = os.environ if env is None else env
        reader = _Reader(source)
        dev = reader.flag("TANDEM_DEV", False)
        secret = reader.text("TANDEM_SECRET", "")
        if not secret:
            if not dev:
                raise SettingsError(
                    "TANDEM_SECRET is not set: set it to a long random string "
                    "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`), "
                    "or set TANDEM_DEV=1 on a developer machine"
                )
            secret = DEV_SECRET
        elif len(secret) < 16:
            raise SettingsError("TANDEM_SECRET must be at least 16 characters")
        host = reader.text("TANDEM_HOST", cls.host)
        if dev and not is_loopback(host):
            raise SettingsError(
                f"TANDEM_DEV=1 with TANDEM_HOST={host}: developer mode signs with a public secret "
                "and lets any origin in, so it only listens on loopback (127.0.0.1, ::1, "
                "localhost); unset TANDEM_DEV to serve other machines"
            )
        origins = tuple(
            o.strip().rstrip("/")
            for o in reader.text("TANDEM_ALLOWED_ORIGINS", "").split(",")
            if o.strip()
        )
        try:
            hours = BusinessHours.parse(
                reader.text("TANDEM_BUSINESS_HOURS", ""), reader.text("TANDEM_TIMEZONE", "UTC")
            )
        except ValueError as exc:
            raise SettingsError(f"TANDEM_BUSINESS_HOURS / TANDEM_TIMEZONE: {exc}") from exc
        smtp_url = reader.text("TANDEM_SMTP_URL", "")
        dev_mail_port = reader.integer("TANDEM_DEV_MAIL_PORT", 0, low=0, high=65535)
        if dev_mail_port and not dev:
            raise SettingsError("TANDEM_DEV_MAIL_PORT is for developer mode only (TANDEM_DEV=1)")
        if dev_mail_port and not smtp_url:
            smtp_url = f"smtp://127.0.0.1:{dev_mail_port}"  # the built-in sink
        try:
            smtp = SmtpTarget.parse(smtp_url) if smtp_url else None
        except ValueError as exc:
            raise SettingsError(f"TANDEM_SMTP_URL: {exc}") from None
        mail_from = reader.text("TANDEM_MAIL_FROM", cls.mail_from)
        if not _ADDRESS.fullmatch(mail_from):
            raise SettingsError(
                "TANDEM_MAIL_FROM must be an address (support@shop.example) or a name and an "
                f"address (Shop Support <support@shop.example>), not {mail_from!r}"
            )
        reply_domain = reader.text("TANDEM_MAIL_REPLY_DOMAIN", "").lower()
        if reply_domain and not _DOMAIN.fullmatch(reply_domain):
            raise SettingsError(f"TANDEM_MAIL_REPLY_DOMAIN is not a domain: {reply_domain!r}")
        public_url = reader.text("TANDEM_PUBLIC_URL", "").rstrip("/")
        if public_url and not public_url.startswith(("http://", "https://")):
            raise SettingsError(f"TANDEM_PUBLIC_URL: {public_url!r} is not an http(s) URL")
        rasa_redis_url = reader.text("TANDEM_RASA_REDIS_URL", "")
        if rasa_redis_url and not rasa_redis_url.startswith(("redis://", "rediss://")):
            # Rasa's stores (bot/stores.py) read the same variable and take only these.
            raise SettingsError(
                "TANDEM_RASA_REDIS_URL must start with redis:// or rediss:// (Rasa reads it too)"
            )
        return cls(
            smtp=smtp,
            mail_from=mail_from,
            mail_reply_domain=reply_domain,
            mail_away_seconds=reader.number(
                "TANDEM_MAIL_AWAY_SECONDS", cls.mail_away_seconds, low=1
            ),
            mail_batch_seconds=reader.number(
                "TANDEM_MAIL_BATCH_SECONDS", cls.mail_batch_seconds, low=0, high=10
            ),
            mail_retry_seconds=reader.number(
                "TANDEM_MAIL_RETRY_SECONDS", cls.mail_retry_seconds, low=0.1
            ),
            mail_max_tries=reader.integer("TANDEM_MAIL_MAX_TRIES", cls.mail_max_tries, low=1),
            mail_reply_days=reader.integer("TANDEM_MAIL_REPLY_DAYS", cls.mail_reply_days, low=1),
            public_url=public_url,
            dev_mail_port=dev_mail_port,
            secret=secret,
            host=host,
            port=reader.integer("TANDEM_PORT", cls.port, low=0, high=65535),
            dev=dev,
            redis_url=reader.text("TANDEM_REDIS_URL", cls.redis_url),
            redis_prefix=reader.text("TANDEM_REDIS_PREFIX", cls.redis_prefix),
            rasa_redis_url=rasa_redis_url,
            rasa_urls=reader.urls("TANDEM_RASA_URL", cls.rasa_urls),
            bot_token=reader.text("TANDEM_BOT_TOKEN", ""),
            rasa_timeout=reader.number("TANDEM_RASA_TIMEOUT", cls.rasa_timeout, low=0.1),
            rasa_health_interval=reader.number(
                "TANDEM_RASA_HEALTH_INTERVAL", cls.rasa_health_interval, low=0.1
            ),
            allowed_origins=origins,
            max_message_chars=reader.integer(
                "TANDEM_MAX_MESSAGE_CHARS", cls.max_message_chars, low=1
            ),
            max_payload_bytes=reader.integer(
                "TANDEM_MAX_PAYLOAD_BYTES", cls.max_payload_bytes, low=1024
            ),
            rate_burst=reader.integer("TANDEM_RATE_BURST", cls.rate_burst, low=1),
            rate_per_minute=reader.number("TANDEM_RATE_PER_MINUTE", cls.rate_per_minute, low=0.1),
            token_ttl=reader.integer("TANDEM_TOKEN_TTL", cls.token_ttl, low=60),
            queue_wait_limit=reader.number("TANDEM_QUEUE_WAIT_LIMIT", cls.queue_wait_limit, low=1),
            queue_alert_grace=reader.number(
                "TANDEM_QUEUE_ALERT_GRACE", cls.queue_alert_grace, low=0
            ),
            routing_wait=reader.number("TANDEM_ROUTING_WAIT", cls.routing_wait, low=0),
            business_hours=hours,
            default_language=reader.text("TANDEM_DEFAULT_LANGUAGE", cls.default_language),
            presence_ttl=reader.number("TANDEM_PRESENCE_TTL", cls.presence_ttl, low=1),
            replica_ttl=reader.number("TANDEM_REPLICA_TTL", cls.replica_ttl, low=1),
            agent_check_interval=reader.number(
                "TANDEM_AGENT_CHECK_INTERVAL", cls.agent_check_interval, low=0.1
            ),
            retention_days=reader.integer("TANDEM_RETENTION_DAYS", cls.retention_days, low=1),
            idle_close_hours=reader.number(
                "TANDEM_IDLE_CLOSE_HOURS", cls.idle_close_hours, low=0.001
            ),
            ticket_close_days=reader.number(
                "TANDEM_TICKET_CLOSE_DAYS", cls.ticket_close_days, low=0.001
            ),
            static_dir=Path(reader.text("TANDEM_STATIC_DIR", str(cls.static_dir))),
            canned_responses=Path(reader.text("TANDEM_CANNED_RESPONSES", str(DEFAULT_CANNED))),
            metrics_token=reader.text("TANDEM_METRICS_TOKEN", ""),
            log_level=reader.choice(
                "TANDEM_LOG_LEVEL", "info", ("debug", "info", "warning", "error")
            ),
            demo_agent=reader.text("TANDEM_DEMO_AGENT", ""),
            trusted_proxies=reader.networks("TANDEM_TRUSTED_PROXIES"),
            session_burst=reader.integer("TANDEM_SESSION_BURST", cls.session_burst, low=1),
            sessions_per_minute=reader.number(
                "TANDEM_SESSIONS_PER_MINUTE", cls.sessions_per_minute, low=0.1
            ),
            handoff_burst=reader.integer("TANDEM_HANDOFF_BURST", cls.handoff_burst, low=1),
            handoffs_per_minute=reader.number(
                "TANDEM_HANDOFFS_PER_MINUTE", cls.handoffs_per_minute, low=0.1
            ),
            sockets_per_address=reader.integer(
                "TANDEM_SOCKETS_PER_ADDRESS", cls.sockets_per_address, low=1
            ),
            agent_sockets_per_address=reader.integer(
                "TANDEM_AGENT_SOCKETS_PER_ADDRESS", cls.agent_sockets_per_address, low=1
            ),
            address_message_burst=reader.integer(
                "TANDEM_ADDRESS_MESSAGE_BURST", cls.address_message_burst, low=1
            ),
            address_messages_per_second=reader.number(
                "TANDEM_ADDRESS_MESSAGES_PER_SECOND", cls.address_messages_per_second, low=0.01
            ),
            login_concurrency=reader.integer(
                "TANDEM_LOGIN_CONCURRENCY", cls.login_concurrency, low=0
            ),
            login_queue=reader.integer("TANDEM_LOGIN_QUEUE", cls.login_queue, low=0),
            agent_grace_seconds=reader.number(
                "TANDEM_AGENT_GRACE_SECONDS", cls.agent_grace_seconds, low=0
            ),
            redis_wait_replicas=reader.integer(
                "TANDEM_REDIS_WAIT_REPLICAS", cls.redis_wait_replicas, low=0
            ),
            # 0 would make WAIT block for ever.
            redis_wait_timeout_ms=reader.integer(
                "TANDEM_REDIS_WAIT_TIMEOUT_MS", cls.redis_wait_timeout_ms, low=1
            ),
            inbox_low_confidence=reader.number(
                "TANDEM_INBOX_LOW_CONFIDENCE", cls.inbox_low_confidence, low=0
            ),
            inbox_max_items=reader.integer("TANDEM_INBOX_MAX_ITEMS", cls.inbox_max_items, low=1),
            inbox_days=reader.integer("TANDEM_INBOX_DAYS", cls.inbox_days, low=1),
            workbench_repo=Path(reader.text("TANDEM_WORKBENCH_REPO", str(cls.workbench_repo))),
            run_dir=Path(reader.text("TANDEM_RUN_DIR", str(cls.run_dir))),
            inbound_smtp_host=reader.text("TANDEM_INBOUND_SMTP_HOST", cls.inbound_smtp_host),
            inbound_smtp_port=reader.integer(
                "TANDEM_INBOUND_SMTP_PORT",
                DEV_INBOUND_SMTP_PORT if dev else cls.inbound_smtp_port,
                low=0,
                high=65535,
            ),
            inbound_max_bytes=reader.integer(
                "TANDEM_INBOUND_MAX_BYTES", cls.inbound_max_bytes, low=1024
            ),
            followup_hours=reader.number("TANDEM_FOLLOWUP_HOURS", cls.followup_hours, low=0),
            assist_faq_confidence=reader.number(
                "TANDEM_ASSIST_FAQ_CONFIDENCE", cls.assist_faq_confidence, low=0
            ),
            assist_responses=Path(
                reader.text("TANDEM_ASSIST_RESPONSES", str(cls.assist_responses))
            ),
            assist_max_pairs=reader.integer("TANDEM_ASSIST_MAX_PAIRS", cls.assist_max_pairs, low=1),
        )


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or ``localhost``) is reachable from this machine only."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name that could resolve to anything


def dev_mode_warnings(settings: Settings) -> list[str]:
    """What developer mode gives up, for the warning logged at every start."""
    warnings = ["DEVELOPER MODE (TANDEM_DEV=1): never run this for real customers"]
    if settings.secret == DEV_SECRET:
        warnings.append(
            "sessions and agent tokens are signed with a public secret: set TANDEM_SECRET"
        )
    if settings.cors_origins == "*":
        warnings.append("any origin may open sockets: set TANDEM_ALLOWED_ORIGINS")
    if settings.demo_agent:
        warnings.append("the demo agent from TANDEM_DEMO_AGENT is created with a known password")
    return warnings


class _Reader:
    """Typed access to an environment mapping; errors name the variable."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env

    def text(self, name: str, default: str) -> str:
        value = self._env.get(name)
        return default if value is None or value.strip() == "" else value.strip()

    def flag(self, name: str, default: bool) -> bool:
        value = self.text(name, "").lower()
        if not value:
            return default
        if value in ("1", "true", "yes", "on"):
            return True
        if value in ("0", "false", "no", "off"):
            return False
        raise SettingsError(f"{name} must be 1/0, true/false, yes/no or on/off, not {value!r}")

    def integer(
        self, name: str, default: int, low: int | None = None, high: int | None = None
    ) -> int:
        raw = self.text(name, "")
        if not raw:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise SettingsError(f"{name} must be an integer, not {raw!r}") from None
        self._bounds(name, value, low, high)
        return value

    def number(
        self, name: str, default: float, low: float | None = None, high: float | None = None
    ) -> float:
        raw = self.text(name, "")
        if not raw:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a number, not {raw!r}") from None
        self._bounds(name, value, low, high)
        return value

    def networks(self, name: str) -> tuple[str, ...]:
        """Comma-separated CIDRs (a bare address is a /32 or /128), normalised."""
        found = []
        for raw in self.text(name, "").split(","):
            if not raw.strip():
                continue
            try:
                found.append(str(ipaddress.ip_network(raw.strip(), strict=False)))
            except ValueError:
                raise SettingsError(f"{name}: {raw.strip()!r} is not an address or CIDR") from None
        return tuple(found)

    def urls(self, name: str, default: tuple[str, ...]) -> tuple[str, ...]:
        """Comma-separated http(s) URLs, without a trailing slash, each once."""
        found: list[str] = []
        for raw in self.text(name, "").split(","):
            url = raw.strip().rstrip("/")
            if not url:
                continue
            if not url.startswith(("http://", "https://")):
                raise SettingsError(f"{name}: {url!r} is not an http:// or https:// URL")
            if url in found:
                raise SettingsError(f"{name}: {url!r} is listed twice")
            found.append(url)
        return tuple(found) or default

    def choice(self, name: str, default: str, allowed: tuple[str, ...]) -> str:
        value = self.text(name, default).lower()
        if value not in allowed:
            raise SettingsError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
        return value

    @staticmethod
    def _bounds(name: str, value: float, low: float | None, high: float | None) -> None:
        if low is not None and value < low:
            raise SettingsError(f"{name} must be >= {low}, not {value}")
        if high is not None and value > high:
            raise SettingsError(f"{name} must be <= {high}, not {value}")
