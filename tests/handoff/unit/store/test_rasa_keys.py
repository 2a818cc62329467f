"""The service erases and exports the bot's tracker where the bot keeps it: the names must agree.

The bot keeps a tracker as an event log (``bot/event_log_store.py``: ``rasa:events:`` and
``rasa:session:``, and moves trackers Rasa's own store wrote under ``rasa:tracker:``); its locks
are Rasa's ``<key_prefix>:lock:`` with ``bot/stores.py``'s prefix. The service cannot import the
bot (another environment), so this reads the bot's source."""

from __future__ import annotations

import re
from pathlib import Path

from handoff.store.keys import (
    RASA_EVENTS_PREFIX,
    RASA_LOCK_PREFIX,
    RASA_SESSION_PREFIX,
    RASA_TRACKER_PREFIX,
    Keys,
)

BOT = Path(__file__).resolve().parents[4] / "bot"


def constant(module: str, name: str) -> str:
    found = re.search(rf'^{name} = "([\w:]+)"', (BOT / module).read_text(), re.MULTILINE)
    assert found, f"bot/{module} names {name}"
    return found.group(1)


def test_the_tracker_and_lock_keys_are_the_bots() -> None:
    assert RASA_EVENTS_PREFIX == constant("event_log_store.py", "EVENTS_KEY_PREFIX")
    assert RASA_SESSION_PREFIX == constant("event_log_store.py", "SESSION_KEY_PREFIX")
    assert RASA_TRACKER_PREFIX == constant("event_log_store.py", "LEGACY_TRACKER_KEY_PREFIX")
    assert RASA_LOCK_PREFIX == f"{constant('stores.py', 'KEY_PREFIX')}:lock:"
    keys = Keys("other:")
    assert keys.rasa_events("c_1") == f"{RASA_EVENTS_PREFIX}c_1"
    assert keys.rasa_session("c_1") == f"{RASA_SESSION_PREFIX}c_1"
    assert keys.rasa_tracker("c_1") == f"{RASA_TRACKER_PREFIX}c_1"
