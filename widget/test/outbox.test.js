import assert from "node:assert/strict";
import { test } from "node:test";

import { BACKOFF_MS } from "../src/shared/backoff.js";
import { Outbox, RETRY_CODES, isRetryable } from "../src/shared/outbox.js";
import { ManualClock, settle } from "./fakes.js";
import { memoryStorage } from "./golden.js";

/** An outbox whose sends are answered by `answer(item)` (an ack, or an error code to throw). */
function outboxWith(answer, { storage = memoryStorage(), connected = () => true } = {}) {
  const clock = new ManualClock();
  const sent = [];
  const acked = [];
  const refused = [];
  let changes = 0;
  const outbox = new Outbox({
    storage,
    key: "t:outbox",
    send: async (item) => {
      sent.push(item);
      const result = answer(item);
      if (typeof result === "string") throw Object.assign(new Error(`failed: ${result}`), { code: result });
      return result;
    },
    canSend: connected,
    onSent: (item, ack) => acked.push([item.text, ack.seq]),
    onRefused: (item, error) => refused.push([item.text, error.code]),
    onChange: () => (changes += 1),
    schedule: clock.schedule,
    cancel: clock.cancel,
    random: () => 0.5, // no jitter: the delays are the table's
  });
  return { outbox, clock, sent, acked, refused, storage, changes: () => changes };
}

test("the retryable codes are the ones retrying can fix; any other code is final", () => {
  assert.deepEqual([...RETRY_CODES].sort(), ["internal", "no_session", "offline", "rate_limited", "timeout", "unauthorized", "unavailable"]);
  for (const code of RETRY_CODES) assert.equal(isRetryable({ code }), true);
  for (const code of ["invalid_text", "too_long", "empty_message", "bad_request", "forbidden", "not_owner", "invalid_state", "not_found", "a_code_from_the_future"]) {
    assert.equal(isRetryable({ code }), false, code);
  }
  assert.equal(isRetryable(undefined), false);
});

test("delivered in order, each once, and forgotten when acknowledged", async () => {
  let seq = 0;
  const { outbox, sent, acked, storage } = outboxWith(() => ({ ok: true, seq: ++seq }));
  outbox.add("one");
  outbox.add("two");
  assert.equal(JSON.parse(storage.getItem("t:outbox")).length, 2);
  await outbox.flush();
  assert.deepEqual(sent.map((i) => i.text), ["one", "two"]);
  assert.deepEqual(acked, [["one", 1], ["two", 2]]);
  assert.deepEqual(outbox.items(), []);
  assert.equal(storage.getItem("t:outbox"), null);
});

test("a failure retrying can fix keeps the message at the head, in order, and retries with the same id", async () => {
  const answers = ["internal", "timeout", { ok: true, seq: 1 }];
  const { outbox, clock, sent, acked } = outboxWith((item) => (item.text === "first" ? answers.shift() : { ok: true, seq: 2 }));
  outbox.add("first");
  outbox.add("second");
  await outbox.flush();
  assert.deepEqual(sent.map((i) => i.text), ["first"]); // "second" waits behind it
  clock.advance(BACKOFF_MS[0]);
  await settle();
  assert.deepEqual(sent.map((i) => i.text), ["first", "first"]);
  clock.advance(BACKOFF_MS[1]);
  await settle();
  assert.deepEqual(sent.map((i) => i.text), ["first", "first", "first", "second"]);
  assert.equal(new Set(sent.slice(0, 3).map((i) => i.cmid)).size, 1);
  assert.deepEqual(acked, [["first", 1], ["second", 2]]);
});

test("a refusal retrying cannot fix marks that message failed, tells why, and the next one goes", async () => {
  const { outbox, clock, sent, refused, acked } = outboxWith((item) => (item.text === "bad" ? "a_code_from_the_future" : { ok: true, seq: 5 }));
  outbox.add("bad");
  outbox.add("good");
  await outbox.flush();
  assert.deepEqual(sent.map((i) => i.text), ["bad", "good"]);
  assert.deepEqual(refused, [["bad", "a_code_from_the_future"]]);
  assert.deepEqual(acked, [["good", 5]]);
  const [failed] = outbox.items();
  assert.deepEqual([failed.text, failed.failed.code, failed.failed.message], ["bad", "a_code_from_the_future", "failed: a_code_from_the_future"]);
  assert.deepEqual(outbox.waiting(), []);
  // Never sent again: not by a timer, not by the next round.
  clock.advance(120_000);
  await outbox.flush();
  assert.equal(sent.length, 2);
  assert.equal(clock.pending(), 0);
});

test("the lone-surrogate case: invalid_text fails the poisoned message, later ones are delivered", async () => {
  let seq = 0;
  const poisoned = `hi ${String.fromCharCode(0xd800)}`;
  const { outbox, sent, acked } = outboxWith((item) => (item.text === poisoned ? "invalid_text" : { ok: true, seq: ++seq }));
  outbox.add(poisoned);
  outbox.add("after it");
  outbox.add("and another");
  await outbox.flush();
  assert.deepEqual(acked, [["after it", 1], ["and another", 2]]);
  assert.deepEqual(outbox.items().map((p) => [p.text, p.failed && p.failed.code]), [[poisoned, "invalid_text"]]);
  assert.equal(sent.filter((i) => i.text === poisoned).length, 1);
});

test("after a reload: a failed message stays failed and unsent; one an older widget saved is sent and then marked", async () => {
  const storage = memoryStorage();
  // What the widget before this fix left in localStorage: a poisoned message at the head,
  // retried forever, with everything after it waiting behind.
  const old = [
    { cmid: "w-old-1", text: "bad \ud800", created: 1 },
    { cmid: "w-old-2", text: "written after it", created: 2 },
  ];
  storage.setItem("t:outbox", JSON.stringify(old));
  let seq = 0;
  const answer = (item) => (item.cmid === "w-old-1" ? "invalid_text" : { ok: true, seq: ++seq });
  const first = outboxWith(answer, { storage });
  await first.outbox.flush();
  assert.deepEqual(first.acked, [["written after it", 1]]);
  assert.equal(JSON.parse(storage.getItem("t:outbox"))[0].failed.code, "invalid_text");
  // The page is reloaded: the failed one is shown (items), not sent (waiting), and blocks nothing.
  const second = outboxWith(answer, { storage });
  assert.deepEqual(second.outbox.waiting(), []);
  assert.equal(second.outbox.items()[0].failed.code, "invalid_text");
  second.outbox.add("a new one");
  await second.outbox.flush();
  assert.deepEqual(second.sent.map((i) => i.text), ["a new one"]);
  assert.equal(second.outbox.take("w-old-1"), "bad \ud800");
  assert.equal(storage.getItem("t:outbox"), null);
  // A malformed mark (hand-edited storage) still reads as failed, never as sendable.
  storage.setItem("t:outbox", JSON.stringify([{ cmid: "x", text: "t", created: 1, failed: { code: 7 } }]));
  assert.deepEqual(outboxWith(answer, { storage }).outbox.waiting(), []);
});

test("onRetry tells when delivery stalls on a retryable failure and when it recovers", async () => {
  const answers = ["internal", "internal", { ok: true, seq: 1 }];
  const told = [];
  const clock = new ManualClock();
  const outbox = new Outbox({
    send: async () => {
      const a = answers.shift();
      if (typeof a === "string") throw Object.assign(new Error(a), { code: a });
      return a;
    },
    onRetry: (error) => told.push(error && error.code),
    schedule: clock.schedule,
    cancel: clock.cancel,
    random: () => 0.5,
  });
  outbox.add("during the outage");
  await outbox.flush();
  clock.advance(BACKOFF_MS[0]);
  await settle();
  clock.advance(BACKOFF_MS[1]);
  await settle();
  assert.deepEqual(told, ["internal", "internal", null]);
  assert.deepEqual(outbox.items(), []);
  // Refused for good after an outage is an answer too: the service is back.
  answers.push("internal", "not_owner");
  outbox.add("refused once it is back");
  await outbox.flush();
  clock.advance(BACKOFF_MS[0]);
  await settle();
  assert.deepEqual(told, ["internal", "internal", null, "internal", null]);
  assert.equal(outbox.items()[0].failed.code, "not_owner");
});

test("offline: nothing is sent, no timer runs; the next connect's flush sends it", async () => {
  let online = false;
  const { outbox, clock, sent } = outboxWith(() => ({ ok: true, seq: 1 }), { connected: () => online });
  outbox.add("later");
  await outbox.flush();
  assert.equal(sent.length, 0);
  assert.equal(clock.pending(), 0);
  online = true;
  await outbox.flush();
  assert.deepEqual(sent.map((i) => i.text), ["later"]);
});

test("the backoff: 1 s doubling to 15 s, then every 15 s", () => {
  assert.deepEqual([...BACKOFF_MS], [1000, 2000, 4000, 8000, 15000]);
});

test("the jitter keeps each delay within 20 % of the table's", async () => {
  for (const [random, factor] of [[0, 0.8], [0.999999, 1.2]]) {
    const clock = new ManualClock();
    const sent = [];
    const outbox = new Outbox({
      send: async (item) => {
        sent.push(item);
        throw Object.assign(new Error("x"), { code: "internal" });
      },
      schedule: clock.schedule,
      cancel: clock.cancel,
      random: () => random,
    });
    outbox.add("x");
    await outbox.flush();
    const [timer] = clock.queue;
    assert.equal(timer.at - clock.now(), Math.round(BACKOFF_MS[0] * factor));
  }
});

test("the backoff grows and then stays at its last step", async () => {
  const { outbox, clock, sent } = outboxWith(() => "rate_limited");
  outbox.add("x");
  await outbox.flush();
  const times = [];
  for (let i = 0; i < BACKOFF_MS.length + 2; i += 1) {
    const before = sent.length;
    const start = clock.now();
    while (sent.length === before) {
      clock.advance(500);
      await settle();
    }
    times.push(clock.now() - start);
  }
  assert.deepEqual(times, [...BACKOFF_MS, BACKOFF_MS.at(-1), BACKOFF_MS.at(-1)]);
});

test("a flush while one runs does not send twice; messages added meanwhile go in the same round", async () => {
  let release;
  const gate = new Promise((resolve) => (release = resolve));
  let seq = 0;
  const { outbox, sent } = outboxWith(async () => {
    await gate;
    return { ok: true, seq: ++seq };
  });
  outbox.add("a");
  const round = outbox.flush();
  outbox.add("b");
  outbox.flush();
  release();
  await round;
  assert.deepEqual(sent.map((i) => i.text), ["a", "b"]);
});

test("persisted: a reload (or another tab) finds what was not sent; clear forgets", () => {
  const storage = memoryStorage();
  const first = outboxWith(() => "offline", { storage });
  const item = first.outbox.add("kept", { conversation_id: "c_1" });
  const second = outboxWith(() => "offline", { storage });
  assert.deepEqual(second.outbox.items(), [item]);
  first.outbox.add("another");
  second.outbox.reload();
  assert.equal(second.outbox.items().length, 2);
  second.outbox.clear();
  assert.equal(storage.getItem("t:outbox"), null);
  storage.setItem("t:outbox", "{not json");
  assert.deepEqual(outboxWith(() => "offline", { storage }).outbox.items(), []);
});

test("without storage it works in memory; remove tells whether it was there", () => {
  const { outbox, changes } = outboxWith(() => "offline", { storage: null });
  const item = outbox.add("x");
  assert.equal(outbox.remove(item.cmid), true);
  assert.equal(outbox.remove(item.cmid), false);
  assert.equal(changes(), 2);
});
