// The one way both front ends talk to the handoff service: a socket.io-client socket wrapped in
// a small interface (connect, emit, request with an acknowledgement, named handlers), so the
// logic above it (widget/chat.js, console/controller.js) can be driven by a fake in tests.
//
//   const transport = new Transport(openSocket(url, { path: "/socket.io/" }), {
//     events: ["bot_uttered"], handlers: { connect: () => …, bot_uttered: (p) => … },
//   });
//   const ack = await transport.request("user_uttered", { message: "hi" }); // or TransportError

import { io } from "socket.io-client";

/** Codes a request can fail with besides the protocol's own (docs/protocol.md, "Errors"). */
export const OFFLINE = "offline"; // not connected: nothing was sent
export const TIMEOUT = "timeout"; // sent, but no answer in time: it may or may not have been stored

export class TransportError extends Error {
  /**
   * @param {string} code "offline" | "timeout" | a protocol error code
   * @param {string} [message]
   * @param {Record<string, any>} [details]
   */
  constructor(code, message, details = undefined) {
    super(message || code);
    this.code = code;
    this.details = details;
  }
}

/**
 * The socket as Transport uses it: what socket.io-client's Socket has (and a test fake needs).
 * @typedef {{connected: boolean, connect(): any, disconnect(): any,
 *   on(event: string, listener: (...args: any[]) => void): any,
 *   emit(event: string, ...args: any[]): any,
 *   timeout(ms: number): {emit(event: string, payload: any, ack: (err: any, answer: any) => void): any}}} SocketLike
 */

/** @typedef {Record<string, ((...args: any[]) => void) | undefined>} Handlers */

/**
 * A socket.io-client socket with the options both front ends share: websocket first (no sticky
 * sessions needed), long-polling when a proxy blocks websockets, quick reconnects.
 * @param {string} url the service's origin, with the namespace ("https://…/agent")
 * @param {{path?: string, auth?: Record<string, any>, autoConnect?: boolean, timeout?: number}} [options]
 * @returns {SocketLike}
 */
export function openSocket(url, { path = "/socket.io/", auth, autoConnect = true, timeout = 10000 } = {}) {
  return io(url, {
    path,
    auth,
    autoConnect,
    transports: ["websocket", "polling"],
    tryAllTransports: true,
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
    timeout,
  });
}

export class Transport {
  /**
   * @param {SocketLike} socket
   * @param {{events: string[], handlers: Handlers, requestTimeoutMs?: number}} options
   *   handlers: connect(), disconnect(reason), unauthorized(message), connect_error(err),
   *   resync() (defaults to connect()), and one per server event named in `events`.
   */
  constructor(socket, { events, handlers, requestTimeoutMs = 10000 }) {
    this.socket = socket;
    this.handlers = handlers;
    this.requestTimeoutMs = requestTimeoutMs;
    socket.on("connect", () => this.#call("connect"));
    socket.on("disconnect", (reason) => this.#call("disconnect", reason));
    socket.on("connect_error", (err) => {
      const data = err && err.data;
      if (data && data.code === "unauthorized") {
        socket.disconnect(); // a bad token does not get better by retrying
        this.#call("unauthorized", data.message);
      } else this.#call("connect_error", err);
    });
    // The server's replica was deaf to the others for a while (Redis was away): what a reconnect
    // does (replay from the last contiguous seq) is what is needed, on the socket we have.
    socket.on("tandem_resync", () => this.#call(this.handlers.resync ? "resync" : "connect"));
    for (const name of events) socket.on(name, (payload) => this.#call(name, payload));
  }

  get connected() {
    return this.socket.connected;
  }

  connect() {
    this.socket.connect();
  }

  disconnect() {
    this.socket.disconnect();
  }

  /**
   * Fire and forget (no ack), dropped when offline: typing, session_request.
   * @param {string} event
   * @param {any} payload
   */
  emit(event, payload) {
    if (this.socket.connected) this.socket.emit(event, payload);
  }

  /**
   * Send with an acknowledgement; resolves with the ack when ok, rejects with a TransportError
   * ("offline", "timeout" or the protocol's error code). Never buffered while offline: the
   * caller keeps what it must resend (a client_msg_id makes a resend safe).
   * @param {string} event
   * @param {any} [payload]
   * @param {number} [timeoutMs]
   * @returns {Promise<any>}
   */
  request(event, payload = {}, timeoutMs = this.requestTimeoutMs) {
    return new Promise((resolve, reject) => {
      if (!this.socket.connected) {
        reject(new TransportError(OFFLINE, "Not connected; retrying…"));
        return;
      }
      this.socket.timeout(timeoutMs).emit(event, payload, (err, ack) => {
        if (err) reject(new TransportError(TIMEOUT, "The server did not answer in time."));
        else if (ack && ack.ok) resolve(ack);
        else {
          const e = (ack && ack.error) || {};
          reject(new TransportError(e.code || "internal", e.message, e.details));
        }
      });
    });
  }

  /**
   * @param {string} name
   * @param {...any} args
   */
  #call(name, ...args) {
    const handler = this.handlers[name];
    if (handler) handler(...args);
  }
}
