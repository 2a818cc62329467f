"""The service erases the bot's tracker where Rasa keeps it: the prefixes must agree.

Rasa's ``RedisTrackerStore`` and ``RedisLockStore`` name their keys ``<key_prefix>:tracker:`` and
``<key_prefix>:lock:`` (Rasa 3.6), and ``bot/stores.py`` gives them the prefix ``rasa``. The
service cannot import the bot (another environment), so this reads the bot's source."""

from __future__ import annotations

import re
from pathlib import Path

from handoff.store.keys import RASA_LOCK_PREFIX, RASA_TRACKER_PREFIX, Keys

STORES = Path(__file__).resolve().parents[4] / "bot" / "stores.py"


def test_the_tracker_and_lock_keys_use_the_bots_prefix() -> None:
    found = re.search(r'^KEY_PREFIX = "(\w+)"$', STORES.read_text(), re.MULTILINE)
    assert found, "bot/stores.py names its Redis key prefix in KEY_PREFIX"
    assert RASA_TRACKER_PREFIX == f"{found.group(1)}:tracker:"
    assert RASA_LOCK_PREFIX == f"{found.group(1)}:lock:"
    assert Keys("other:").rasa_tracker("c_1") == f"{found.group(1)}:tracker:c_1"
