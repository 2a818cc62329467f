"""The one source of "now": seconds since the epoch, as ``time.time()`` gives them.

``create_app`` takes a clock and hands the same one to every part, so that nothing reads the
time on its own (a test can move time forward by passing its own function).

Example::

    store = ConversationStore(redis, keys, retention_seconds=86400, clock=SYSTEM_CLOCK)
"""

from __future__ import annotations

import time
from collections.abc import Callable

Clock = Callable[[], float]
SYSTEM_CLOCK: Clock = time.time
