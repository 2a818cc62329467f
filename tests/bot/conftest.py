"""Fixtures for the bot's tests (run in .venv/bot).

Action tests start from tracker snapshots in tests/bot/fixtures/, recorded from real
conversations with the trained bot, cut at the message the action answers.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).with_name("fixtures")


def merged_domain() -> dict[str, Any]:
    """domain.yml with the responses of data/responses/, as Rasa merges them for the actions."""
    domain = yaml.safe_load((REPO / "domain.yml").read_text(encoding="utf-8"))
    domain["responses"] = {}
    for path in sorted((REPO / "data" / "responses").glob("*.yml")):
        domain["responses"].update(yaml.safe_load(path.read_text(encoding="utf-8"))["responses"])
    return domain


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    return merged_domain()


def tracker_at(snapshot: str, user_text: str, *, occurrence: int = 1) -> Tracker:
    """The tracker as it was right after the customer said ``user_text`` (and slots were read).

    Slots, the active form and the latest message are rebuilt from the recorded events, so the
    snapshot files hold nothing but what Rasa recorded.
    """
    recorded = json.loads((FIXTURES / f"{snapshot}.json").read_text(encoding="utf-8"))
    events: list[dict[str, Any]] = []
    seen = 0
    cut = False
    for event in recorded["events"]:
        if cut and event["event"] == "user_featurization":
            continue  # the form sends the slots read from the message last, as here
        if cut and event["event"] != "slot":
            break
        events.append(event)
        if event["event"] == "user" and event.get("text") == user_text:
            seen += 1
            cut = seen == occurrence
    if not cut:
        raise KeyError(f"{snapshot}.json has no user message {user_text!r}")
    return tracker_from_events(recorded["sender_id"], events)


def tracker_before(snapshot: str, action_name: str, *, occurrence: int = 1) -> Tracker:
    """The tracker as it was when Rasa ran ``action_name`` (its ``occurrence``-th run)."""
    recorded = json.loads((FIXTURES / f"{snapshot}.json").read_text(encoding="utf-8"))
    events: list[dict[str, Any]] = []
    seen = 0
    for event in recorded["events"]:
        if event["event"] == "action" and event.get("name") == action_name:
            seen += 1
            if seen == occurrence:
                return tracker_from_events(recorded["sender_id"], events)
        events.append(event)
    raise KeyError(f"{snapshot}.json never runs {action_name!r}")


def tracker_from_events(sender_id: str, events: list[dict[str, Any]]) -> Tracker:
    slots: dict[str, Any] = {}
    active_loop: dict[str, Any] = {}
    latest_message: dict[str, Any] = {}
    for event in events:
        if event["event"] == "slot":
            slots[event["name"]] = event["value"]
        elif event["event"] == "active_loop":
            active_loop = {"name": event["name"]} if event.get("name") else {}
        elif event["event"] == "user":
            latest_message = {**event["parse_data"], "text": event["text"]}
    return Tracker(
        sender_id,
        slots,
        latest_message,
        events,
        paused=False,
        followup_action=None,
        active_loop=active_loop,
        latest_action_name=None,
    )


def run_action(
    action: Action, tracker: Tracker, domain: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Runs ``action``; returns (messages it sent, events it returned)."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain))
    return dispatcher.messages, events


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
