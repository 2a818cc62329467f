// The console's only connection: HTTP login, then socket.io namespace "/agent" authenticated
// with the token (docs/protocol.md). Every request goes with an acknowledgement.

import { io } from "socket.io-client";

export class RequestError extends Error {
  constructor(code, message, details = undefined) {
    super(message || code);
    this.code = code;
    this.details = details;
  }
}

/** POST /api/login -> {token, expires_at, agent}; throws RequestError. */
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
    throw new RequestError("offline", "Cannot reach the server. Check your connection.");
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    // not JSON
  }
  if (response.ok && body && body.token) return body;
  const error = (body && body.error) || {};
  if (response.status === 401) throw new RequestError("unauthorized", "Wrong username or password.");
  if (response.status === 429) throw new RequestError("rate_limited", "Too many attempts. Wait a minute and try again.");
  throw new RequestError(error.code || "internal", error.message || `Login failed (HTTP ${response.status}).`);
}

const SERVER_EVENTS = [
  "queue_added",
  "queue_removed",
  "conversation_message",
  "conversation_note",
  "conversation_assigned",
  "conversation_unassigned",
  "conversation_updated",
  "customer_typing",
  "session_ended",
  "tandem_error",
];

export class AgentTransport {
  /**
   * @param {{url: string, path?: string, token: string, handlers: Record<string, Function>}} o
   *   handlers: connect(), disconnect(reason), unauthorized(message), one per server event.
   */
  constructor({ url, path = "/socket.io/", token, handlers }) {
    this.handlers = handlers;
    this.socket = io(`${url}/agent`, {
      path,
      auth: { token },
      transports: ["websocket", "polling"],
      tryAllTransports: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 5000,
    });
    this.socket.on("connect", () => this.#call("connect"));
    this.socket.on("disconnect", (reason) => this.#call("disconnect", reason));
    this.socket.on("connect_error", (err) => {
      const code = err && err.data && err.data.code;
      if (code === "unauthorized") {
        this.socket.disconnect(); // a bad token does not get better by retrying
        this.#call("unauthorized", err.data.message);
      } else this.#call("connect_error", err);
    });
    for (const name of SERVER_EVENTS) this.socket.on(name, (payload) => this.#call(name, payload));
  }

  get connected() {
    return this.socket.connected;
  }

  close() {
    this.socket.disconnect();
  }

  /** Resolves with the ack when ok; rejects with RequestError (offline, timeout, or its code). */
  request(event, payload = {}, timeoutMs = 15000) {
    return new Promise((resolve, reject) => {
      if (!this.socket.connected) {
        reject(new RequestError("offline", "Not connected; retrying…"));
        return;
      }
      this.socket.timeout(timeoutMs).emit(event, payload, (err, ack) => {
        if (err) reject(new RequestError("timeout", "The server did not answer in time."));
        else if (ack && ack.ok) resolve(ack);
        else {
          const e = (ack && ack.error) || {};
          reject(new RequestError(e.code || "internal", e.message, e.details));
        }
      });
    });
  }

  /** No ack needed (typing). */
  emit(event, payload) {
    if (this.socket.connected) this.socket.emit(event, payload);
  }

  #call(name, ...args) {
    const handler = this.handlers[name];
    if (handler) handler(...args);
  }
}
