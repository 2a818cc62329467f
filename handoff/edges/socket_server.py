"""The python-socketio server Tandem runs: the stock one, minus binary packets.

Tandem's events are JSON text (``docs/protocol.md``). python-socketio would still accept a binary
event or ack whose header announces any number of attachments (10^9 passes) and hold every
attachment that follows in memory until the count is reached, with no cap on the total. Nothing
in Tandem sends binary, so the server refuses it where Engine.IO hands a message to Socket.IO:
a binary packet header (types 5 and 6) or a raw binary message closes that client's connection
before anything is kept.

Example::

    sio = SocketServer(async_mode="asgi", max_http_buffer_size=65536)
"""

from __future__ import annotations

import logging
from typing import Any

import socketio  # type: ignore[import-untyped]  # no type information shipped

log = logging.getLogger(__name__)

# Socket.IO packet types BINARY_EVENT and BINARY_ACK, the first character of their header.
_BINARY_HEADERS = (str(socketio.packet.BINARY_EVENT), str(socketio.packet.BINARY_ACK))


class SocketServer(socketio.AsyncServer):  # type: ignore[misc]
    """``socketio.AsyncServer`` that closes the connection of a client sending binary packets."""

    async def _handle_eio_message(self, eio_sid: str, data: Any) -> None:
        # The one hook python-socketio 5 has between Engine.IO's message and its own packet
        # decoding (and the attachment buffer that comes with it).
        if is_binary(data):
            log.warning("closing a connection that sent a binary Socket.IO packet")
            await self.eio.disconnect(eio_sid)
            return
        await super()._handle_eio_message(eio_sid, data)


def is_binary(data: object) -> bool:
    """A raw binary Engine.IO message, or the header of a binary event or ack."""
    return not isinstance(data, str) or data[:1] in _BINARY_HEADERS
