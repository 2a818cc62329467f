"""What agents see of a conversation, built from its Redis hash (pure functions).

Example::

    info = conversation_info(await store.get("c_…"))
    item = queue_item(hash_, position=1, profile=agent.profile(), now=time.time())
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal, cast

from handoff.domain.agents import AgentRecord
from handoff.domain.routing import AgentProfile, Need, eligible
from handoff.protocol.agent import (
    AgentInfo,
    AgentSummary,
    ConversationInfo,
    FollowUpStatus,
    QueueItem,
)
from handoff.protocol.types import AgentRef, Contact, OfflineReason, StateName


def _float(value: str | None) -> float | None:
    return float(value) if value else None


def _json(value: str | None, default: Any) -> Any:
    try:
        return json.loads(value) if value else default
    except ValueError:
        return default


def owner_ref(data: Mapping[str, str]) -> AgentRef | None:
    return {"id": data["owner"], "name": data.get("owner_name", "")} if data.get("owner") else None


def contact(data: Mapping[str, str]) -> Contact | None:
    if not data.get("contact_email"):
        return None
    return {"email": data["contact_email"], "name": data.get("contact_name", "")}


def conversation_info(data: Mapping[str, str]) -> ConversationInfo:
    csat = data.get("csat")
    info: ConversationInfo = {
        "conversation_id": data["id"],
        "customer_id": data.get("customer", ""),
        "state": cast(StateName, data.get("state", "bot")),
        "version": int(data.get("version", "0")),
        "reason": data.get("reason", ""),
        "language": data.get("language", ""),
        "skill": data.get("skill", ""),
        "summary": _json(data.get("summary"), {}),
        "created_at": float(data.get("created_at", "0")),
        "queued_at": _float(data.get("queued_at")),
        "claimed_at": _float(data.get("claimed_at")),
        "closed_at": _float(data.get("closed_at")),
        "owner": owner_ref(data),
        "contact": contact(data),
        "last_seq": int(data.get("seq", "0")),
        "resolution": data.get("resolution", ""),
        "tags": _json(data.get("tags"), []),
        "csat": int(csat) if csat else None,
        "offline_reason": data.get("offline_reason", ""),
    }
    if data.get("csat_comment"):
        info["csat_comment"] = data["csat_comment"]
    if data.get("followup") in ("scheduled", "due", "yes", "no", "cancelled"):
        info["followup"] = cast(FollowUpStatus, data["followup"])
        due = _float(data.get("followup_due"))
        if due is not None and data["followup"] in ("scheduled", "due"):
            info["followup_due"] = due
    return info


def need_of(data: Mapping[str, str]) -> Need:
    return Need(language=data.get("language", ""), skill=data.get("skill", ""))


def queue_item(
    data: Mapping[str, str], *, position: int, profile: AgentProfile | None = None, now: float = 0.0
) -> QueueItem:
    """A queue (or ticket) row; ``eligible`` only when built for one agent."""
    state: Literal["queued", "offline"] = "offline" if data.get("state") == "offline" else "queued"
    item: QueueItem = {
        "conversation_id": data["id"],
        "customer_id": data.get("customer", ""),
        "state": state,
        "reason": data.get("reason", ""),
        "language": data.get("language", ""),
        "skill": data.get("skill", ""),
        "summary": _json(data.get("summary"), {}),
        "queued_at": float(data.get("queued_at") or data.get("created_at") or 0),
        "exclusive_until": float(data.get("exclusive_until") or 0),
        "position": position,
        "preview": data.get("preview", ""),
        "contact": contact(data),
    }
    if state == "offline" and data.get("offline_reason"):
        item["offline_reason"] = cast(OfflineReason, data["offline_reason"])
    if data.get("reopened_by") in ("email", "followup"):
        item["reopened"] = cast(Literal["email", "followup"], data["reopened_by"])
    if profile is not None:
        item["eligible"] = eligible(
            profile, need_of(data), exclusive_until=item["exclusive_until"], now=now
        )
    return item


def agent_info(record: AgentRecord) -> AgentInfo:
    return {
        "id": record.id,
        "username": record.username,
        "name": record.name,
        "languages": list(record.languages),
        "skills": list(record.skills),
        "capacity": record.capacity,
        "status": "away" if record.status == "away" else "online",
        "roles": list(record.roles),
    }


def agent_summary(record: AgentRecord, *, load: int, online: bool) -> AgentSummary:
    """A colleague as ``get_agents`` lists them (for transfers)."""
    return {
        "id": record.id,
        "name": record.name,
        "languages": list(record.languages),
        "skills": list(record.skills),
        "capacity": record.capacity,
        "load": load,
        "online": online,
        "status": "away" if record.status == "away" else "online",
    }
