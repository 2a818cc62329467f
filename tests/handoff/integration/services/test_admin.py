"""Agent administration over HTTP against the real service: an admin creates, edits, disables,
enables, deletes agents and resets passwords; everyone else is refused; the last admin stays."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.support.clients import Agent, login
from tests.support.handoff_server import HandoffServer

pytestmark = pytest.mark.asyncio
PREFIX = "admin1:"
ENV = {"TANDEM_REDIS_PREFIX": PREFIX, "TANDEM_AGENT_CHECK_INTERVAL": "0.2"}


@pytest.fixture
def server(start_server: Callable[..., HandoffServer]) -> HandoffServer:
    return start_server(ENV)


@pytest.fixture
def admin_of(agent: Any, server: HandoffServer) -> Callable[..., Any]:
    async def make(**profile: Any) -> Agent:
        made: Agent = await agent(url=server.url, prefix=PREFIX, **profile)
        return made

    return make


def api(server: HandoffServer, token: str) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(base_url=f"{server.url}/api/admin", headers=headers)


async def can_log_in(server: HandoffServer, username: str, password: str) -> bool:
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{server.url}/api/login", json={"username": username, "password": password}
        )
    return response.status_code == 200


async def audited(http: httpx.AsyncClient) -> list[tuple[str, str, str]]:
    entries = (await http.get("/audit")).json()["entries"]
    return [(e["actor"], e["action"], e["target"]) for e in reversed(entries)]


async def test_an_admin_manages_an_agent_from_creation_to_deletion(
    server: HandoffServer, admin_of: Callable[..., Any]
) -> None:
    boss = await admin_of(name="Boss", roles=["admin"])
    async with api(server, boss.token) as http:
        created = await http.post(
            "/agents",
            json={"username": "ben", "name": "Ben", "languages": ["en", "DE"], "capacity": 2},
        )
        assert created.status_code == 201, created.text
        password = created.json()["password"]  # generated, shown once
        assert created.json()["agent"]["languages"] == ["de", "en"]
        assert "password_hash" not in created.json()["agent"]
        assert await can_log_in(server, "ben", password)

        edited = await http.patch(
            "/agents/ben", json={"capacity": 4, "skills": ["billing"], "roles": ["writer"]}
        )
        assert edited.status_code == 200, edited.text
        listed = {a["username"]: a for a in (await http.get("/agents")).json()["agents"]}
        ben = listed["ben"]
        assert (ben["capacity"], ben["skills"], ben["roles"], ben["disabled"]) == (
            4,
            ["billing"],
            ["writer"],
            False,
        )
        assert listed[boss.username]["online"] and not ben["online"]

        # A connected console is cut when its agent is disabled, and cannot log in again.
        console = Agent(server.url, await login(server.url, "ben", password))
        await console.connect()
        assert (await http.post("/agents/ben/disable")).json()["agent"]["disabled"]
        ended = await console.wait_for("session_ended")
        assert ended["reason"] == "disabled"
        assert not await can_log_in(server, "ben", password)
        assert (await http.post("/agents/ben/enable")).status_code == 200
        assert await can_log_in(server, "ben", password)

        typed = await http.post("/agents/ben/password", json={"password": "short"})
        assert typed.status_code == 400 and "at least 8" in typed.json()["error"]["message"]
        reset = (await http.post("/agents/ben/password", json={})).json()
        assert reset["password"] != password
        assert not await can_log_in(server, "ben", password)
        assert await can_log_in(server, "ben", reset["password"])
        chosen = await http.post("/agents/ben/password", json={"password": "chosen by boss"})
        assert chosen.status_code == 200 and "password" not in chosen.json()
        assert await can_log_in(server, "ben", "chosen by boss")

        assert (await http.delete("/agents/ben")).json() == {"ok": True, "requeued": 0}
        assert "ben" not in {a["username"] for a in (await http.get("/agents")).json()["agents"]}
        assert not await can_log_in(server, "ben", "chosen by boss")
        assert (await http.delete("/agents/ben")).status_code == 404

        bad = await http.post("/agents", json={"username": "Bad Name!", "password": "whatever1"})
        assert bad.status_code == 400 and "username" in bad.json()["error"]["message"]
        taken = await http.post("/agents", json={"username": boss.username})
        assert taken.status_code == 400 and "exists" in taken.json()["error"]["message"]
        plain_text = {"Content-Type": "text/plain"}
        form = await http.post("/agents", content=b"username=x", headers=plain_text)
        assert form.status_code == 415

        actions = [a for a in await audited(http) if a[2] == "ben"]
        assert [a[1] for a in actions] == [
            "agent.create",
            "agent.update",
            "agent.disable",
            "agent.enable",
            "agent.password",
            "agent.password",
            "agent.delete",
        ]
        assert {a[0] for a in actions} == {boss.username}


async def test_everyone_but_an_admin_is_refused_every_action(
    server: HandoffServer, admin_of: Callable[..., Any]
) -> None:
    writer = await admin_of(roles=["writer"], connect=False)
    plain = await admin_of(connect=False)
    calls = [
        ("GET", "/agents", None),
        ("POST", "/agents", {"username": "eve", "password": "eve-password"}),
        ("PATCH", f"/agents/{plain.username}", {"roles": ["admin"]}),
        ("POST", f"/agents/{plain.username}/disable", None),
        ("POST", f"/agents/{plain.username}/enable", None),
        ("POST", f"/agents/{plain.username}/password", {"password": "taken over!"}),
        ("DELETE", f"/agents/{plain.username}", None),
        ("POST", "/privacy/search", {"email": "ana@example.com"}),
        ("GET", "/privacy/customers/u_0123456789abcdef01234567/export", None),
        ("POST", "/privacy/customers/u_0123456789abcdef01234567/erase", {"confirm": "x"}),
        ("GET", "/audit", None),
    ]
    for token, status in ((writer.token, 403), (plain.token, 403), ("", 401), ("v1.x.y", 401)):
        async with api(server, token) as http:
            for method, path, body in calls:
                response = await http.request(method, path, json=body)
                assert response.status_code == status, (method, path, response.text)
    roles = await admin_of(roles=["admin"], connect=False)  # nothing above changed anything
    async with api(server, roles.token) as http:
        agents = {a["username"]: a for a in (await http.get("/agents")).json()["agents"]}
        assert "eve" not in agents and agents[plain.username]["roles"] == []
        assert not agents[plain.username]["disabled"]


async def test_the_last_admin_cannot_be_removed(
    server: HandoffServer, admin_of: Callable[..., Any]
) -> None:
    only = await admin_of(roles=["admin"], connect=False)
    async with api(server, only.token) as http:
        for method, path, body in (
            ("POST", f"/agents/{only.username}/disable", None),
            ("PATCH", f"/agents/{only.username}", {"roles": ["writer"]}),
            ("DELETE", f"/agents/{only.username}", None),
        ):
            refused = await http.request(method, path, json=body)
            assert refused.status_code == 409, refused.text
            assert refused.json()["error"]["code"] == "last_admin"
        assert (await http.get("/agents")).json()["agents"][0]["roles"] == ["admin"]

        deputy = {"username": "deputy", "roles": ["admin"]}
        second = (await http.post("/agents", json=deputy)).json()
        assert second["agent"]["roles"] == ["admin"]
        # With a second admin, the first may step down; then the deputy is the last one.
        assert (await http.patch(f"/agents/{only.username}", json={"roles": []})).status_code == 200
    token = await login(server.url, "deputy", second["password"])
    async with api(server, token) as http:
        refused = await http.post("/agents/deputy/disable")
        assert refused.json()["error"]["code"] == "last_admin"
        assert (await http.post(f"/agents/{only.username}/disable")).status_code == 200


async def test_deleting_an_agent_requeues_their_conversation_with_its_history(
    server: HandoffServer, admin_of: Callable[..., Any], customer: Any
) -> None:
    boss = await admin_of(roles=["admin"], connect=False)
    ben = await admin_of(name="Ben")
    cara = await admin_of(name="Cara")
    dana = await customer(url=server.url)
    conversation_id = (await dana.say("human please"))["conversation_id"]
    await ben.wait_for("queue_added", lambda p: p["item"]["conversation_id"] == conversation_id)
    assert (await ben.call("claim", {"conversation_id": conversation_id}))["ok"]
    hello = {"conversation_id": conversation_id, "text": "Ben here", "client_msg_id": "b1"}
    assert (await ben.call("send_message", hello))["ok"]
    await dana.wait_text("Ben here")

    async with api(server, boss.token) as http:
        deleted = await http.delete(f"/agents/{ben.username}")
    assert deleted.json() == {"ok": True, "requeued": 1}
    await dana.wait_for("tandem_state", lambda p: p["state"] == "queued")
    await cara.wait_for("queue_added", lambda p: p["item"]["conversation_id"] == conversation_id)
    assert (await ben.wait_for("session_ended"))["reason"] == "disabled"
    detail = await cara.call("claim", {"conversation_id": conversation_id})
    assert detail["ok"], detail
    said = [m for m in detail["messages"] if m["text"] == "Ben here"]
    assert said and said[0]["agent_name"] == "Ben"  # the deleted agent's name stays
