import assert from "node:assert/strict";
import { test } from "node:test";

import { Transport, TransportError } from "../src/shared/transport.js";
import { TypingSender } from "../src/shared/typing.js";
import { ManualClock } from "./fakes.js";
import { SERVER_EVENTS } from "../src/widget/transport.js";
import { AGENT_EVENTS } from "../src/console/transport.js";
import { agentOut, customerOut, golden } from "./golden.js";

/** What Transport needs of a socket.io-client socket. */
class FakeSocket {
  constructor() {
    this.connected = false;
    this.listeners = {};
    this.emitted = [];
    this.reply = () => ({ ok: true });
    this.disconnects = 0;
  }
  on(event, listener) {
    this.listeners[event] = listener;
  }
  connect() {
    this.connected = true;
    this.listeners.connect();
  }
  disconnect() {
    this.connected = false;
    this.disconnects += 1;
  }
  emit(event, payload) {
    this.emitted.push([event, payload]);
  }
  timeout(ms) {
    return {
      emit: (event, payload, ack) => {
        this.emitted.push([event, payload, ms]);
        const answer = this.reply(event, payload);
        if (answer === "no answer") ack(new Error("timeout"));
        else ack(null, answer);
      },
    };
  }
}

function transportWith(handlers = {}) {
  const socket = new FakeSocket();
  const transport = new Transport(socket, { events: ["bot_uttered"], handlers, requestTimeoutMs: 1234 });
  return { socket, transport };
}

test("requests resolve with an ok ack and reject with the protocol's code otherwise", async () => {
  const { socket, transport } = transportWith();
  await assert.rejects(transport.request("hello"), (e) => e instanceof TransportError && e.code === "offline");
  socket.connect();
  assert.deepEqual(await transport.request("hello", {}), { ok: true });
  assert.equal(socket.emitted.at(-1)[2], 1234); // the default timeout
  socket.reply = () => ({ ok: false, error: { code: "not_eligible", message: "reserved", details: { exclusive_until: 5 } } });
  await assert.rejects(transport.request("claim", {}), (e) => e.code === "not_eligible" && e.message === "reserved" && e.details.exclusive_until === 5);
  socket.reply = () => "no answer";
  await assert.rejects(transport.request("claim", {}), (e) => e.code === "timeout");
  socket.reply = () => undefined;
  await assert.rejects(transport.request("claim", {}), (e) => e.code === "internal");
});

test("events reach their handlers; emit is dropped while offline; a bad token stops reconnecting", () => {
  const seen = [];
  const { socket, transport } = transportWith({
    connect: () => seen.push("connect"),
    bot_uttered: (p) => seen.push(p.text),
    unauthorized: (message) => seen.push(`unauthorized: ${message}`),
  });
  transport.emit("tandem_typing", { typing: true });
  assert.equal(socket.emitted.length, 0);
  transport.connect();
  transport.emit("tandem_typing", { typing: true });
  socket.listeners.bot_uttered({ text: "hi" });
  socket.listeners.connect_error({ data: { code: "unauthorized", message: "log in again" } });
  assert.deepEqual(seen, ["connect", "hi", "unauthorized: log in again"]);
  assert.equal(socket.disconnects, 1);
  assert.equal(socket.emitted.length, 1);
});

test("tandem_resync replays as a reconnect does, on the socket it has", () => {
  const seen = [];
  const { socket, transport } = transportWith({ connect: () => seen.push("connect") });
  transport.connect();
  socket.listeners.tandem_resync(customerOut("tandem_resync"));
  assert.deepEqual(seen, ["connect", "connect"]);
  assert.equal(socket.disconnects, 0); // no reconnection: the socket stays as it is
  const other = transportWith({ connect: () => seen.push("connect"), resync: () => seen.push("resync") });
  other.socket.listeners.tandem_resync(customerOut("tandem_resync"));
  assert.deepEqual(seen.at(-1), "resync"); // a resync handler, when given, is called instead
});

test("typing is sent at most every 2 s, stopped after 3 s idle, and per target", () => {
  const clock = new ManualClock();
  const sent = [];
  const typing = new TypingSender({ emit: (on, target) => sent.push([target, on]), now: clock.now, schedule: clock.schedule, cancel: clock.cancel });
  typing.typing("a");
  clock.advance(1000);
  typing.typing("a");
  assert.deepEqual(sent, [["a", true]]);
  clock.advance(1500); // 2.5 s since the first: refreshed
  typing.typing("a");
  assert.deepEqual(sent, [["a", true], ["a", true]]);
  clock.advance(3000);
  assert.deepEqual(sent.at(-1), ["a", false]);
  typing.stop(); // already stopped: nothing more
  assert.equal(sent.length, 3);
  typing.typing("a");
  typing.typing("b");
  assert.deepEqual(sent.slice(3), [["a", true], ["a", false], ["b", true]]);
});

test("the widget listens to every event the service sends customers (the golden examples)", () => {
  const sent = golden.examples
    .filter((e) => e.namespace === "/" && e.direction === "out" && e.event !== "tandem_resync") // resync: shared/transport.js
    .map((e) => e.event);
  assert.deepEqual([...new Set(sent)].filter((event) => !SERVER_EVENTS.includes(event)), []);
});

test("the console listens to every event the service sends agents (the golden examples)", () => {
  // The golden examples hold every event of the protocol's registry (tests/handoff/unit/protocol),
  // so an agent event added there without a listener here fails this test.
  const sent = golden.examples
    .filter((e) => e.namespace === "/agent" && e.direction === "out" && e.event !== "tandem_resync") // resync: shared/transport.js
    .map((e) => e.event);
  assert.deepEqual([...new Set(sent)].filter((event) => !AGENT_EVENTS.includes(event)), []);
});

test("a queue_alert from the service reaches the console's handler", () => {
  const socket = new FakeSocket();
  const alerts = [];
  new Transport(socket, { events: AGENT_EVENTS, handlers: { queue_alert: (p) => alerts.push(p) } });
  const payload = agentOut("queue_alert");
  socket.listeners.queue_alert(payload);
  assert.deepEqual(alerts, [payload]);
});
