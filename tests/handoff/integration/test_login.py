"""Login under attack: JSON only, failures limited per address and per username in Redis
(across replicas), successes free, and a bound on the scrypt hashing running at once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest

from tests.support.accounts import create_agent
from tests.support.handoff_server import HandoffServer
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.asyncio
BEHIND_PROXY = {"TANDEM_TRUSTED_PROXIES": "127.0.0.1/32"}


async def attempt(
    http: httpx.AsyncClient, url: str, username: str, password: str, address: str = ""
) -> httpx.Response:
    headers = {"X-Forwarded-For": address} if address else {}
    return await http.post(
        f"{url}/api/login", json={"username": username, "password": password}, headers=headers
    )


async def test_only_json_is_accepted(service: HandoffServer, clean_redis: RedisServer) -> None:
    username, password = await create_agent(clean_redis.url)
    body = f'{{"username": "{username}", "password": "{password}"}}'
    async with httpx.AsyncClient() as http:
        # What a cross-site page can send without asking first: both refused before parsing.
        for content_type in ("text/plain", "application/x-www-form-urlencoded", ""):
            response = await http.post(
                f"{service.url}/api/login", content=body, headers={"Content-Type": content_type}
            )
            assert response.status_code == 415, content_type
        ok = await http.post(
            f"{service.url}/api/login",
            content=body,
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        assert ok.status_code == 200


async def test_successful_logins_are_never_limited(
    service: HandoffServer, clean_redis: RedisServer
) -> None:
    username, password = await create_agent(clean_redis.url)
    async with httpx.AsyncClient() as http:
        codes = [
            (await attempt(http, service.url, username, password)).status_code for _ in range(15)
        ]
    assert codes == [200] * 15


async def test_one_address_guessing_across_usernames_and_replicas_is_stopped(
    service: HandoffServer, replica2: HandoffServer, clean_redis: RedisServer
) -> None:
    async with httpx.AsyncClient() as http:
        codes = [
            (await attempt(http, (service, replica2)[i % 2].url, f"user{i}", "guess")).status_code
            for i in range(12)
        ]
        assert codes == [401] * 10 + [429] * 2
        refused = await attempt(http, replica2.url, "user99", "guess")
    assert refused.json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["error"]["details"]["retry_after_s"] > 0


async def test_one_address_cannot_lock_an_agent_out_of_the_others(
    start_server: Callable[..., HandoffServer], clean_redis: RedisServer
) -> None:
    server = start_server({"TANDEM_REDIS_PREFIX": "login1:", **BEHIND_PROXY})
    username, password = await create_agent(clean_redis.url, prefix="login1:")
    async with httpx.AsyncClient() as http:
        attacker = [
            (await attempt(http, server.url, username, "guess", "203.0.113.9")).status_code
            for _ in range(15)
        ]
        assert attacker == [401] * 10 + [429] * 5
        # Locked out: even the right password from the attacker's address waits.
        assert (
            await attempt(http, server.url, username, password, "203.0.113.9")
        ).status_code == 429
        office = await attempt(http, server.url, username, password, "198.51.100.2")
    assert office.status_code == 200


async def test_hashing_is_bounded_and_the_rest_are_refused_at_once(
    start_server: Callable[..., HandoffServer], clean_redis: RedisServer
) -> None:
    server = start_server(
        {
            "TANDEM_REDIS_PREFIX": "login2:",
            "TANDEM_LOGIN_CONCURRENCY": "1",
            "TANDEM_LOGIN_QUEUE": "0",
            **BEHIND_PROXY,
        }
    )
    async with httpx.AsyncClient() as http:
        # Unknown usernames are checked against a full-cost scrypt hash (16 MiB, tens of ms).
        answers = await asyncio.gather(
            *(attempt(http, server.url, f"nobody{i}", "guess", f"203.0.113.{i}") for i in range(20))
        )
    codes = sorted(a.status_code for a in answers)
    assert set(codes) == {401, 503} and codes.count(503) >= 1
    busy = next(a for a in answers if a.status_code == 503)
    assert busy.headers["Retry-After"] == "1"
    assert busy.json()["error"]["code"] == "rate_limited"
