import assert from "node:assert/strict";
import { test } from "node:test";

import { JOB_POLL_MS, WorkbenchController, canWrite, formatSteps, parseSteps } from "../src/console/workbench.js";

/** An API that answers like the service (docs/workbench.md) and records the calls. */
function fakeApi() {
  const calls = [];
  let job = null;
  const items = [
    { id: "i_1", text: "wheres my parsel", count: 3, intent: "nlu_fallback", ranking: [{ name: "faq/order_tracking", confidence: 0.2 }], reasons: { fallback: 3 }, status: "pending", conversations: ["c_a:3"] },
    { id: "i_2", text: "how long does delivery take", count: 1, intent: "faq/shipping_time", ranking: [], reasons: { low_confidence: 1 }, status: "pending", conversations: [] },
  ];
  const api = {
    calls,
    finish(status) {
      job = { ...job, status, predictions: [{ text: "wheres my parsel", intent: "faq/order_tracking", confidence: 0.93 }] };
    },
    inbox: async (filters) => (calls.push(["inbox", filters]), { items, total: items.length, reasons: ["fallback"] }),
    intents: async () => ({ intents: ["faq/order_tracking", "greet"] }),
    label: async (id, body) => {
      calls.push(["label", id, body]);
      const text = items.find((i) => i.id === id).text;
      const warnings = id === "i_2" ? ["already an example of faq/shipping_time"] : [];
      return { ok: true, status: "labelled", warnings, annotation: { text, intent: body.intent || "faq/shipping_time" } };
    },
    changes: async () => ({ files: ["data/nlu/en/faq.yml"], diff: "+    - wheres my parsel\n" }),
    save: async (body) => (calls.push(["save", body]), { ok: true, branch: "workbench/2026-12-02", commit: "0123456789abcdef" }),
    startJob: async (probes) => {
      calls.push(["startJob", probes]);
      job = { id: "j", status: "running", steps: [], tail: [], verdict: [], predictions: [], progress: 0 };
      return { ok: true, job };
    },
    job: async () => ({ job }),
    draftTest: async (id) => ({ name: `from_${id}`, steps: [{ user: "hi", intent: "greet" }, { action: "utter_greet" }] }),
    saveTest: async (id, body) => (calls.push(["saveTest", id, body]), { ok: true, path: `tests/conversations/test_${body.name}.yml`, branch: "workbench/x" }),
  };
  return api;
}

function manualTimers() {
  const due = [];
  return { due, schedule: (fn) => (due.push(fn), due.length), cancel: () => {}, fire: () => due.splice(0).forEach((fn) => fn()) };
}

test("the inbox, filters and labels: a warned label stays in sight", async () => {
  const api = fakeApi();
  const c = new WorkbenchController({ api, ...manualTimers() });
  await c.open();
  assert.equal(c.items.length, 2);
  assert.deepEqual(c.intents, ["faq/order_tracking", "greet"]);
  await c.setFilter("reason", "fallback");
  assert.deepEqual(api.calls.at(-1), ["inbox", { reason: "fallback", intent: "", language: "", status: "pending" }]);
  await c.label("i_1", "intent", { intent: "faq/order_tracking" });
  assert.deepEqual(api.calls.at(-1), ["label", "i_1", { action: "intent", intent: "faq/order_tracking" }]);
  assert.deepEqual(c.items.map((i) => i.id), ["i_2"]);
  assert.equal(c.total, 1); // the heading's count follows
  await c.label("i_2", "confirm");
  assert.equal(c.items[0].status, "labelled");
  assert.deepEqual(c.warnings.i_2, ["already an example of faq/shipping_time"]);
  assert.match(c.message, /1 warning/);
  assert.deepEqual(c.labelled, ["wheres my parsel", "how long does delivery take"]);
});

test("the diff, the commit, and check & train polled until it is over", async () => {
  const api = fakeApi();
  const timers = manualTimers();
  const c = new WorkbenchController({ api, ...timers });
  await c.open();
  await c.label("i_1", "intent", { intent: "faq/order_tracking" });
  await c.showChanges();
  assert.equal(c.changes.diff, "+    - wheres my parsel\n");
  await c.save("parcels");
  assert.deepEqual(api.calls.find((call) => call[0] === "save"), ["save", { message: "parcels" }]);
  assert.match(c.message, /commit 0123456789 on workbench\/2026-12-02/);
  await c.checkAndTrain();
  assert.deepEqual(api.calls.at(-1), ["startJob", ["wheres my parsel"]]);
  assert.equal(timers.due.length, 1);
  api.finish("passed");
  timers.fire();
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(c.job.status, "passed");
  assert.equal(c.job.predictions[0].intent, "faq/order_tracking");
  assert.deepEqual(c.labelled, []);
  assert.equal(timers.due.length, 0); // no more polling once it is over
  assert.ok(JOB_POLL_MS > 0);
});

test("a conversation as a test: drafted, edited as lines, saved", async () => {
  const api = fakeApi();
  const c = new WorkbenchController({ api, ...manualTimers() });
  await c.draftTest("c_a");
  const text = formatSteps(c.test.steps);
  assert.equal(text, "user: hi | greet\naction: utter_greet");
  await c.saveTest("hello_test", `${text}\nuser: where is it | faq/order_tracking\naction: utter_faq`);
  const [, id, body] = api.calls.at(-1);
  assert.equal(id, "c_a");
  assert.deepEqual(body.steps.slice(2), [{ user: "where is it", intent: "faq/order_tracking" }, { action: "utter_faq" }]);
  assert.equal(c.test, null);
  assert.deepEqual(parseSteps("user: a | b | greet"), [{ user: "a | b", intent: "greet" }]);
});

test("who may open the workbench", () => {
  assert.equal(canWrite({ roles: ["writer"] }), true);
  assert.equal(canWrite({ roles: ["admin"] }), true);
  assert.equal(canWrite({ roles: [] }), false);
  assert.equal(canWrite({}), false);
  assert.equal(canWrite(null), false);
});

test("what the writer types for an item outlives a redraw, and is used up by the label", async () => {
  const api = fakeApi();
  const c = new WorkbenchController({ api, ...manualTimers() });
  await c.open();
  // The view keeps typed text in c.drafts (fields are rebuilt whenever an answer arrives).
  c.drafts.i_1 = { intent: "faq/order_tracking", topic: "" };
  c.commitMessage = "parcel questions";
  await c.refresh(); // a redraw-causing answer: the draft is still there
  assert.deepEqual(c.drafts.i_1, { intent: "faq/order_tracking", topic: "" });
  await c.label("i_1", "intent", { intent: c.drafts.i_1.intent });
  assert.equal(c.drafts.i_1, undefined);
  await c.showChanges();
  await c.save(c.commitMessage);
  assert.deepEqual(api.calls.find((call) => call[0] === "save"), ["save", { message: "parcel questions" }]);
  assert.equal(c.commitMessage, "");
});

test("a test conversation's name and steps as typed outlive a redraw (a job poll)", async () => {
  const api = fakeApi();
  const timers = manualTimers();
  const c = new WorkbenchController({ api, ...timers });
  await c.draftTest("c_a");
  await c.checkAndTrain(); // a running job: the page is drawn again at every poll
  // The view writes what is typed into the draft (its fields are rebuilt at each redraw).
  c.test.name = "parcel_never_came";
  c.test.text += "\nuser: where is it | faq/order_tracking";
  timers.fire();
  await c.pollJob();
  await c.refresh();
  assert.equal(c.test.name, "parcel_never_came");
  assert.match(c.test.text, /where is it \| faq\/order_tracking$/);
  await c.saveTest();
  const [, id, body] = api.calls.find((call) => call[0] === "saveTest");
  assert.equal(id, "c_a");
  assert.equal(body.name, "parcel_never_came");
  assert.deepEqual(body.steps.at(-1), { user: "where is it", intent: "faq/order_tracking" });
});
