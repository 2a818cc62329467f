// The widget's connection: namespace "/" of the handoff service (docs/protocol.md), through the
// shared Transport (src/shared/transport.js). The widget connects only when it needs to (a
// returning customer at once, a new one when they open the chat), hence autoConnect: false.

import { Transport, openSocket } from "../shared/transport.js";

export const SERVER_EVENTS = [
  "session_confirm",
  "tandem_session",
  "bot_uttered",
  "tandem_message",
  "tandem_transcript",
  "tandem_state",
  "tandem_typing",
  "tandem_error",
  "tandem_followup",
];

/**
 * @param {{url: string, path?: string, handlers: import("../shared/transport.js").Handlers}} options
 *   handlers: connect(), disconnect(reason), and one per server event name.
 * @returns {Transport}
 */
export function customerTransport({ url, path = "/socket.io/", handlers }) {
  return new Transport(openSocket(url, { path, autoConnect: false, timeout: 10000 }), {
    events: SERVER_EVENTS,
    handlers,
    requestTimeoutMs: 10000,
  });
}
