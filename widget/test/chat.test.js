import assert from "node:assert/strict";
import { test } from "node:test";

import { Chat } from "../src/widget/chat.js";
import { ManualClock } from "./fakes.js";
import { customerAck, customerOut, memoryStorage } from "./golden.js";

/** A transport that records what the widget sends and answers acks from a script. */
class FakeTransport {
  constructor() {
    this.connected = false;
    this.emitted = [];
    this.requests = [];
    this.answer = () => ({ ok: true });
  }
  emit(event, payload) {
    if (this.connected) this.emitted.push([event, payload]);
  }
  async request(event, payload) {
    if (!this.connected) {
      const error = new Error("not connected");
      error.code = "offline";
      throw error;
    }
    this.requests.push([event, payload]);
    const ack = await this.answer(event, payload);
    if (ack && ack.ok) return ack;
    const error = new Error((ack && ack.error && ack.error.message) || "failed");
    error.code = (ack && ack.error && ack.error.code) || "timeout";
    throw error;
  }
}

/** Records what the widget would show. */
class FakeView {
  constructor() {
    this.entries = [];
    this.pending = [];
    this.typing = "";
    this.connected = null;
    this.status = null;
    this.quick = [];
    this.errors = [];
  }
  setConnected(v) { this.connected = v; }
  resetTranscript() { this.entries = []; }
  addEntries(entries) { this.entries.push(...entries); }
  setPending(items) { this.pending = items; }
  setTyping(text) { this.typing = text; }
  setQuickReplies(buttons) { this.quick = buttons; }
  setStatus(shown, status) { this.status = { shown, status }; }
  showError(text) { this.errors.push(text); }
  setLanguage(language, t, transcript) { this.language = language; this.t = t; this.relabelled = transcript.list(); }
}

const flushAll = () => new Promise((resolve) => setImmediate(resolve));
const noTimers = { schedule: () => 0, cancel: () => {} };
const session = customerOut("session_confirm");
const info = customerOut("tandem_session");

function connectedChat(storage = memoryStorage()) {
  const transport = new FakeTransport();
  const view = new FakeView();
  const chat = new Chat({ transport, storage, view, ...noTimers });
  return { transport, view, chat, storage };
}

function handshake(chat, transport, sessionInfo = info) {
  transport.connected = true;
  chat.onConnect();
  chat.onSessionConfirm(session);
  chat.onSession(sessionInfo);
}

test("first connect on a page asks for the whole conversation; the session id is kept", () => {
  const { chat, transport, storage } = connectedChat();
  transport.connected = true;
  chat.onConnect();
  assert.deepEqual(transport.emitted[0], ["session_request", { session_id: null, last_seq: 0 }]);
  chat.onSessionConfirm(session);
  assert.equal(storage.getItem("tandem:session"), session);
  // A reload: the stored session comes back; after a dropped connection only what was missed.
  const again = connectedChat(storage);
  handshake(again.chat, again.transport);
  assert.deepEqual(again.transport.emitted[0], ["session_request", { session_id: session, last_seq: 0 }]);
  again.chat.onTranscript(customerOut("tandem_transcript"));
  again.chat.onDisconnect();
  again.chat.onConnect();
  assert.deepEqual(again.transport.emitted.at(-1), ["session_request", { session_id: session, last_seq: 0 }]);
  // contiguous is 0 because the golden replay starts at 5: the widget asks again from the start
  assert.equal(again.chat.transcript.contiguous, 0);
});

test("messages written offline are kept, then delivered once each, in order, with their ids", async () => {
  const storage = memoryStorage();
  const { chat, transport, view } = connectedChat(storage);
  chat.send("first");
  chat.send("second");
  assert.deepEqual(view.pending.map((p) => p.text), ["first", "second"]);
  const saved = JSON.parse(storage.getItem("tandem:outbox"));
  assert.equal(saved.length, 2);

  // The page is reloaded while still offline: the outbox survives.
  const reloaded = connectedChat(storage);
  let seq = 3;
  reloaded.transport.answer = (event, payload) =>
    event === "user_uttered"
      ? { ...customerAck("user_uttered"), seq: ++seq, duplicate: payload.message === "first" } // "first" got through once already
      : { ok: true };
  handshake(reloaded.chat, reloaded.transport);
  await flushAll();
  const sent = reloaded.transport.requests.filter(([e]) => e === "user_uttered").map(([, p]) => p);
  assert.deepEqual(sent.map((p) => p.message), ["first", "second"]);
  assert.deepEqual(sent.map((p) => p.client_msg_id), saved.map((p) => p.cmid)); // same ids: stored once
  assert.equal(sent[0].session_id, session);
  assert.equal(storage.getItem("tandem:outbox"), null);
  assert.deepEqual(reloaded.view.pending, []);
  assert.deepEqual(reloaded.chat.transcript.list().map((e) => e.text), ["first", "second"]);
});

test("a message the server already has (seen in the replay) leaves the outbox", () => {
  const storage = memoryStorage();
  storage.setItem("tandem:outbox", JSON.stringify([{ cmid: "m-4", text: "I was charged twice", created: 1 }]));
  const { chat, transport } = connectedChat(storage);
  transport.answer = () => new Promise(() => {}); // the resend's ack never comes
  handshake(chat, transport);
  chat.onMessage(customerOut("tandem_message")); // another tab's copy, cmid m-4
  assert.equal(storage.getItem("tandem:outbox"), null);
});

test("a message the server refuses for good is shown failed, with why, to edit or delete", async () => {
  const { chat, transport, view, storage } = connectedChat();
  transport.answer = () => ({ ok: false, error: { code: "too_long", message: "message is longer than 4000 characters" } });
  handshake(chat, transport);
  chat.send("x".repeat(5000));
  chat.send("y".repeat(5000));
  await flushAll();
  assert.equal(view.pending.length, 2);
  assert.match(view.pending[0].failed, /longer than 4000/);
  assert.equal(transport.requests.filter(([e]) => e === "user_uttered").length, 2); // each sent once
  // Edit: its text goes back to the message box; delete: gone. Neither is sent again.
  assert.equal(chat.editFailed(view.pending[0].cmid), "x".repeat(5000));
  chat.deleteFailed(view.pending[0].cmid);
  assert.deepEqual(view.pending, []);
  assert.equal(storage.getItem("tandem:outbox"), null);
  assert.deepEqual(view.errors, []);
});

test("the handoff as the customer lives it: queued, offline form, agent, typing, closed, CSAT", async () => {
  const storage = memoryStorage();
  const { chat, transport, view } = connectedChat(storage);
  handshake(chat, transport, { ...info, state: "bot" });
  assert.equal(view.status.shown.canRequestAgent, true);

  chat.onState(customerOut("tandem_state")); // queued, position 2, 120 s
  assert.equal(view.status.shown.panel, "queued");
  assert.match(view.status.shown.detail, /number 2 in line \(about 2 minutes\)/);
  chat.openOfflineForm(true);
  assert.equal(view.status.shown.panel, "offline-form");
  chat.openOfflineForm(false);

  chat.onState({ conversation_id: info.conversation_id, state: "agent", agent_name: "Ana" });
  assert.equal(view.status.shown.title, "Ana");
  chat.onTyping(customerOut("tandem_typing"));
  assert.equal(view.typing, "Ana is typing…");
  chat.onBotUttered(customerOut("bot_uttered")); // Ana's message clears her typing dots
  assert.equal(view.typing, "");

  // The customer typing is throttled: one "true", then "false" when they send.
  chat.typing();
  chat.typing();
  chat.send("thanks");
  const typing = transport.emitted.filter(([e]) => e === "tandem_typing").map(([, p]) => p.typing);
  assert.deepEqual(typing, [true, false]);

  chat.onState({ conversation_id: info.conversation_id, state: "closed", csat_requested: true });
  assert.equal(view.status.shown.panel, "csat");
  assert.equal(await chat.rate(5, "Quick and kind."), null);
  assert.deepEqual(transport.requests.at(-1), ["tandem_csat", { rating: 5, comment: "Quick and kind." }]);
  assert.equal(view.status.shown.panel, "csat-done");
});

test("the follow-up after a close: asked with the service's words, yes thanked, no reopens", async () => {
  const { chat, transport, view } = connectedChat();
  handshake(chat, transport, { ...info, state: "closed" });
  const question = customerOut("tandem_followup");
  chat.onFollowUp({ ...question, conversation_id: "c_another" }); // about another one: stale
  assert.notEqual(view.status.shown.panel, "followup");
  chat.onFollowUp(question);
  assert.equal(view.status.shown.panel, "followup");
  assert.deepEqual(view.status.shown.followup, question);

  transport.answer = (event) =>
    event === "tandem_followup_answer" ? { ok: true, conversation_id: info.conversation_id, state: "closed", text: "Thanks for letting us know!" } : { ok: true };
  assert.equal(await chat.answerFollowUp(true), null);
  assert.deepEqual(transport.requests.at(-1), ["tandem_followup_answer", { conversation_id: info.conversation_id, solved: true }]);
  assert.equal(view.status.shown.panel, "followup-done");
  assert.equal(view.status.shown.detail, "Thanks for letting us know!");

  // "No": the ack says it reopened, and the new state takes the panel over.
  chat.onFollowUp(question);
  transport.answer = () => customerAck("tandem_followup_answer");
  assert.equal(await chat.answerFollowUp(false), null);
  assert.deepEqual(transport.requests.at(-1)[1], { conversation_id: info.conversation_id, solved: false });
  chat.onState({ conversation_id: info.conversation_id, state: "queued", queue_position: 1, estimated_wait_s: 30 });
  assert.equal(view.status.shown.panel, "queued");
  chat.onState({ conversation_id: info.conversation_id, state: "closed" }); // closed again later
  assert.equal(view.status.shown.panel, "none"); // nothing left to ask or thank for
});

test("a follow-up that comes before the rating waits for it: the rating first, then the follow-up", async () => {
  const { chat, transport, view } = connectedChat();
  handshake(chat, transport, { ...info, state: "agent" });
  chat.onState({ conversation_id: info.conversation_id, state: "closed", csat_requested: true });
  chat.onFollowUp(customerOut("tandem_followup")); // TANDEM_FOLLOWUP_HOURS=0: at once
  assert.equal(view.status.shown.panel, "csat");
  assert.equal(await chat.rate(4, ""), null);
  assert.equal(view.status.shown.panel, "followup");
});

test("a follow-up answered in another tab is not asked again", async () => {
  const { chat, transport, view } = connectedChat();
  handshake(chat, transport, { ...info, state: "closed" });
  chat.onFollowUp(customerOut("tandem_followup"));
  transport.answer = () => ({ ok: false, error: { code: "invalid_state", message: "this was answered already" } });
  assert.equal(await chat.answerFollowUp(true), null);
  assert.notEqual(view.status.shown.panel, "followup");
});

test("offline: the form shows until a message is left, then a confirmation", async () => {
  const { chat, transport, view } = connectedChat();
  handshake(chat, transport, { ...info, state: "bot" });
  chat.onState({ conversation_id: info.conversation_id, state: "offline", offline_reason: "no_agents" });
  assert.equal(view.status.shown.panel, "offline-form");
  assert.match(view.status.shown.detail, /Nobody is available/);
  transport.answer = () => customerAck("tandem_offline_message");
  assert.equal(await chat.leaveMessage({ email: "alice@example.com", name: "Alice", message: "Please email me." }), null);
  assert.deepEqual(transport.requests.at(-1)[1], { email: "alice@example.com", message: "Please email me.", name: "Alice" });
  chat.onBotUttered({
    text: "Thanks! We'll email you at alice@example.com.",
    metadata: { tandem: { conversation_id: info.conversation_id, seq: 9, author: "system", ts: 1, event: "offline_message" } },
  });
  assert.equal(view.status.shown.panel, "offline-done");
});

test("'Talk to a person' stays after an offline message: a click asks again, the confirmation stays", async () => {
  const { chat, transport, view } = connectedChat();
  handshake(chat, transport, { ...info, state: "bot" });
  chat.onState({ conversation_id: info.conversation_id, state: "offline", offline_reason: "no_agents" });
  assert.equal(view.status.shown.canRequestAgent, false); // the form is the answer for now
  transport.answer = () => customerAck("tandem_offline_message");
  await chat.leaveMessage({ email: "alice@example.com", message: "Please email me." });
  chat.onBotUttered({
    text: "Thanks! We'll email you at alice@example.com.",
    metadata: { tandem: { conversation_id: info.conversation_id, seq: 9, author: "system", ts: 1, event: "offline_message" } },
  });
  assert.equal(view.status.shown.panel, "offline-done");
  assert.equal(view.status.shown.canRequestAgent, true);
  assert.equal(view.status.shown.detail, "");

  // Still nobody: the service leaves it offline; the customer is told, the confirmation stays.
  transport.answer = () => ({ ...customerAck("tandem_request_agent"), state: "offline" });
  assert.equal(await chat.requestAgent(), "offline");
  assert.deepEqual(transport.requests.at(-1), ["tandem_request_agent", {}]);
  assert.equal(view.status.shown.panel, "offline-done");
  assert.equal(view.status.shown.canRequestAgent, true);
  assert.equal(view.status.shown.detail, "Still nobody is available. We have your message and will get back to you.");
  assert.equal(view.entries.at(-1).event, "offline_message");

  // Someone came online: the service queues it (tandem_state); the note goes, the line shows.
  transport.answer = () => customerAck("tandem_request_agent"); // "queued"
  assert.equal(await chat.requestAgent(), "queued");
  chat.onState({ conversation_id: info.conversation_id, state: "queued", reason: "requested", queue_position: 1, estimated_wait_s: 30 });
  chat.onBotUttered({
    text: "Thanks for waiting.",
    metadata: { tandem: { conversation_id: info.conversation_id, seq: 10, author: "system", ts: 2, event: "queued" } },
  });
  assert.equal(view.status.shown.panel, "queued");
  assert.equal(chat.askedAgain, false);
});

test("no_speaker is handled like no_agents: the message form, in the customer's language", async () => {
  const { chat, transport, view } = connectedChat();
  handshake(chat, transport, { ...info, state: "bot" });
  chat.onState({ conversation_id: info.conversation_id, state: "offline", reason: "language", offline_reason: "no_speaker", language: "ru" });
  assert.equal(view.language, "ru");
  assert.equal(view.status.shown.panel, "offline-form");
  assert.match(view.status.shown.detail, /^Сейчас в сети нет сотрудников, говорящих на вашем языке\. /);
  transport.answer = () => customerAck("tandem_offline_message");
  assert.equal(await chat.leaveMessage({ email: "ivan@example.com", message: "Жду ответа." }), null);
  assert.deepEqual(transport.requests.at(-1), ["tandem_offline_message", { email: "ivan@example.com", message: "Жду ответа." }]);
});

test("the triage's email (tandem_state contact_email) reaches the view to prefill the form", () => {
  const { chat, transport, view } = connectedChat();
  handshake(chat, transport, { ...info, state: "bot" });
  chat.onState({ conversation_id: info.conversation_id, state: "offline", offline_reason: "no_agents", contact_email: "sam@example.com" });
  assert.equal(view.status.shown.panel, "offline-form");
  assert.equal(view.status.status.contactEmail, "sam@example.com");
  // The golden tandem_state has no contact_email: nothing is prefilled, nothing breaks.
  const other = connectedChat();
  handshake(other.chat, other.transport, { ...info, state: "bot" });
  other.chat.onState({ ...customerOut("tandem_state"), state: "offline", offline_reason: "no_agents" });
  assert.equal(other.view.status.shown.panel, "offline-form");
  assert.equal(other.view.status.status.contactEmail, undefined);
});

test("a new conversation (after a close) starts a fresh transcript and fetches it from seq 1", () => {
  const { chat, transport, view } = connectedChat();
  handshake(chat, transport);
  chat.onTranscript(customerOut("tandem_transcript"));
  assert.equal(view.entries.length, 3);
  chat.onSession({ ...info, conversation_id: "c_new", state: "bot", last_seq: 2 });
  assert.equal(view.entries.length, 0);
  assert.equal(chat.transcript.conversationId, "c_new");
  assert.deepEqual(transport.requests.at(-1), ["tandem_sync", { after_seq: 0 }]);
  // Entries of the old conversation arriving late are not mixed in.
  chat.onBotUttered(customerOut("bot_uttered"));
  assert.equal(view.entries.length, 0);
});

test("quick replies show under the bot's last message only, and send their payload", () => {
  const { chat, transport, view } = connectedChat();
  handshake(chat, transport, { ...info, state: "bot" });
  const buttons = [{ content_type: "text", title: "Talk to a person", payload: "/request_human" }];
  chat.onBotUttered({ text: "Anything else?", quick_replies: buttons, metadata: { tandem: { conversation_id: info.conversation_id, seq: 1, author: "bot", ts: 1 } } });
  assert.deepEqual(view.quick, [{ title: "Talk to a person", payload: "/request_human" }]);
  transport.connected = false; // keep it pending to see what is shown
  chat.send("/request_human", "Talk to a person");
  assert.deepEqual(view.pending.map((p) => p.text), ["Talk to a person"]);
  chat.onMessage({ conversation_id: info.conversation_id, entry: { seq: 2, author: "customer", text: "hello", ts: 2 } });
  assert.deepEqual(view.quick, []);
});

test("the bot is 'typing' from the customer's stored message until its answer", async () => {
  const { chat, transport, view } = connectedChat();
  transport.answer = (event) => (event === "user_uttered" ? { ...customerAck("user_uttered"), seq: 1 } : { ok: true });
  handshake(chat, transport, { ...info, state: "bot" });
  chat.send("how long does delivery take?");
  await flushAll();
  assert.equal(view.typing, "The assistant is typing…");
  chat.onBotUttered({ text: "3-5 days.", metadata: { tandem: { conversation_id: info.conversation_id, seq: 2, author: "bot", ts: 2 } } });
  assert.equal(view.typing, "");
  // With a person on the conversation, the customer's messages do not make the bot "type".
  chat.onState({ conversation_id: info.conversation_id, state: "agent", agent_name: "Ana" });
  transport.answer = () => ({ ...customerAck("user_uttered"), seq: 3 });
  chat.send("hello Ana");
  await flushAll();
  assert.equal(view.typing, "");
});

test("'Talk to a person' asks the service, which answers with the new state", async () => {
  const { chat, transport, view } = connectedChat();
  handshake(chat, transport, { ...info, state: "bot" });
  transport.answer = () => customerAck("tandem_request_agent");
  assert.equal(await chat.requestAgent(), "queued");
  transport.connected = false;
  assert.equal(await chat.requestAgent(), null);
  assert.match(view.errors.at(-1), /offline/);
});

test("the outbox's one rule in the widget: a server failure is retried while connected, a refusal does not block", async () => {
  const clock = new ManualClock();
  const transport = new FakeTransport();
  const view = new FakeView();
  const chat = new Chat({ transport, storage: memoryStorage(), view, schedule: clock.schedule, cancel: clock.cancel, random: () => 0.5 });
  let failOnce = true;
  let seq = 0;
  transport.answer = (event, payload) => {
    if (event !== "user_uttered") return { ok: true };
    if (payload.message === "first" && failOnce) {
      failOnce = false;
      return { ok: false, error: { code: "internal", message: "the server failed" } };
    }
    if (payload.message === "refused") return { ok: false, error: { code: "not_allowed_any_more", message: "no" } };
    return { ...customerAck("user_uttered"), seq: ++seq };
  };
  handshake(chat, transport);
  chat.send("first");
  chat.send("refused");
  chat.send("third");
  await flushAll();
  assert.deepEqual(view.pending.map((p) => p.text), ["first", "refused", "third"]); // waiting, in order
  clock.advance(1000);
  await flushAll();
  const sent = transport.requests.filter(([e]) => e === "user_uttered").map(([, p]) => p.message);
  assert.deepEqual(sent, ["first", "first", "refused", "third"]);
  assert.deepEqual(chat.transcript.list().map((e) => e.text), ["first", "third"]);
  // The service's reason is English; what the customer reads is in their language.
  assert.deepEqual(view.pending.map((p) => [p.text, p.failed]), [["refused", "This message could not be sent."]]);
});

test("opened while Redis is down: 'reconnecting…' until session_request works, asked again with backoff", async () => {
  const clock = new ManualClock();
  const transport = new FakeTransport();
  const view = new FakeView();
  const chat = new Chat({ transport, storage: memoryStorage(), view, schedule: clock.schedule, cancel: clock.cancel, random: () => 0.5 });
  transport.connected = true;
  chat.onConnect();
  assert.equal(view.connected, false); // the socket is up, the session is not: not yet
  const asked = () => transport.emitted.filter(([e]) => e === "session_request").length;
  assert.equal(asked(), 1);
  // The service refuses it (`internal`: Redis is down). Meanwhile the customer writes.
  chat.onError({ code: "internal", message: "the server failed", event: "session_request" });
  chat.send("typed during the outage");
  await flushAll();
  assert.equal(transport.requests.length, 0); // no session yet: it waits, shown as sending
  assert.deepEqual(view.pending.map((p) => p.text), ["typed during the outage"]);
  clock.advance(1000);
  assert.equal(asked(), 2);
  chat.onError({ code: "internal", message: "the server failed", event: "session_request" });
  clock.advance(1999);
  assert.equal(asked(), 2);
  clock.advance(1);
  assert.equal(asked(), 3);
  // A service that cannot answer at all (Redis frozen): asked again after the answer's wait.
  clock.advance(10000);
  assert.equal(asked(), 4);
  assert.equal(view.connected, false);
  // Redis is back: the session comes up by itself, and the message goes without another one.
  transport.answer = (event) => (event === "user_uttered" ? customerAck("user_uttered") : { ok: true });
  chat.onSessionConfirm(session);
  chat.onSession(info);
  await flushAll();
  assert.equal(view.connected, true);
  assert.deepEqual(transport.requests.map(([e, p]) => [e, p.message]), [["user_uttered", "typed during the outage"]]);
  assert.deepEqual(view.pending, []);
  clock.advance(60000);
  assert.equal(asked(), 4); // nothing more once it worked
});

test("chatting when Redis goes down: 'reconnecting…' while messages fail, sent by the timer when it is back", async () => {
  const clock = new ManualClock();
  const transport = new FakeTransport();
  const view = new FakeView();
  const chat = new Chat({ transport, storage: memoryStorage(), view, schedule: clock.schedule, cancel: clock.cancel, random: () => 0.5 });
  handshake(chat, transport);
  assert.equal(view.connected, true);
  let down = true;
  transport.answer = () => (down ? { ok: false, error: { code: "internal", message: "could not store" } } : customerAck("user_uttered"));
  chat.send("while it is down");
  await flushAll();
  assert.equal(view.connected, false);
  for (const delay of [1000, 2000, 4000, 8000, 15000, 15000]) {
    clock.advance(delay);
    await flushAll();
  }
  assert.equal(transport.requests.length, 7);
  down = false;
  clock.advance(15000);
  await flushAll();
  assert.equal(transport.requests.length, 8);
  assert.deepEqual(view.pending, []);
  assert.equal(view.connected, true);
  assert.deepEqual(chat.transcript.list().map((e) => e.text), ["while it is down"]);
});

test("a dropped connection: no session until it is asked again; messages wait for it", async () => {
  const clock = new ManualClock();
  const transport = new FakeTransport();
  const view = new FakeView();
  const chat = new Chat({ transport, storage: memoryStorage(), view, schedule: clock.schedule, cancel: clock.cancel, random: () => 0.5 });
  handshake(chat, transport);
  transport.connected = false;
  chat.onDisconnect();
  assert.equal(view.connected, false);
  transport.connected = true;
  chat.onConnect();
  chat.send("after the reconnect");
  await flushAll();
  assert.equal(transport.requests.length, 0); // not before this connection's session
  assert.equal(view.connected, false);
  chat.onSession(info);
  await flushAll();
  assert.equal(transport.requests.length, 1);
});

test("the transcript by email: to the address the service knows, else the customer gives one", async () => {
  const { chat, transport, view } = connectedChat();
  handshake(chat, transport, { ...info, email: true });
  assert.equal(view.status.status.emailOn, true); // the view may offer it, and promise email
  let known = false;
  transport.answer = (event, payload) => {
    if (event !== "tandem_email_transcript") return { ok: true };
    if (!payload.email && !known) return { ok: false, error: { code: "bad_request", message: "no email address is known" } };
    known = true;
    return customerAck("tandem_email_transcript");
  };
  assert.deepEqual(await chat.emailTranscript(), { text: "", needEmail: true });
  const sent = await chat.emailTranscript("sam@example.com");
  assert.equal(sent.text, "The transcript is on its way to s***@example.com.");
  assert.deepEqual(transport.requests.at(-1), ["tandem_email_transcript", { email: "sam@example.com" }]);
  assert.equal((await chat.emailTranscript()).sent, true);
});

test("without email on the service, nothing in the widget promises it", () => {
  const { chat, transport, view } = connectedChat();
  handshake(chat, transport);
  assert.equal(view.status.status.emailOn, false);
  chat.onState({ conversation_id: info.conversation_id, state: "offline", offline_reason: "no_agents" });
  assert.equal(view.status.shown.panel, "offline-form");
  assert.doesNotMatch(view.status.shown.detail, /email\./);
  assert.match(view.status.shown.detail, /we'll get back to you/);
  const on = connectedChat();
  handshake(on.chat, on.transport, { ...info, email: true });
  on.chat.onState({ conversation_id: info.conversation_id, state: "offline", offline_reason: "no_agents" });
  assert.match(on.view.status.shown.detail, /we'll answer by email/);
});
