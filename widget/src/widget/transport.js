// The widget's only connection to the world: socket.io to the handoff service's namespace "/"
// (docs/protocol.md). Everything else in the widget talks to this small interface, so another
// transport (or a fake in tests) can stand in.

import { io } from "socket.io-client";

const SERVER_EVENTS = [
  "session_confirm",
  "tandem_session",
  "bot_uttered",
  "tandem_message",
  "tandem_transcript",
  "tandem_state",
  "tandem_typing",
  "tandem_error",
];

export class TransportError extends Error {
  /** @param {string} code "offline" | "timeout" | a protocol error code */
  constructor(code, message, details = undefined) {
    super(message || code);
    this.code = code;
    this.details = details;
  }
}

export class CustomerTransport {
  /**
   * @param {{url: string, path?: string, handlers: Record<string, Function>}} options
   *   handlers: connect(), disconnect(reason), and one per server event name.
   */
  constructor({ url, path = "/socket.io/", handlers }) {
    this.handlers = handlers;
    this.socket = io(url, {
      path,
      autoConnect: false,
      // websocket first (no sticky sessions needed); long-polling if a proxy blocks websockets
      transports: ["websocket", "polling"],
      tryAllTransports: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 5000,
      timeout: 10000,
    });
    this.socket.on("connect", () => this.#call("connect"));
    this.socket.on("disconnect", (reason) => this.#call("disconnect", reason));
    this.socket.on("connect_error", (err) => this.#call("connect_error", err));
    for (const name of SERVER_EVENTS) this.socket.on(name, (payload) => this.#call(name, payload));
  }

  connect() {
    this.socket.connect();
  }

  disconnect() {
    this.socket.disconnect();
  }

  get connected() {
    return this.socket.connected;
  }

  /** Fire and forget (no ack), dropped when offline: typing, session_request. */
  emit(event, payload) {
    if (this.socket.connected) this.socket.emit(event, payload);
  }

  /**
   * Send with an acknowledgement; resolves with the ack when ok, rejects with a TransportError
   * ("offline", "timeout" or the protocol's error code). Never buffered while offline: the
   * caller keeps what it must resend (client_msg_id makes a resend safe).
   */
  request(event, payload, timeoutMs = 10000) {
    return new Promise((resolve, reject) => {
      if (!this.socket.connected) {
        reject(new TransportError("offline", "not connected"));
        return;
      }
      this.socket.timeout(timeoutMs).emit(event, payload, (err, ack) => {
        if (err) reject(new TransportError("timeout", "no answer from the server"));
        else if (ack && ack.ok) resolve(ack);
        else {
          const e = (ack && ack.error) || {};
          reject(new TransportError(e.code || "internal", e.message, e.details));
        }
      });
    });
  }

  #call(name, ...args) {
    const handler = this.handlers[name];
    if (handler) handler(...args);
  }
}
