"""The agents CLI (python -m handoff agents …) against a real Redis."""

from __future__ import annotations

import json
from typing import Any

import pytest
import redis

from handoff.cli import main
from handoff.security.passwords import verify_password
from tests.support.redis_server import RedisServer

PASSWORD = "a long enough password"


@pytest.fixture
def env(clean_redis: RedisServer, monkeypatch: pytest.MonkeyPatch) -> RedisServer:
    monkeypatch.setenv("TANDEM_SECRET", "x" * 32)
    monkeypatch.setenv("TANDEM_REDIS_URL", clean_redis.url)
    monkeypatch.setenv("TANDEM_REDIS_PREFIX", "cli:")
    monkeypatch.setenv("AGENT_PW", PASSWORD)
    return clean_redis


def agents_list(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    capsys.readouterr()
    assert main(["agents", "list", "--json"]) == 0
    rows: list[dict[str, Any]] = json.loads(capsys.readouterr().out)
    return rows


def test_add_update_disable_enable_and_passwd(
    env: RedisServer, capsys: pytest.CaptureFixture[str]
) -> None:
    add = ["agents", "add", "ana", "--name", "Ana Lima", "--languages", "en,PT"]
    assert main([*add, "--skills", "billing", "--password-env", "AGENT_PW"]) == 0
    assert "created agent ana" in capsys.readouterr().out
    assert main([*add, "--password-env", "AGENT_PW", "--if-missing"]) == 0
    assert "exists" in capsys.readouterr().out
    (ana,) = agents_list(capsys)
    assert ana["languages"] == ["en", "pt"] and ana["skills"] == ["billing"] and not ana["disabled"]

    update = ["agents", "update", "ana", "--capacity", "5", "--skills", "orders", "--name", "A"]
    assert main([*update, "--languages", "de"]) == 0
    (ana,) = agents_list(capsys)
    assert (ana["capacity"], ana["skills"], ana["name"], ana["languages"]) == (
        5,
        ["orders"],
        "A",
        ["de"],
    )
    assert main(["agents", "disable", "ana"]) == 0 and agents_list(capsys)[0]["disabled"]
    assert main(["agents", "enable", "ana"]) == 0 and not agents_list(capsys)[0]["disabled"]
    assert main(["agents", "passwd", "ana", "--password-env", "AGENT_PW"]) == 0
    assert main(["agents", "list"]) == 0 and "ana" in capsys.readouterr().out


def test_mistakes_are_explained(env: RedisServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["agents", "disable", "nobody"]) == 1
    assert "no agent named 'nobody'" in capsys.readouterr().err
    assert main(["agents", "add", "Bad Name", "--password-env", "AGENT_PW"]) == 1
    assert "username must be" in capsys.readouterr().err
    assert main(["agents", "add", "ben", "--password-env", "NOT_SET"]) == 1
    assert "at least 8 characters" in capsys.readouterr().err
    assert main(["agents", "add", "ben", "--password-env", "AGENT_PW", "--languages", "x1"]) == 1
    assert main(["agents", "add", "ben", "--password-env", "AGENT_PW"]) == 0
    assert main(["agents", "update", "ben", "--capacity", "99"]) == 1
    assert "capacity must be 1 to 50" in capsys.readouterr().err


def test_settings_and_redis_problems_are_reported(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TANDEM_SECRET", raising=False)
    monkeypatch.delenv("TANDEM_DEV", raising=False)
    assert main(["agents", "list"]) == 2 and "TANDEM_SECRET" in capsys.readouterr().err
    monkeypatch.setenv("TANDEM_SECRET", "x" * 32)
    monkeypatch.setenv("TANDEM_REDIS_URL", "redis://127.0.0.1:1/0")
    assert main(["agents", "list"]) == 1 and "cannot reach Redis" in capsys.readouterr().err


def test_the_password_is_hashed(env: RedisServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["agents", "add", "cleo", "--password-env", "AGENT_PW"]) == 0
    client = redis.Redis.from_url(env.url, decode_responses=True)
    agent_id = client.hget("cli:agents", "cleo")
    stored = client.hget(f"cli:agent:{agent_id}", "password_hash")
    client.close()
    assert stored and stored != PASSWORD and verify_password(PASSWORD, stored)


def test_reindex_puts_open_conversations_from_before_the_index_into_it(
    env: RedisServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Conversations stored before the idle index existed are found once, so they expire too."""
    with env.client() as client:
        client.hset("cli:conv:c_old", mapping={"id": "c_old", "state": "bot", "updated_at": "5"})
        client.hset("cli:conv:c_old:dedup", mapping={"m1": "1"})
        client.hset("cli:conv:c_done", mapping={"id": "c_done", "state": "closed"})
        client.hset(
            "cli:conv:c_wait", mapping={"id": "c_wait", "state": "queued", "created_at": "7"}
        )
        assert main(["reindex"]) == 0
        assert "indexed 2 open conversations" in capsys.readouterr().out
        assert client.zrange("cli:active", 0, -1, withscores=True) == [
            ("c_old", 5.0),
            ("c_wait", 7.0),
        ]
        assert main(["reindex"]) == 0 and "indexed 0" in capsys.readouterr().out


def test_roles_are_set_on_add_and_update(
    env: RedisServer, capsys: pytest.CaptureFixture[str]
) -> None:
    add = ["agents", "add", "wren", "--roles", "writer,admin", "--password-env", "AGENT_PW"]
    assert main(add) == 0
    assert agents_list(capsys)[0]["roles"] == ["admin", "writer"]
    assert main(["agents", "update", "wren", "--roles", "writer"]) == 0
    assert agents_list(capsys)[0]["roles"] == ["writer"]
    assert main(["agents", "update", "wren", "--roles", ""]) == 0
    assert agents_list(capsys)[0]["roles"] == []
    capsys.readouterr()
    assert main(["agents", "update", "wren", "--roles", "root"]) == 1
    assert "roles are admin, writer" in capsys.readouterr().err
