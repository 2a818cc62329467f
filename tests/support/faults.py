"""Faults a test can inflict on a process it started: freeze it and let it go on.

A frozen process (SIGSTOP) keeps its sockets open and answers nothing: what a long GC pause, a
swapping host or a stalled VM looks like from outside, unlike a crash (``kill``), which closes
every connection at once.

Example::

    with frozen(redis_server.process):
        ...                     # every Redis call waits
"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

Process = subprocess.Popen[Any]


def freeze(process: Process | None) -> None:
    assert process is not None and process.poll() is None, "the process is not running"
    process.send_signal(signal.SIGSTOP)


def thaw(process: Process | None) -> None:
    assert process is not None, "the process is not running"
    process.send_signal(signal.SIGCONT)


@contextmanager
def frozen(process: Process | None) -> Iterator[None]:
    """Frozen inside the block, running again after it (even when the block fails)."""
    freeze(process)
    try:
        yield
    finally:
        thaw(process)
