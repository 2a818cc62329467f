"""The sustained benchmark's agent consoles answer each entry once (one per seq, like a console)."""

from __future__ import annotations

from typing import Any, cast

from bench.actors import AgentConsole, Customer
from bench.sustained import Person, Worker


class RecordingConsole:
    """Stands in for an agent console's socket: records what it would send."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, Any]] = []

    def send_nowait(self, event: str, payload: Any) -> None:
        self.sent.append((event, payload))


def _worker_with_one_message(cmid: str) -> tuple[Worker, Person]:
    worker = Worker(0)
    person = Person("w0c1", cast(Customer, None), with_agent=True)  # no socket is used
    worker.by_cmid[cmid] = person
    person.sent[cmid] = 0.0
    return worker, person


def _relayed(conversation_id: str, seq: int, cmid: str) -> dict[str, Any]:
    entry = {"seq": seq, "author": "customer", "text": f"{cmid} hello", "client_msg_id": cmid}
    return {"conversation_id": conversation_id, "entry": entry}


def test_an_entry_relayed_again_for_a_resend_is_answered_once() -> None:
    worker, _ = _worker_with_one_message("w0c1-1")
    console = RecordingConsole()
    handler = worker._on_agent_message(cast(AgentConsole, console))
    handler("/agent", _relayed("c-1", 4, "w0c1-1"))
    handler("/agent", _relayed("c-1", 4, "w0c1-1"))  # the customer's resend, relayed again
    assert console.sent == [
        (
            "send_message",
            {"conversation_id": "c-1", "text": "re:w0c1-1", "client_msg_id": "a-w0c1-1"},
        )
    ]
    assert len(worker.to_agent) == 1  # one latency sample per message, not per relay


def test_other_entries_are_each_answered() -> None:
    worker, person = _worker_with_one_message("w0c1-1")
    worker.by_cmid["w0c1-2"] = person
    person.sent["w0c1-2"] = 0.0
    console = RecordingConsole()
    handler = worker._on_agent_message(cast(AgentConsole, console))
    handler("/agent", _relayed("c-1", 4, "w0c1-1"))
    handler("/agent", _relayed("c-1", 6, "w0c1-2"))
    handler("/agent", {"conversation_id": "c-1", "entry": {"seq": 5, "author": "agent"}})
    assert [payload["text"] for _, payload in console.sent] == ["re:w0c1-1", "re:w0c1-2"]
