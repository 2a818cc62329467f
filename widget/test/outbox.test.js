import assert from "node:assert/strict";
import { test } from "node:test";

import { BACKOFF_MS, Outbox, RETRY_CODES, isRetryable } from "../src/shared/outbox.js";
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
  });
  return { outbox, clock, sent, acked, refused, storage, changes: () => changes };
}

test("the retryable codes are the ones retrying can fix; any other code is final", () => {
  assert.deepEqual([...RETRY_CODES].sort(), ["internal", "no_session", "offline", "rate_limited", "timeout", "unauthorized"]);
  for (const code of RETRY_CODES) assert.equal(isRetryable({ code }), true);
  for (const code of ["too_long", "empty_message", "bad_request", "forbidden", "not_owner", "invalid_state", "not_found", "a_code_from_the_future"]) {
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

test("a refusal retrying cannot fix drops that message only, tells why, and the next one goes", async () => {
  const { outbox, sent, refused, acked } = outboxWith((item) => (item.text === "bad" ? "a_code_from_the_future" : { ok: true, seq: 5 }));
  outbox.add("bad");
  outbox.add("good");
  await outbox.flush();
  assert.deepEqual(sent.map((i) => i.text), ["bad", "good"]);
  assert.deepEqual(refused, [["bad", "a_code_from_the_future"]]);
  assert.deepEqual(acked, [["good", 5]]);
  assert.deepEqual(outbox.items(), []);
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
