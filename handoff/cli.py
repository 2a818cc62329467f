"""Command line: ``python -m handoff serve``, ``… agents …`` and ``… privacy export|erase``.

The first agent ``agents add`` creates (while there is none) is an admin, who then manages the
others in the console.

Example::

    python -m handoff serve
    python -m handoff agents add ana --name "Ana Lima" --languages en,pt --skills billing
    python -m handoff agents update ana --roles writer
    python -m handoff agents list
    python -m handoff agents disable ana
    python -m handoff privacy export --email ana@example.com --out ana.json
    python -m handoff privacy erase --customer u_0123456789abcdef01234567 --yes
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import redis.asyncio as aioredis

from handoff.config.settings import Settings, SettingsError
from handoff.config.texts import SystemTexts
from handoff.domain.agents import ROLES, AgentError, clean_languages, clean_roles, clean_skills
from handoff.fanout.notify import Notifier
from handoff.fanout.pubsub import RedisManager
from handoff.protocol.errors import ProtocolError
from handoff.security.passwords import MIN_LENGTH, hash_password
from handoff.services.privacy import Privacy
from handoff.store import pool
from handoff.store.agents import AgentStore
from handoff.store.assist import AssistStore
from handoff.store.audit import AuditLog
from handoff.store.conversations import ConversationStore
from handoff.store.customer_data import CustomerData, bot_redis_client
from handoff.store.keys import Keys


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m handoff", description="Tandem's handoff service."
    )
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="serve customers and agents (settings from TANDEM_* variables)")
    sub.add_parser(
        "reindex",
        help="once, after upgrading: index open conversations stored before the idle index "
        "existed, so that idle ones are closed and expire",
    )
    agents = sub.add_parser("agents", help="manage agent accounts").add_subparsers(
        dest="action", required=True
    )

    add = agents.add_parser("add", help="create an agent")
    add.add_argument("username")
    add.add_argument("--name", default="", help="shown to customers (default: the username)")
    add.add_argument(
        "--languages", default="en", help="comma-separated ISO 639-1 codes (default: en)"
    )
    add.add_argument("--skills", default="", help="comma-separated skills, e.g. billing,orders")
    add.add_argument("--capacity", type=int, default=3, help="conversations at once (default: 3)")
    add.add_argument("--roles", default="", help=f"comma-separated, of {', '.join(ROLES)}")
    _password_options(add)
    add.add_argument(
        "--if-missing", action="store_true", help="succeed quietly if the agent exists"
    )

    listing = agents.add_parser("list", help="list agents")
    listing.add_argument("--json", action="store_true", help="machine-readable output")

    for name, text in (
        ("disable", "disable an agent and cut their live console"),
        ("enable", "enable again"),
    ):
        agents.add_parser(name, help=text).add_argument("username")

    update = agents.add_parser("update", help="change an agent's profile")
    update.add_argument("username")
    update.add_argument("--name")
    update.add_argument("--languages")
    update.add_argument("--skills")
    update.add_argument("--capacity", type=int)
    update.add_argument("--roles", help=f"comma-separated, of {', '.join(ROLES)} ('' for none)")

    passwd = agents.add_parser("passwd", help="set a new password (logs the agent out everywhere)")
    passwd.add_argument("username")
    _password_options(passwd)

    privacy = sub.add_parser(
        "privacy", help="export or erase everything Tandem holds about one customer"
    ).add_subparsers(dest="action", required=True)
    for name, text in (
        ("export", "write the customer's data as JSON"),
        ("erase", "close their live conversations and delete all their data, the bot's too"),
    ):
        action = privacy.add_parser(name, help=text)
        which = action.add_mutually_exclusive_group(required=True)
        which.add_argument("--customer", default="", help="the customer id (u_…)")
        which.add_argument("--conversation", default="", help="one of their conversations (c_…)")
        which.add_argument("--email", default="", help="the contact email they left")
        action.add_argument(
            "--by",
            default=os.environ.get("USER") or "operator",
            help="who asks, for the audit trail (default: you)",
        )
        if name == "export":
            action.add_argument("--out", default="-", help="file to write (default: stdout)")
        else:
            action.add_argument("--yes", action="store_true", help="do not ask to confirm")
    return parser


def _password_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    group.add_argument(
        "--password-env", metavar="VAR", help="read the password from environment variable VAR"
    )


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif args.password_env:
        password = os.environ.get(args.password_env, "")
    else:
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            raise AgentError("the passwords differ")
    if len(password) < MIN_LENGTH:
        raise AgentError(f"the password must have at least {MIN_LENGTH} characters")
    return password


def _split(value: str) -> list[str]:
    return [v for v in value.split(",") if v.strip()]


async def _agents(args: argparse.Namespace, settings: Settings) -> int:
    redis = pool.connect(settings.redis_url, decode_responses=True)  # Sentinel URLs too
    store = AgentStore(redis, Keys(settings.redis_prefix))
    try:
        if args.action == "add":
            if args.if_missing and await store.by_username(args.username):
                print(f"agent {args.username} exists")
                return 0
            languages, skills = (
                clean_languages(_split(args.languages)),
                clean_skills(_split(args.skills)),
            )
            record = await store.create(
                args.username,
                name=args.name or args.username,
                password_hash=hash_password(_password(args)),
                languages=languages,
                skills=skills,
                capacity=args.capacity,
                roles=clean_roles(_split(args.roles)),
                admin_if_first=True,  # someone must be able to manage agents in the console
            )
            admin = " (admin)" if "admin" in record.roles else ""
            print(f"created agent {record.username} ({record.id}){admin}")
            return 0
        if args.action == "list":
            records = await store.all()
            if args.json:
                rows = [
                    {
                        "id": r.id,
                        "username": r.username,
                        "name": r.name,
                        "languages": list(r.languages),
                        "skills": list(r.skills),
                        "capacity": r.capacity,
                        "roles": list(r.roles),
                        "disabled": r.disabled,
                    }
                    for r in records
                ]
                print(json.dumps(rows, indent=2))
            else:
                for r in records:
                    flag = " (disabled)" if r.disabled else ""
                    print(
                        f"{r.username:<16} {r.name:<24} {','.join(r.languages):<12} "
                        f"{','.join(r.skills) or '-':<24} capacity {r.capacity} "
                        f"roles {','.join(r.roles) or '-'}{flag}"
                    )
            return 0
        found = await store.by_username(args.username)
        if found is None:
            raise AgentError(f"no agent named {args.username!r}")
        record = found
        if args.action == "disable":
            await store.disable(record.id)
            print(f"disabled {record.username}; live consoles are cut within seconds")
        elif args.action == "enable":
            await store.update(record.id, {"disabled": "0"})
            print(f"enabled {record.username}")
        elif args.action == "passwd":
            await store.update(
                record.id, {"password_hash": hash_password(_password(args))}, revoke=True
            )
            print(f"new password set for {record.username}")
        elif args.action == "update":
            fields: dict[str, str] = {}
            if args.name is not None:
                fields["name"] = args.name.strip()[:80] or record.username
            if args.languages is not None:
                fields["languages"] = json.dumps(clean_languages(_split(args.languages)) or ["en"])
            if args.skills is not None:
                fields["skills"] = json.dumps(clean_skills(_split(args.skills)))
            if args.capacity is not None:
                if not 1 <= args.capacity <= 50:
                    raise AgentError("capacity must be 1 to 50")
                fields["capacity"] = str(args.capacity)
            if args.roles is not None:
                fields["roles"] = json.dumps(clean_roles(_split(args.roles)))
            await store.update(record.id, fields)
            print(f"updated {record.username}")
        return 0
    finally:
        await redis.aclose()


async def _reindex(settings: Settings) -> int:
    redis = pool.connect(settings.redis_url, decode_responses=True)  # Sentinel URLs too
    store = ConversationStore(
        redis, Keys(settings.redis_prefix), retention_seconds=settings.retention_days * 86400
    )
    try:
        added = await store.index_open()
    finally:
        await redis.aclose()
    print(f"indexed {added} open conversations")
    return 0


async def _privacy(args: argparse.Namespace, settings: Settings) -> int:
    keys = Keys(settings.redis_prefix)
    redis = pool.connect(settings.redis_url, decode_responses=True)  # Sentinel URLs too
    # Publishes only (no listener): a live conversation's agent is told through the replicas.
    manager = RedisManager(
        settings.redis_url, channel=keys.socketio_channel, keys=keys, write_only=True
    )
    data = CustomerData(
        redis, keys, bot_redis=bot_redis_client(settings.rasa_redis_url, settings.redis_url)
    )
    audit = AuditLog(redis, keys)
    store = ConversationStore(redis, keys, retention_seconds=settings.retention_days * 86400)
    privacy = Privacy(
        data=data,
        conversations=store,
        notify=Notifier(manager),
        texts=SystemTexts.load(),
        audit=audit,
        clock=time.time,
        assist=AssistStore(
            redis, keys, cap=settings.assist_max_pairs, ttl=settings.retention_days * 86400
        ),
    )
    actor = f"cli:{args.by}"
    try:
        found = await privacy.find(
            actor, customer_id=args.customer, conversation_id=args.conversation, email=args.email
        )
        if not found:
            print("no such customer", file=sys.stderr)
            return 1
        if args.action == "export":
            exports = [await privacy.export(actor, customer) for customer in found]
            text = json.dumps(exports[0] if len(exports) == 1 else exports, indent=2)
            if args.out == "-":
                print(text)
            else:
                await asyncio.to_thread(Path(args.out).write_text, text + "\n", "utf-8")
                print(f"exported {len(found)} customer(s) to {args.out}", file=sys.stderr)
            return 0
        if not args.yes:
            question = f"erase {', '.join(found)} for good? type the customer id: "
            typed = await asyncio.to_thread(input, question)
            if typed.strip() not in found or len(found) != 1:
                print("not confirmed; nothing erased", file=sys.stderr)
                return 1
        for customer in found:
            erased = await privacy.erase(actor, customer)
            print(
                f"erased {customer}: {erased['conversations']} conversations "
                f"({erased['closed_live']} live ones closed), {erased['keys']} keys"
            )
        return 0
    except ProtocolError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    finally:
        await manager.drain()
        await redis.aclose()
        await data.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.command in (None, "serve"):
        from handoff.server import serve  # uvicorn is only needed to serve

        serve(settings)
        return 0
    try:
        if args.command == "reindex":
            return asyncio.run(_reindex(settings))
        if args.command == "privacy":
            return asyncio.run(_privacy(args, settings))
        return asyncio.run(_agents(args, settings))
    except AgentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except (OSError, aioredis.ConnectionError) as exc:
        print(f"error: cannot reach Redis at {settings.redis_url}: {exc}", file=sys.stderr)
        return 1
