"""HTTP: health, metrics, static hook; and the rasa-webchat wire shapes on ``/``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from handoff.protocol.registry import EVENTS
from handoff.protocol.validate import check
from tests.support.handoff_server import HandoffServer
from tests.support.ports import free_port

pytestmark = pytest.mark.asyncio


async def test_health_reports_redis_and_rasa(
    service: HandoffServer, start_server: Callable[..., HandoffServer]
) -> None:
    async with httpx.AsyncClient() as http:
        ok = await http.get(f"{service.url}/health")
        assert ok.status_code == 200
        body = ok.json()
        assert {k: body[k] for k in ("status", "redis", "rasa")} == {
            "status": "ok",
            "redis": "ok",
            "rasa": "ok",
        }
        # Each Rasa instance, as the background health check last heard it.
        (instance,) = body["rasa_instances"]
        assert (instance["status"], instance["detail"]) == ("up", "ok")
        no_rasa = start_server(
            {"TANDEM_REDIS_PREFIX": "h:"}, rasa_url=f"http://127.0.0.1:{free_port()}"
        )
        degraded = await http.get(f"{no_rasa.url}/health")
        assert degraded.status_code == 200 and degraded.json()["status"] == "degraded"
        no_redis = start_server({"TANDEM_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})
        down = await http.get(f"{no_redis.url}/health")
        assert down.status_code == 503 and down.json()["redis"] == "unreachable"
        assert ok.headers["x-content-type-options"] == "nosniff"


async def test_metrics_are_prometheus_text(service: HandoffServer, clean_redis: Any) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{service.url}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    for family in (
        "tandem_conversations",
        "tandem_queue_wait_seconds",
        "tandem_first_response_seconds",
        "tandem_csat_ratings_total",
    ):
        assert f"# TYPE {family} " in response.text


async def test_metrics_show_redis_memory(service: HandoffServer, clean_redis: Any) -> None:
    async with httpx.AsyncClient() as http:
        text = (await http.get(f"{service.url}/metrics")).text
    used = next(ln for ln in text.splitlines() if ln.startswith("tandem_redis_used_memory_bytes"))
    assert int(used.split()[1]) > 0
    assert "tandem_redis_may_evict 0" in text  # the test Redis has no limit: nothing evicted


async def test_static_front_ends_are_served_when_built(
    start_server: Callable[..., HandoffServer], tmp_path: Path
) -> None:
    (tmp_path / "index.html").write_text("<h1>demo</h1>")
    (tmp_path / "console.html").write_text("<h1>console</h1>")
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "widget.js").write_text("console.log('widget')")
    server = start_server({"TANDEM_STATIC_DIR": str(tmp_path), "TANDEM_REDIS_PREFIX": "s:"})
    async with httpx.AsyncClient() as http:
        demo = await http.get(f"{server.url}/")
        assert demo.text == "<h1>demo</h1>"
        assert "script-src 'self'" in demo.headers["content-security-policy"]
        assert "connect-src 'self'" in demo.headers["content-security-policy"]
        console = await http.get(f"{server.url}/console")
        assert console.text == "<h1>console</h1>"
        assert "frame-ancestors 'none'" in console.headers["content-security-policy"]
        assert "script-src 'self'" in console.headers["content-security-policy"]
        assert console.headers["x-frame-options"] == "DENY"
        assert "widget" in (await http.get(f"{server.url}/static/widget.js")).text
        # The pages are served only with their headers, never as plain files under /static.
        assert (await http.get(f"{server.url}/static/console.html")).status_code == 404


async def test_wire_shapes_match_the_protocol(customer: Any, agent: Any) -> None:
    """Everything a customer and an agent receive in a real conversation matches the types."""
    ana = await agent()
    alice = await customer()
    ack = await alice.say("buttons")
    await alice.wait_text("What can I do?")
    await alice.say("human please")
    await ana.wait_for("queue_added")
    await ana.call("claim", {"conversation_id": ack["conversation_id"]})
    await ana.call(
        "send_message",
        {"conversation_id": ack["conversation_id"], "text": "hi", "client_msg_id": "w1"},
    )
    await alice.wait_text("hi")
    for namespace, client in (("/", alice), ("/agent", ana)):
        for event, payload in client.rec.events:
            spec = EVENTS[(namespace, event, "out")]
            assert check(payload, spec.payload, strict=True) == [], (event, payload)
    confirm = alice.rec.of("session_confirm")[0]
    assert isinstance(confirm, str)  # a bare string, as rasa-webchat expects
