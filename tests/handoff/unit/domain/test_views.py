"""What agents see of a conversation, from its Redis hash."""

from handoff.domain.agents import AgentRecord
from handoff.domain.routing import AgentProfile
from handoff.domain.views import agent_info, agent_summary, conversation_info, queue_item

HASH = {
    "id": "c_1",
    "customer": "u_1",
    "state": "queued",
    "version": "3",
    "reason": "triage",
    "language": "de",
    "skill": "billing",
    "summary": '{"skill": "billing"}',
    "created_at": "10.0",
    "queued_at": "20.0",
    "exclusive_until": "80.0",
    "seq": "7",
    "preview": "charged twice",
    "tags": "not json",
}
ANA = AgentRecord.from_hash({"id": "a_1", "username": "ana", "name": "Ana", "status": "away"})


def test_conversation_info_decodes_the_hash() -> None:
    info = conversation_info({**HASH, "owner": "a_1", "owner_name": "Ana", "csat": "4"})
    assert (
        info["version"] == 3 and info["last_seq"] == 7 and info["summary"] == {"skill": "billing"}
    )
    assert info["owner"] == {"id": "a_1", "name": "Ana"} and info["csat"] == 4
    assert info["tags"] == [] and info["claimed_at"] is None and info["contact"] is None
    contact = conversation_info({**HASH, "contact_email": "sam@example.com"})["contact"]
    assert contact == {"email": "sam@example.com", "name": ""}


def test_queue_items_say_who_may_claim_them() -> None:
    item = queue_item(HASH, position=2)
    assert item["position"] == 2 and item["preview"] == "charged twice" and "eligible" not in item
    english = AgentProfile("a_en", frozenset({"en"}), frozenset())
    assert queue_item(HASH, position=1, profile=english, now=50.0)["eligible"] is False
    assert queue_item(HASH, position=1, profile=english, now=80.0)["eligible"] is True
    ticket = queue_item({**HASH, "state": "offline", "offline_reason": "no_agents"}, position=0)
    assert ticket["state"] == "offline" and ticket["offline_reason"] == "no_agents"


def test_agents_as_the_console_lists_them() -> None:
    assert agent_info(ANA)["status"] == "away" and agent_info(ANA)["languages"] == []
    summary = agent_summary(ANA, load=2, online=True)
    assert summary["load"] == 2 and summary["online"] and "username" not in summary
