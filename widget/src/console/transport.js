// The console's connections: HTTP login, then namespace "/agent" of the handoff service,
// authenticated with the token (docs/protocol.md), through the shared Transport
// (src/shared/transport.js). Every request goes with an acknowledgement.

import { Transport, TransportError, openSocket } from "../shared/transport.js";

/** What the service answers to a good login (docs/protocol.md, HTTP). */
/** @typedef {{token: string, expires_at: number, agent: Record<string, any>}} LoginAnswer */

/**
 * POST /api/login; throws TransportError with a message for the login form.
 * @param {string} baseUrl
 * @param {string} username
 * @param {string} password
 * @returns {Promise<LoginAnswer>}
 */
export async function login(baseUrl, username, password) {
  let response;
  try {
    response = await fetch(`${baseUrl}/api/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username, password }),
      credentials: "omit",
    });
  } catch {
    throw new TransportError("offline", "Cannot reach the server. Check your connection.");
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    // not JSON
  }
  if (response.ok && body && body.token) return body;
  const error = (body && body.error) || {};
  if (response.status === 401) throw new TransportError("unauthorized", "Wrong username or password.");
  if (response.status === 429) throw new TransportError("rate_limited", "Too many attempts. Wait a minute and try again.");
  throw new TransportError(error.code || "internal", error.message || `Login failed (HTTP ${response.status}).`);
}

/** The /agent server events the console listens to (docs/protocol.md, "Server → client"). */
export const AGENT_EVENTS = [
  "queue_added",
  "queue_removed",
  "queue_alert",
  "conversation_message",
  "conversation_note",
  "conversation_assigned",
  "conversation_unassigned",
  "conversation_updated",
  "customer_typing",
  "email_status",
  "suggestions",
  "session_ended",
  "tandem_error",
];

/**
 * Connect to /agent with the token (connects at once; reconnects by itself).
 * @param {{url: string, path?: string, token: string,
 *   handlers: import("../shared/transport.js").Handlers}} options
 *   handlers: connect(), disconnect(reason), unauthorized(message), one per AGENT_EVENTS name.
 * @returns {Transport}
 */
export function agentTransport({ url, path = "/socket.io/", token, handlers }) {
  return new Transport(openSocket(`${url}/agent`, { path, auth: { token }, timeout: 20000 }), {
    events: AGENT_EVENTS,
    handlers,
    requestTimeoutMs: 15000,
  });
}
