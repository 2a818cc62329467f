import assert from "node:assert/strict";
import { test } from "node:test";

import { ConsoleController } from "../src/console/controller.js";
import { FakeTransport, ManualClock, recordingView, settle } from "./fakes.js";
import { agentAck, agentOut, memoryStorage } from "./golden.js";

const CONV = "c_3OFZ6H02VNNdDuLN6-RDmw"; // the golden examples' conversation (Ana owns it)
const OTHER = "c_queued0000000000000001";

/** The golden transcript (seq 4-7) with its start (1-3), so that it has no gap. */
function transcript() {
  const start = [1, 2, 3].map((seq) => ({ seq, author: seq === 2 ? "bot" : "customer", text: `earlier ${seq}`, ts: 1763999970 + seq }));
  return [...start, ...agentAck("get_conversation").messages];
}

/** The service's answers to the console's requests, from the golden examples. */
function service(overrides = {}) {
  let seq = 7;
  const answers = {
    hello: () => ({ ...agentAck("hello"), queue: [], tickets: [] }),
    get_canned: () => agentAck("get_canned"),
    get_stats: () => agentAck("get_stats"),
    get_history: () => agentAck("get_history"),
    get_queue: () => ({ ok: true, queue: [], tickets: [] }),
    get_conversation: (p) => ({ ...agentAck("get_conversation"), messages: transcript().filter((m) => m.seq > (p.after_seq || 0)) }),
    watch: () => agentAck("watch"),
    unwatch: () => ({ ok: true }),
    send_message: () => ({ ok: true, seq: ++seq, duplicate: false }),
    hand_back: () => ({ ok: true }),
    close: () => ({ ok: true }),
    transfer: () => ({ ok: true }),
    add_note: () => agentAck("add_note"),
    get_agents: () => agentAck("get_agents"),
    set_presence: (p) => ({ ok: true, status: p.status }),
    get_suggestions: () => ({ ...agentAck("get_suggestions"), suggestions: [] }),
    suggestion_feedback: () => ({ ok: true }),
    ...overrides,
  };
  return (event, payload) => {
    const answer = answers[event];
    if (!answer) throw new Error(`unexpected request ${event}`);
    return answer(payload);
  };
}

function setup({ token = null, answers = {}, alerts = null } = {}) {
  const clock = new ManualClock();
  const view = recordingView();
  const tokenStorage = memoryStorage();
  const prefsStorage = memoryStorage();
  if (token) tokenStorage.setItem("tandem-console:token", JSON.stringify(token));
  const made = [];
  const controller = new ConsoleController({
    view,
    login: async (username, password) => {
      if (password !== "right") throw Object.assign(new Error("Wrong username or password."), { code: "unauthorized" });
      return { token: `tok-${username}`, expires_at: clock.now() / 1000 + 3600 };
    },
    connect: ({ token: t, handlers }) => {
      const transport = new FakeTransport(handlers);
      transport.token = t;
      transport.answer = service(answers);
      made.push(transport);
      return transport;
    },
    tokenStorage,
    prefsStorage,
    defaultWaitTarget: 120,
    now: clock.now,
    schedule: clock.schedule,
    cancel: clock.cancel,
    random: () => 0.5, // no jitter: the backoff's delays are the table's
    alerts,
  });
  return { controller, view, clock, tokenStorage, prefsStorage, made, transport: () => made[made.length - 1] };
}

/** Logged in and connected, with the golden hello (Ana owns CONV) applied and CONV open. */
async function atTheDesk(options) {
  const env = setup({ token: { token: "tok", expires_at: 1_764_999_999 }, ...options });
  env.controller.start();
  env.transport().fire("connect");
  await settle();
  return env;
}

test("login: the form first; a wrong password is told; a right one keeps the token and connects", async () => {
  const { controller, view, tokenStorage, made } = setup();
  controller.start();
  assert.deepEqual(view.last("showLogin"), [""]);
  assert.equal(await controller.login("ana", "wrong"), "Wrong username or password.");
  assert.equal(made.length, 0);
  assert.equal(await controller.login("ana", "right"), null);
  assert.equal(made[0].token, "tok-ana");
  assert.equal(JSON.parse(tokenStorage.getItem("tandem-console:token")).token, "tok-ana");
  assert.equal(view.count("showDesk"), 1);
});

test("a saved token connects at once, an expired one shows the login", () => {
  const live = setup({ token: { token: "tok", expires_at: 1_764_999_999 } });
  live.controller.start();
  assert.equal(live.made[0].token, "tok");
  const expired = setup({ token: { token: "old", expires_at: 1_000 } });
  expired.controller.start();
  assert.equal(expired.made.length, 0);
  assert.equal(expired.view.count("showLogin"), 1);
});

test("connected: hello fills the desk, canned responses and stats load, my conversation opens", async () => {
  const { controller, view, transport } = await atTheDesk();
  const t = transport();
  assert.deepEqual(view.calls("setConnected"), [[true]]);
  assert.equal(view.last("setAgent")[0].name, "Ana");
  assert.deepEqual([...controller.desk.mine], [CONV]);
  assert.equal(controller.desk.selected, CONV); // nothing was open: my first conversation
  assert.ok(t.sent("get_canned").length === 1 && t.sent("get_stats").length === 1);
  assert.deepEqual(t.sent("get_conversation")[0], { conversation_id: CONV, after_seq: 0 });
  assert.deepEqual(t.sent("get_history")[0], { conversation_id: CONV });
  assert.equal(controller.desk.conversation(CONV).transcript.list().length, 7);
  assert.equal(controller.desk.canned.length, 1);
  assert.ok(view.calls("appendEntries").some(([entries]) => entries.length === 7));
});

test("the queue is live; many queue events ask for the stats once", async () => {
  const { controller, view, clock, transport } = await atTheDesk();
  const before = transport().sent("get_stats").length;
  const item = { ...agentOut("queue_added").item, conversation_id: OTHER };
  view.clear();
  transport().fire("queue_added", { item });
  transport().fire("queue_added", { item: { ...item, preview: "updated" } });
  assert.deepEqual(controller.desk.queueList().map((i) => i.preview), ["updated"]);
  assert.equal(view.count("renderLists"), 2);
  clock.advance(1000);
  assert.equal(transport().sent("get_stats").length, before + 1);
  transport().fire("queue_removed", { conversation_id: OTHER, state: "agent", by: { id: "a_1b2c3d4e5f607182", name: "Ben" } });
  assert.equal(controller.desk.queueList().length, 0);
});

test("claim: the winner gets the conversation; a refusal says who won and refreshes the queue", async () => {
  const { controller, view, transport } = await atTheDesk({
    answers: {
      claim: (p) =>
        p.conversation_id === OTHER
          ? agentAck("claim") // already_claimed by Ben
          : { ...agentAck("get_conversation"), conversation: { ...agentAck("get_conversation").conversation, conversation_id: p.conversation_id } },
    },
  });
  const t = transport();
  const queued = { ...agentOut("queue_added").item };
  t.fire("queue_added", { item: { ...queued, conversation_id: "c_mine000000000000000001" } });
  t.fire("queue_added", { item: { ...queued, conversation_id: OTHER } });

  assert.equal(await controller.claim("c_mine000000000000000001"), true);
  assert.ok(controller.desk.mine.has("c_mine000000000000000001"));
  assert.equal(controller.desk.selected, "c_mine000000000000000001");
  assert.equal(controller.desk.queue.has("c_mine000000000000000001"), false);
  assert.deepEqual(view.last("announce"), ["Claimed. The customer sees that you joined."]);
  assert.ok(view.count("focusReply") >= 1);

  assert.equal(await controller.claim(OTHER), false);
  assert.deepEqual(view.last("announce"), ["Ben already took this conversation"]);
  await settle();
  assert.equal(t.sent("get_queue").length, 1);
  assert.equal(controller.desk.queue.size, 0); // the fresh queue replaced ours
  assert.equal(controller.desk.mine.has(OTHER), false);
});

test("replies: sent in order with their ids, shown once when acknowledged, echoes ignored", async () => {
  const { controller, view, transport } = await atTheDesk();
  const t = transport();
  controller.send(CONV, "first");
  controller.send(CONV, "second");
  controller.send(CONV, "   "); // blank: nothing
  await settle();
  const sent = t.sent("send_message");
  assert.deepEqual(sent.map((p) => p.text), ["first", "second"]);
  assert.ok(sent.every((p) => p.conversation_id === CONV && /^a-/.test(p.client_msg_id)));
  const conv = controller.desk.conversation(CONV);
  assert.deepEqual(conv.transcript.list().slice(-2).map((e) => [e.seq, e.author, e.text, e.agent_name]), [
    [8, "agent", "first", "Ana"],
    [9, "agent", "second", "Ana"],
  ]);
  assert.deepEqual(controller.pendingFor(CONV), []);
  // Another tab's copy of the same entry (same seq) is not shown twice.
  const appended = view.count("appendEntries");
  t.fire("conversation_message", { conversation_id: CONV, entry: { ...conv.transcript.get(8) } });
  assert.equal(view.count("appendEntries"), appended);
});

test("replies written offline wait, then go out on reconnect with the same id", async () => {
  const { controller, transport } = await atTheDesk();
  const t = transport();
  t.fire("disconnect");
  controller.send(CONV, "written while away");
  await settle();
  assert.equal(controller.pendingFor(CONV).length, 1);
  const cmid = controller.pendingFor(CONV)[0].cmid;
  t.fire("connect");
  await settle();
  assert.deepEqual(t.sent("send_message").map((p) => p.client_msg_id), [cmid]);
  assert.deepEqual(controller.pendingFor(CONV), []);
});

test("the retry rule: a fixable failure is retried with the same id, a refusal drops only that reply", async () => {
  let failures = 1;
  const { controller, view, clock, transport } = await atTheDesk({
    answers: {
      send_message: (p) => {
        if (p.text === "not mine any more") return { ok: false, error: { code: "not_owner", message: "only the owning agent may do that" } };
        if (p.text === "flaky" && failures-- > 0) return { ok: false, error: { code: "internal", message: "try again" } };
        return { ok: true, seq: p.text === "flaky" ? 8 : 9, duplicate: false };
      },
    },
  });
  const t = transport();
  controller.send(CONV, "flaky");
  controller.send(CONV, "not mine any more");
  controller.send(CONV, "after");
  await settle();
  assert.deepEqual(t.sent("send_message").map((p) => p.text), ["flaky"]); // held in order
  clock.advance(1000); // the backoff, while still connected
  await settle();
  const sent = t.sent("send_message");
  assert.deepEqual(sent.map((p) => p.text), ["flaky", "flaky", "not mine any more", "after"]);
  assert.equal(sent[0].client_msg_id, sent[1].client_msg_id);
  assert.ok(view.calls("announce").some(([text]) => text === "Not sent: only the owning agent may do that"));
  // The refused reply stays on screen as failed (never sent again) until edited or deleted.
  const [failed] = controller.pendingFor(CONV);
  assert.deepEqual([failed.text, failed.failed.code], ["not mine any more", "not_owner"]);
  clock.advance(60000);
  await settle();
  assert.equal(t.sent("send_message").length, 4);
  controller.editFailed(CONV, failed.cmid);
  assert.equal(controller.draft(CONV), "not mine any more");
  assert.deepEqual(controller.pendingFor(CONV), []);
});

test("live messages: appended when open, unread when not, a gap is fetched", async () => {
  const { controller, view, transport } = await atTheDesk();
  const t = transport();
  const entry = agentOut("conversation_message").entry;
  view.clear();
  t.fire("conversation_message", { conversation_id: CONV, entry: { ...entry, seq: 8, text: "any news?" } });
  assert.deepEqual(view.last("appendEntries")[0].map((e) => e.seq), [8]);
  t.fire("conversation_message", { conversation_id: CONV, entry: { ...entry, seq: 8, text: "any news?" } });
  assert.equal(view.count("appendEntries"), 1);
  t.fire("conversation_message", { conversation_id: CONV, entry: { ...entry, seq: 11, text: "hello?" } });
  await settle();
  assert.deepEqual(t.sent("get_conversation").at(-1), { conversation_id: CONV, after_seq: 8 });
  // Another conversation of mine, not open: an unread count.
  controller.desk.mine.add(OTHER);
  t.fire("conversation_message", { conversation_id: OTHER, entry: { ...entry, seq: 1 } });
  assert.equal(controller.desk.conversation(OTHER).unread, 1);
});

test("typing: throttled, stopped after a pause, on send and when turning to another conversation", async () => {
  const { controller, clock, transport } = await atTheDesk();
  const t = transport();
  const typing = () => t.emitted.filter(([e]) => e === "typing").map(([, p]) => [p.conversation_id, p.typing]);
  controller.draftChanged(CONV, "H");
  controller.draftChanged(CONV, "Hi");
  assert.deepEqual(typing(), [[CONV, true]]);
  clock.advance(3000);
  assert.deepEqual(typing(), [[CONV, true], [CONV, false]]);
  controller.draftChanged(CONV, "Hi t");
  controller.draftChanged(OTHER, "x");
  assert.deepEqual(typing().slice(2), [[CONV, true], [CONV, false], [OTHER, true]]);
  controller.send(OTHER, "x");
  assert.deepEqual(typing().at(-1), [OTHER, false]);
  assert.equal(controller.draft(OTHER), "");
  assert.equal(controller.draft(CONV), "Hi t");
});

test("the customer typing shows, and goes away after 15 s without news", async () => {
  const { controller, view, clock, transport } = await atTheDesk();
  transport().fire("customer_typing", agentOut("customer_typing"));
  assert.equal(controller.desk.conversation(CONV).customerTyping, true);
  assert.ok(view.count("renderTyping") >= 1);
  clock.advance(15000);
  assert.equal(controller.desk.conversation(CONV).customerTyping, false);
});

test("hand back, transfer and close: each asks the service, and the assignment events follow", async () => {
  const { controller, view, transport } = await atTheDesk();
  const t = transport();
  await controller.handBack(CONV);
  assert.deepEqual(t.sent("hand_back"), [{ conversation_id: CONV }]);
  assert.deepEqual(view.last("announce"), ["Handed back to the bot."]);

  assert.deepEqual((await controller.colleagues()).map((a) => a.name), ["Ben"]);
  assert.equal(await controller.transfer(CONV, "a_1b2c3d4e5f607182", "  Billing.  "), true);
  assert.deepEqual(t.sent("transfer"), [{ conversation_id: CONV, to_agent_id: "a_1b2c3d4e5f607182", note: "Billing." }]);

  const tooMany = Array.from({ length: 11 }, (_, i) => `t${i}`).join(", ");
  assert.equal(await controller.close(CONV, "Refunded.", tooMany), false); // refused, not cut
  assert.deepEqual(t.sent("close"), []);
  assert.equal(view.last("announce")[0], "At most 10 tags: you gave 11. Remove 1 to close.");
  assert.equal(await controller.close(CONV, " Refunded. ", "Billing, refund"), true);
  assert.deepEqual(t.sent("close"), [{ conversation_id: CONV, resolution: "Refunded.", tags: ["billing", "refund"] }]);
  assert.equal(view.count("closeDialog"), 2);
  assert.deepEqual(view.last("announce"), ["Closed. The customer is asked to rate the conversation."]);
  assert.equal(await controller.close(CONV, "Refunded.", "", true), true); // ask later if solved
  assert.deepEqual(t.sent("close").at(-1), { conversation_id: CONV, resolution: "Refunded.", tags: [], follow_up: true });
  assert.match(view.last("announce")[0], /later whether the problem was solved/);

  const stats = t.sent("get_stats").length;
  t.fire("conversation_unassigned", { conversation_id: CONV, reason: "closed" });
  assert.equal(controller.desk.mine.has(CONV), false);
  assert.equal(controller.desk.conversation(CONV).info.state, "closed");
  assert.equal(controller.canReply(CONV), false);
  assert.equal(t.sent("get_stats").length, stats + 1);
});

test("closed while on screen: the details are read again, with the resolution and the follow-up", async () => {
  const closed = { ...agentAck("watch").conversation, state: "closed", resolution: "Refunded.", tags: ["refund"], followup: "scheduled" };
  const { controller, transport } = await atTheDesk({ answers: { watch: () => ({ ...agentAck("watch"), conversation: closed }) } });
  const t = transport();
  t.fire("conversation_unassigned", { conversation_id: CONV, reason: "closed" });
  await settle();
  assert.deepEqual(t.sent("watch"), [{ conversation_id: CONV }]);
  const info = controller.desk.conversation(CONV).info;
  assert.equal(info.resolution, "Refunded.");
  assert.equal(info.followup, "scheduled");
});

test("a refused action is told and changes nothing", async () => {
  const { controller, view } = await atTheDesk({
    answers: { hand_back: () => ({ ok: false, error: { code: "not_owner", message: "only the owning agent may do that" } }) },
  });
  await controller.handBack(CONV);
  assert.deepEqual(view.last("announce"), ["only the owning agent may do that"]);
  assert.ok(controller.desk.mine.has(CONV));
});

test("conversation_updated replaces the details and re-renders the open conversation", async () => {
  const { controller, view, transport } = await atTheDesk();
  view.clear();
  const updated = agentOut("conversation_updated");
  transport().fire("conversation_updated", { conversation: { ...updated.conversation, language: "hr", state: "agent" } });
  const info = controller.desk.conversation(CONV).info;
  assert.equal(info.language, "hr");
  assert.equal(info.resolution, "Refunded");
  assert.equal(view.count("renderConversation"), 1);
  assert.ok(controller.desk.conversation(CONV).transcript.list().length > 0); // the transcript stays
});

test("a dropped connection: on reconnect the desk is asked again and each open conversation catches up", async () => {
  const { controller, view, transport } = await atTheDesk();
  const t = transport();
  // A queued conversation is open (watched) as well.
  t.fire("queue_added", { item: { ...agentOut("queue_added").item, conversation_id: OTHER } });
  t.answer = service({ watch: () => ({ ...agentAck("watch"), conversation: { ...agentAck("watch").conversation, conversation_id: OTHER, state: "queued" }, messages: [] }) });
  await controller.select(OTHER);
  t.fire("disconnect");
  assert.deepEqual(view.last("setConnected"), [false]);
  const before = t.requests.length;
  t.fire("connect");
  await settle();
  const again = t.requests.slice(before).map(([e, p]) => [e, p.conversation_id, p.after_seq]);
  assert.deepEqual(again[0], ["hello", undefined, undefined]);
  assert.ok(again.some(([e, id, after]) => e === "get_conversation" && id === CONV && after === 7));
  assert.ok(again.some(([e, id]) => e === "watch" && id === OTHER));
  assert.equal(controller.desk.selected, OTHER); // still open
});

test("opening another conversation stops watching the one that is not mine", async () => {
  const { controller, transport } = await atTheDesk();
  const t = transport();
  t.answer = service({ watch: () => ({ ...agentAck("watch"), conversation: { ...agentAck("watch").conversation, conversation_id: OTHER, state: "queued" }, messages: [] }) });
  await controller.select(OTHER);
  assert.deepEqual(t.sent("watch"), [{ conversation_id: OTHER }]);
  await controller.select(CONV);
  assert.deepEqual(t.sent("unwatch"), [{ conversation_id: OTHER }]);
});

test("the session ends: back to the login, token and unsent replies forgotten", async () => {
  const { controller, view, tokenStorage, transport } = await atTheDesk();
  const t = transport();
  t.fire("disconnect");
  controller.send(CONV, "unsent");
  t.fire("session_ended", agentOut("session_ended"));
  assert.deepEqual(view.last("showLogin"), ["You were logged out (disabled)."]);
  assert.equal(tokenStorage.getItem("tandem-console:token"), null);
  assert.equal(t.disconnected, true);
  assert.equal(controller.outbox.items().length, 0);
  assert.equal(controller.desk.mine.size, 0);
});

test("the queue's language filter: kept for this tab's session, forgotten on logout", async () => {
  const env = await atTheDesk();
  const { controller, view, tokenStorage, transport } = env;
  const item = agentOut("queue_added").item;
  transport().fire("queue_added", { item: { ...item, conversation_id: OTHER, language: "hr" } });
  transport().fire("queue_added", { item: { ...item, conversation_id: "c_queued0000000000000002", language: "en" } });
  view.clear();
  controller.setLanguageFilter("hr");
  assert.equal(view.count("renderLists"), 1);
  assert.deepEqual(controller.desk.filteredQueue().map((i) => i.conversation_id), [OTHER]);
  assert.equal(tokenStorage.getItem("tandem-console:queue-language"), "hr");
  // A reload of the tab: the same filter.
  const again = new ConsoleController({ view: recordingView(), login: async () => ({}), connect: () => new FakeTransport(), tokenStorage });
  assert.equal(again.desk.languageFilter, "hr");
  controller.setLanguageFilter("");
  assert.equal(controller.desk.filteredQueue().length, 2);
  controller.setLanguageFilter("hr");
  controller.logout();
  assert.equal(tokenStorage.getItem("tandem-console:queue-language"), null);
  assert.equal(controller.desk.languageFilter, "");
});

test("an unauthorized connect logs out with a reason", () => {
  const { controller, view, transport } = setup({ token: { token: "tok", expires_at: 1_764_999_999 } });
  controller.start();
  transport().fire("unauthorized", "invalid or expired token; log in again");
  assert.deepEqual(view.last("showLogin"), ["Your session has ended. Please log in again."]);
});

test("wait target: remembered in this browser, at least 10 s; a reservation running out re-renders", async () => {
  const { controller, view, clock, prefsStorage, transport } = await atTheDesk();
  assert.equal(controller.setWaitTarget(5), false);
  assert.equal(controller.setWaitTarget(60), true);
  assert.equal(prefsStorage.getItem("tandem-console:wait-target"), "60");
  const now = clock.now() / 1000;
  transport().fire("queue_added", { item: { ...agentOut("queue_added").item, conversation_id: OTHER, exclusive_until: now + 1.5 } });
  view.clear();
  clock.advance(1000);
  assert.equal(view.count("tick"), 1);
  clock.advance(1000);
  assert.equal(view.count("renderLists"), 1); // the Claim button may be enabled now
});

test("hello refused while Redis is down is asked again with backoff while connected; replies wait and go after", async () => {
  let down = true;
  const env = setup({
    token: { token: "tok", expires_at: 1_764_999_999 },
    answers: {
      hello: () => (down ? { ok: false, error: { code: "internal", message: "the server failed" } } : { ...agentAck("hello"), queue: [], tickets: [] }),
      send_message: () => (down ? { ok: false, error: { code: "internal", message: "could not store" } } : { ok: true, seq: 8, duplicate: false }),
    },
  });
  env.controller.start();
  const t = env.transport();
  t.fire("connect");
  await settle();
  env.controller.send(CONV, "typed during the outage");
  await settle();
  const hellos = () => t.sent("hello").length;
  assert.equal(hellos(), 1);
  assert.deepEqual(env.view.calls("setConnected"), []); // not "Connected" while the desk is down
  env.clock.advance(1000);
  await settle();
  assert.equal(hellos(), 2);
  env.clock.advance(2000);
  await settle();
  assert.equal(hellos(), 3);
  down = false;
  env.clock.advance(4000);
  await settle();
  assert.equal(hellos(), 4);
  assert.deepEqual(env.view.calls("setConnected"), [[true]]);
  assert.deepEqual(env.controller.pendingFor(CONV), []); // the reply went by itself
  assert.equal(t.sent("send_message").at(-1).text, "typed during the outage");
  env.clock.advance(60000);
  await settle();
  assert.equal(hellos(), 4);
});

test("agents notice: a new queued conversation, a customer writing in mine, a transfer to me, a long wait", async () => {
  const raised = [];
  const alerts = { raise: (alert, onClick) => raised.push({ ...alert, onClick }) };
  const { controller, transport, view } = await atTheDesk({ alerts });
  const t = transport();
  const item = { ...agentOut("queue_added").item, conversation_id: OTHER, contact: { name: "Sam", email: "sam@example.org" } };
  t.fire("queue_added", { item });
  assert.equal(raised.length, 1);
  assert.equal(raised[0].title, "Sam is waiting");
  assert.equal(raised[0].urgent, false);
  t.fire("queue_added", { item: { ...item, conversation_id: "c_ticket0000000000000001", state: "offline" } });
  assert.equal(raised.length, 1); // a ticket is not someone waiting
  // A customer message in my conversation (not the one on screen: alerted even when looking).
  const entry = { seq: 8, author: "customer", text: "Are you still there?", ts: 1764000100 };
  controller.desk.select(null);
  t.fire("conversation_message", { conversation_id: CONV, entry });
  assert.match(raised[1].title, / wrote$/);
  assert.equal(raised[1].body, "Are you still there?");
  assert.equal(raised[1].onlyIfAway, false);
  t.fire("conversation_message", { conversation_id: CONV, entry: { ...entry, seq: 9, author: "agent" } });
  assert.equal(raised.length, 2); // my own replies are not news
  // A colleague's transfer to me.
  const detail = { ...agentAck("get_conversation"), conversation: { ...agentAck("get_conversation").conversation, conversation_id: "c_transfer00000000000001" }, from_agent: { id: "a_2", name: "Ben" } };
  t.fire("conversation_assigned", detail);
  assert.match(raised[2].title, /^Ben transferred .* to you$/);
  // Waited past the limit: insistent, and the toast says what happens next.
  t.fire("queue_alert", { item, waited_s: 310, offline_in_s: 60 });
  assert.equal(raised[3].urgent, true);
  assert.equal(raised[3].title, "Sam has waited 5 min");
  assert.equal(view.last("announce")[0], "Sam has waited 5 min. Claim it, or they are offered the offline form in 60 s.");
  raised[0].onClick(); // the notification's click opens the conversation
  assert.equal(controller.desk.selected, OTHER);
});

test("emails to the customer: listed from the detail, updated by email_status, a transcript on request", async () => {
  const { controller, view, transport } = await atTheDesk({
    answers: { send_transcript: (p) => ({ ...agentAck("send_transcript"), sent: p }) },
  });
  const conv = controller.desk.conversation(CONV);
  assert.deepEqual([...conv.emails.values()].map((e) => e.status), ["sent"]); // from get_conversation
  view.clear();
  // The golden "retrying" is older than the "sent" the detail has: arriving late, it changes nothing.
  const retrying = agentOut("email_status");
  transport().fire("email_status", retrying);
  assert.equal(conv.emails.get(retrying.email.id).status, "sent");
  assert.equal(view.count("renderEmails"), 1);
  transport().fire("email_status", { ...retrying, email: { ...retrying.email, status: "failed", reason: "550 no such user", updated_at: 1764000100 } });
  assert.match(view.last("announce")[0], /failed: 550 no such user/);

  assert.equal(await controller.sendTranscript(CONV, " sam@example.com "), true);
  const sent = transport().requests.at(-1);
  assert.deepEqual(sent, ["send_transcript", { conversation_id: CONV, email: "sam@example.com" }]);
  assert.equal(conv.emails.get(agentAck("send_transcript").email.id).kind, "transcript");
});

test("suggestions: pushed ones replace older ones, one inserts for editing, the send reports used/edited/ignored", async () => {
  const { controller, view, transport } = await atTheDesk();
  const t = transport();
  const pushed = agentOut("suggestions"); // for seq 7, three sources
  assert.ok(t.sent("get_suggestions").length >= 1); // asked for when my conversation opened
  t.fire("suggestions", pushed);
  assert.ok(view.count("renderSuggestions") >= 1);
  t.fire("suggestions", { ...pushed, for_seq: 3, suggestions: [] }); // an older question: ignored
  const conv = controller.desk.conversation(CONV);
  assert.equal(conv.suggestions.suggestions.length, 3);

  const [faq, past, canned] = pushed.suggestions;
  const draft = controller.insertSuggestion(CONV, faq.id, "");
  assert.equal(draft, faq.text);
  assert.equal(controller.draft(CONV), faq.text);
  assert.equal(t.sent("send_message").length, 0); // inserting never sends
  controller.send(CONV, `${draft} Anything else?`);
  await settle();
  const [report] = t.sent("suggestion_feedback");
  assert.equal(report.conversation_id, CONV);
  assert.deepEqual(report.outcomes.map((r) => [r.suggestion_id, r.source, r.outcome]), [
    [faq.id, "faq", "edited"],
    [past.id, "past", "ignored"],
    [canned.id, "canned", "ignored"],
  ]);
  controller.send(CONV, "and another reply");
  await settle();
  assert.equal(t.sent("suggestion_feedback").length, 1); // told once per question

  t.fire("suggestions", { ...pushed, for_seq: 9 });
  controller.send(CONV, controller.insertSuggestion(CONV, past.id, ""));
  await settle();
  assert.deepEqual(t.sent("suggestion_feedback")[1].outcomes.map((r) => r.outcome), ["ignored", "used", "ignored"]);
});
