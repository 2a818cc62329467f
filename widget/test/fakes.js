// Test doubles shared by the logic tests: a transport answering from a script, a view that
// records what it was asked to show, and a clock that only moves when told.

/** A transport that records what is sent and answers requests from `answer(event, payload)`. */
export class FakeTransport {
  constructor(handlers = {}) {
    this.handlers = handlers;
    this.connected = false;
    this.emitted = [];
    this.requests = [];
    this.disconnected = false;
    this.answer = () => ({ ok: true });
  }

  emit(event, payload) {
    if (this.connected) this.emitted.push([event, payload]);
  }

  async request(event, payload) {
    if (!this.connected) throw Object.assign(new Error("not connected"), { code: "offline" });
    this.requests.push([event, payload]);
    const ack = await this.answer(event, payload);
    if (ack && ack.ok) return ack;
    const error = new Error((ack && ack.error && ack.error.message) || "failed");
    error.code = (ack && ack.error && ack.error.code) || "timeout";
    throw error;
  }

  disconnect() {
    this.connected = false;
    this.disconnected = true;
  }

  /** The service sends an event (or the socket connects: "connect", "disconnect"). */
  fire(name, payload) {
    if (name === "connect") this.connected = true;
    if (name === "disconnect") this.connected = false;
    const handler = this.handlers[name];
    if (!handler) throw new Error(`no handler for ${name}`);
    return handler(payload);
  }

  /** What was requested with this event, in order. */
  sent(event) {
    return this.requests.filter(([e]) => e === event).map(([, p]) => p);
  }
}

/** Any method call is recorded as [name, ...args]; `calls(name)` lists the arguments. */
export function recordingView(overrides = {}) {
  const log = [];
  const target = {
    log,
    calls: (name) => log.filter(([n]) => n === name).map(([, ...args]) => args),
    count: (name) => log.filter(([n]) => n === name).length,
    last: (name) => {
      const all = log.filter(([n]) => n === name);
      return all.length ? all[all.length - 1].slice(1) : undefined;
    },
    clear: () => log.splice(0),
    ...overrides,
  };
  return new Proxy(target, {
    get(obj, prop) {
      if (prop in obj) return obj[prop];
      if (typeof prop !== "string" || prop === "then") return undefined;
      return (...args) => {
        log.push([prop, ...args]);
      };
    },
  });
}

/** Timers that run only when the test advances the clock. */
export class ManualClock {
  constructor(start = 1_764_000_100_000) {
    this.time = start;
    this.queue = [];
    this.nextId = 1;
    this.now = () => this.time;
    this.schedule = (fn, ms) => {
      const id = this.nextId++;
      this.queue.push({ id, at: this.time + ms, fn });
      return id;
    };
    this.cancel = (id) => {
      this.queue = this.queue.filter((t) => t.id !== id);
    };
  }

  /** Move time forward, running every timer that falls due, in order. */
  advance(ms) {
    const end = this.time + ms;
    for (;;) {
      this.queue.sort((a, b) => a.at - b.at);
      const next = this.queue[0];
      if (!next || next.at > end) break;
      this.queue.shift();
      this.time = next.at;
      next.fn();
    }
    this.time = end;
  }

  pending() {
    return this.queue.length;
  }
}

/** Let queued promise callbacks run. */
export const settle = () => new Promise((resolve) => setImmediate(resolve));
