"""The JSON module Socket.IO packets are decoded with: the standard one, bounded in depth.

python-socketio decodes every packet with its JSON module before any handler of ours runs. A
payload nested ~1,000 deep made the standard decoder raise ``RecursionError`` inside the
library, which logged it and answered nothing: the client waited for an ack that never came.
``create_app`` passes this module as ``socketio.AsyncServer(json=...)``. A packet nested deeper
than :data:`MAX_DEPTH` decodes to ``[<its event name>, TOO_DEEP]``, so the event still reaches
the namespace's guard (the packet's ack id was read before the JSON), which refuses it with
``bad_request``: an error ack and ``tandem_error``, like any other malformed payload. A packet
whose event name cannot be read gets the event name ``""`` and the same answer.

The service's own JSON text that comes from clients (``metadata`` as a string, as Rasa's channel
allows) is read with :func:`parse`, which raises :class:`TooDeep` instead.

Example::

    sio = socketio.AsyncServer(json=bounded_json)
    bounded_json.parse('{"a": [1]}', max_depth=2)   # {"a": [1]}
    bounded_json.parse('[[[1]]]', max_depth=2)      # raises TooDeep
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

# engineio's loads refuses integers of more than 100 digits (int() of a huge string is slow);
# it is the decoder python-socketio uses by default, so nothing else changes.
from engineio import json as engineio_json  # type: ignore[import-untyped]

# Arrays and objects inside one another, counting the packet's own array (the event name and its
# payload). The deepest packet the protocol allows is user_uttered with metadata at its own limit
# (protocol/customer.py: 8), 10 in all; this leaves room and stays far from the interpreter's
# recursion limit.
MAX_DEPTH: Final = 32

dumps = json.dumps
_EVENT_NAME = re.compile(r'\s*\[\s*("(?:[^"\\]|\\.){0,200}")')


class TooDeep(ValueError):
    """JSON nested deeper than allowed (a ``ValueError``, as every JSON decoding error is)."""


class _TooDeepPayload:
    """What a too-deep payload decodes to: the guard refuses it (``edges/guard.py``)."""

    def __repr__(self) -> str:
        return "TOO_DEEP"


TOO_DEEP: Final = _TooDeepPayload()


def depth(value: object) -> int:
    """How many arrays and objects are nested in ``value`` (0 for a scalar); no recursion."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest


def parse(text: str | bytes, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` that raises :class:`TooDeep` past ``max_depth`` (and never recurses out)."""
    try:
        value = engineio_json.loads(text)
    except RecursionError:
        raise TooDeep(f"JSON nested deeper than {max_depth} levels") from None
    if deeper_than(max_depth, value, text):
        raise TooDeep(f"JSON nested deeper than {max_depth} levels")
    return value


def deeper_than(max_depth: int, value: object, text: str | bytes) -> bool:
    """Is ``value`` (decoded from, or encoded as, ``text``) nested deeper than ``max_depth``?"""
    # Every level opens a bracket: with no more brackets than levels allowed (every ordinary
    # packet), the walk is not needed. Counting is C speed; the walk is not.
    if isinstance(text, bytes):
        opened = text.count(b"[") + text.count(b"{")
    else:
        opened = text.count("[") + text.count("{")
    return opened > max_depth and depth(value) > max_depth


def loads(text: str | bytes, *args: Any, **kwargs: Any) -> Any:
    """python-socketio's decoder: a too-deep packet becomes ``[event, TOO_DEEP]`` (see above)."""
    try:
        return parse(text)
    except TooDeep:
        return [_event_name(text), TOO_DEEP]


def _event_name(text: str | bytes) -> str:
    if isinstance(text, bytes):
        text = text[:512].decode("utf-8", "replace")
    found = _EVENT_NAME.match(text)
    if not found:
        return ""
    name = json.loads(found.group(1))
    return name if isinstance(name, str) else ""
