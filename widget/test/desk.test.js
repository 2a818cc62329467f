import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import {
  Desk,
  MAX_TAG_CHARS,
  MAX_TAGS,
  followUpByDefault,
  pageTitle,
  parseTags,
  statsRows,
  summaryRows,
  tagProblem,
  waitLevel,
} from "../src/console/desk.js";
import { closingRows, historyLine, offlineWhy, reservedText } from "../src/console/parts.js";
import { lengthCounter } from "../src/shared/format.js";
import { agentAck, agentOut } from "./golden.js";

test("hello fills the desk: me, my conversations, the queue and tickets", () => {
  const desk = new Desk();
  desk.applyHello(agentAck("hello"));
  assert.equal(desk.agent.name, "Ana");
  assert.deepEqual([...desk.mine], ["c_3OFZ6H02VNNdDuLN6-RDmw"]);
  assert.equal(desk.queueList().length, 1);
  assert.equal(desk.ticketList()[0].contact.email, "alice@example.com");
});

test("queue events arrive live: added (or replaced), moved to tickets, removed when claimed", () => {
  const desk = new Desk();
  desk.applyQueue({ queue: [], tickets: [] });
  const added = agentOut("queue_added").item;
  desk.queueAdded(added);
  desk.queueAdded({ ...added, preview: "updated" }); // the same item again: replaced by id
  assert.deepEqual(desk.queueList().map((i) => i.preview), ["updated"]);
  desk.queueAdded({ ...added, state: "offline", offline_reason: "wait_limit" });
  assert.equal(desk.queueList().length, 0);
  assert.equal(desk.ticketList().length, 1);
  desk.queueRemoved(agentOut("queue_removed"));
  assert.equal(desk.ticketList().length, 0);
});

test("longest waiting first, and eligibility follows routing's rule over time", () => {
  const desk = new Desk();
  desk.applyHello(agentAck("hello")); // Ana: en/de, billing
  const item = agentOut("queue_added").item;
  desk.applyQueue({ queue: [{ ...item, conversation_id: "c_b", queued_at: 20 }, { ...item, conversation_id: "c_a", queued_at: 10 }], tickets: [] });
  assert.deepEqual(desk.queueList().map((i) => i.conversation_id), ["c_a", "c_b"]);
  const french = { ...item, language: "fr", skill: "", exclusive_until: 100 };
  assert.equal(desk.eligible(french, 50), false); // reserved for French speakers for now
  assert.equal(desk.eligible(french, 100), true); // then anyone
  assert.equal(desk.eligible({ ...item, exclusive_until: 100 }, 50), true); // en + billing: Ana matches
  assert.equal(desk.eligible({ ...french, state: "offline" }, 50), true); // tickets: anyone
  // Related languages count as one, as routing does (contract/languages.yml): hr/bs/sr.
  desk.agent = { ...desk.agent, languages: ["en", "bs"] };
  assert.equal(desk.eligible({ ...french, language: "hr" }, 50), true);
  assert.equal(desk.eligible({ ...french, language: "sk" }, 50), false);
});

test("the queue filtered by language: the languages waiting, 'all' again, the title counts everyone", () => {
  const desk = new Desk();
  desk.applyHello(agentAck("hello")); // Ana: en/de
  const item = agentOut("queue_added").item;
  desk.applyQueue({
    queue: [
      { ...item, conversation_id: "c_hr", language: "hr", queued_at: 10 },
      { ...item, conversation_id: "c_en", language: "en", queued_at: 20 },
      { ...item, conversation_id: "c_hr2", language: "HR", queued_at: 30 },
      { ...item, conversation_id: "c_none", language: "", queued_at: 40 },
    ],
    tickets: [{ ...item, conversation_id: "c_ticket", state: "offline", language: "ta" }],
  });
  assert.deepEqual(desk.queueLanguages(), ["en", "hr"]); // the queue's, not the tickets'
  assert.equal(desk.filteredQueue().length, 4); // "" = all languages
  desk.setLanguageFilter("hr");
  assert.deepEqual(desk.filteredQueue().map((i) => i.conversation_id), ["c_hr", "c_hr2"]);
  assert.equal(desk.queueList().length, 4); // the queue itself is whole
  assert.equal(pageTitle(desk), "(4) Tandem console"); // the tab counts everyone waiting
  assert.equal(desk.ticketList().length, 1); // tickets are not filtered
  // The Croatian customers are claimed: the filter stays, and stays offered.
  desk.queueRemoved({ conversation_id: "c_hr", state: "agent" });
  desk.queueRemoved({ conversation_id: "c_hr2", state: "agent" });
  assert.deepEqual(desk.filteredQueue(), []);
  assert.deepEqual(desk.queueLanguages(), ["en", "hr"]);
  desk.setLanguageFilter("");
  assert.deepEqual(desk.queueLanguages(), ["en"]);
  assert.equal(desk.filteredQueue().length, 2);
  desk.setLanguageFilter(null);
  assert.equal(desk.languageFilter, "");
});

test("the rows of a language the agent speaks are marked; related languages count", () => {
  const desk = new Desk();
  assert.equal(desk.speaks({ language: "en" }), false); // nobody signed in yet
  desk.applyHello({ ...agentAck("hello"), agent: { ...agentAck("hello").agent, languages: ["en", "sr"] } });
  assert.equal(desk.speaks({ language: "en" }), true);
  assert.equal(desk.speaks({ language: "hr" }), true); // hr/bs/sr
  assert.equal(desk.speaks({ language: "ms" }), false);
  assert.equal(desk.speaks({ language: "" }), false);
  assert.equal(desk.speaks({}), false);
});

test("tickets say why, history says which language", () => {
  assert.equal(offlineWhy("no_speaker"), "nobody speaks the language");
  assert.equal(offlineWhy("no_agents"), "nobody online");
  assert.equal(offlineWhy("something_new"), "offline");
  const [conversation] = agentAck("get_history").conversations;
  assert.match(historyLine(conversation), / · agent · triaged · English \(en\)$/);
  assert.match(historyLine({ ...conversation, language: "hr", reason: "" }), / · agent · Croatian \(hr\)$/);
  assert.doesNotMatch(historyLine({ ...conversation, language: undefined }), /\(/); // older services: no language
});

test("the whole story: transcript, notes, and each customer message's intent and confidence", () => {
  const desk = new Desk();
  const detail = agentAck("get_conversation");
  const { conv, fresh } = desk.applyDetail(detail);
  assert.deepEqual(fresh.map((e) => e.seq), [4, 5, 6, 7]);
  assert.deepEqual(conv.nlu.get(4), { intent: "report_double_charge", confidence: 0.93 });
  assert.equal(conv.notes.size, 1);
  // Live entries; an overlapping reconnect answer adds nothing twice.
  const message = agentOut("conversation_message");
  assert.equal(desk.applyMessage(message.conversation_id, message.entry), false); // seq 4 again
  assert.equal(desk.applyMessage(message.conversation_id, { ...message.entry, seq: 8, text: "any news?" }), true);
  assert.equal(conv.unread, 1); // not the selected conversation
  desk.select(message.conversation_id);
  assert.equal(conv.unread, 0);
  desk.applyDetail(detail);
  assert.equal(conv.transcript.list().length, 5);
  desk.applyNote(message.conversation_id, agentOut("conversation_note").note);
  assert.equal(conv.notes.size, 1); // same note id
});

test("assigned and unassigned: transfers and closes move conversations in and out of mine", () => {
  const desk = new Desk();
  desk.applyHello({ ...agentAck("hello"), active: [] });
  const assigned = agentOut("conversation_assigned");
  desk.assigned(assigned);
  assert.equal(desk.mineList().length, 1);
  desk.unassigned(agentOut("conversation_unassigned")); // transferred
  assert.equal(desk.mineList().length, 0);
  assert.equal(desk.conversation(assigned.conversation.conversation_id).info.state, "agent");
  // An admin erased the customer's data on request: the conversation is closed and gone.
  desk.assigned(assigned);
  desk.unassigned({ conversation_id: assigned.conversation.conversation_id, reason: "erased" });
  assert.equal(desk.mineList().length, 0);
  assert.equal(desk.conversation(assigned.conversation.conversation_id).info.state, "closed");
});

test("wait colours against the target", () => {
  assert.equal(waitLevel(10, 120), "ok");
  assert.equal(waitLevel(60, 120), "warn");
  assert.equal(waitLevel(120, 120), "late");
  assert.equal(waitLevel(30, 0), "ok"); // no target: the default 120 s
});

test("stats panel rows from get_stats", () => {
  const stats = agentAck("get_stats").stats;
  const rows = Object.fromEntries(statsRows(stats, (s) => `${s}s`));
  assert.equal(rows["Conversations today"], "42");
  assert.equal(rows["Handoffs by reason"], "requested 5, triage 3, low_confidence 1");
  assert.equal(rows["Median wait"], "48.5s");
  assert.equal(rows["Median first response"], "71.25s");
  assert.equal(rows["CSAT average"], "4.6 / 5 (5)");
  const empty = Object.fromEntries(statsRows({ ...stats, median_wait_s: null, csat_average: null, handoffs_by_reason: {} }, String));
  assert.equal(empty["Median wait"], "—");
  assert.equal(empty["CSAT average"], "—");
  assert.equal(empty["Handoffs by reason"], "none yet");
  assert.equal(empty["Resolution confirmed"], "—"); // nobody answered the follow-up yet
  const confirmed = Object.fromEntries(
    statsRows({ ...stats, followup_yes: 3, followup_no: 1, resolution_confirmed_rate: 0.75 }, String),
  );
  assert.equal(confirmed["Resolution confirmed"], "75% (3 of 4)");
});

test("the close dialog asks to follow up by default for a conversation answered by email", () => {
  assert.equal(followUpByDefault({ contact: { email: "sam@example.org", name: "" } }, []), true);
  assert.equal(followUpByDefault({ contact: null }, [{ channel: "email" }]), true);
  assert.equal(followUpByDefault({ contact: null }, [{}]), false);
});

test("the triage summary in the service's words, not raw slot values", () => {
  const labels = {
    fields: {
      problem_category: { label: "Problem", values: { order_not_arrived: "Order not arrived" } },
      days_since_order: { label: "Ordered", text: "Ordered {value} days ago", values: { 1: "Ordered yesterday" } },
      charges_pending: { label: "Charges", values: { true: "One is pending" } },
    },
  };
  const summary = { problem_category: "order_not_arrived", days_since_order: 10, charges_pending: true, order_number: "TD-1" };
  assert.deepEqual(summaryRows(summary, labels), [
    ["Problem", "Order not arrived"],
    ["Ordered", "Ordered 10 days ago"],
    ["Charges", "One is pending"],
    ["Order number", "TD-1"], // no words for it: as before
  ]);
  assert.deepEqual(summaryRows({ days_since_order: 1, problem_category: "new_kind" }, labels), [
    ["Ordered", "Ordered yesterday"],
    ["Problem", "new_kind"],
  ]);
  assert.deepEqual(summaryRows({ toString: "x" }, labels), [["ToString", "x"]]); // own keys only
});

test("summary rows and tags", () => {
  assert.deepEqual(summaryRows(agentOut("queue_added").item.summary), [
    ["Problem category", "double_charge"],
    ["Order number", "TD-482913"],
    ["Contact email", "sam@example.com"],
    ["Skill", "billing"],
  ]);
  assert.deepEqual(parseTags("Billing, refund  late,billing"), ["billing", "refund", "late"]);
  // An eleventh tag was dropped silently: now all are kept, and refused with a reason.
  const eleven = parseTags(Array.from({ length: 11 }, (_, i) => `t${i}`).join(","));
  assert.equal(eleven.length, 11);
  assert.equal(tagProblem(eleven), "At most 10 tags: you gave 11. Remove 1 to close.");
  assert.equal(tagProblem(eleven.slice(0, 10)), "");
  assert.match(tagProblem(["x".repeat(33)]), /^A tag is at most 32 characters: "x+" has 33\.$/);
});

test("the console's tag limits are the service's", () => {
  const source = readFileSync(new URL("../../handoff/protocol/agent.py", import.meta.url), "utf8");
  assert.equal(Number(/^MAX_TAGS = (\d+)$/m.exec(source)?.[1]), MAX_TAGS);
  assert.equal(Number(/^MAX_TAG_CHARS = (\d+)$/m.exec(source)?.[1]), MAX_TAG_CHARS);
});

test("closing data you can read: tags, rating and comment in the story, CSAT by tag in the stats", () => {
  const closed = { resolution: "Refunded", tags: ["refund", "vip"], csat: 4, csat_comment: "Fast, but <b>one</b> thing" };
  assert.deepEqual(closingRows(closed), [
    ["Resolution", "Refunded"],
    ["Tags", "refund, vip"],
    ["Rating", "4 / 5"],
    ["Customer's comment", "“Fast, but <b>one</b> thing”"],
  ]);
  assert.deepEqual(closingRows({ resolution: "", tags: [], csat: null }), []);
  // Where the follow-up stands, as conversation_updated tells it live.
  const when = (/** @type {number} */ ts) => `@${ts}`;
  const followUp = (/** @type {any} */ info) => closingRows({ resolution: "", tags: [], csat: null, ...info }, when);
  assert.deepEqual(followUp({ followup: "scheduled", followup_due: 1700000000 }), [["Follow-up", "follow-up due @1700000000"]]);
  assert.deepEqual(followUp({ followup: "due", followup_due: 1700000000 }), [["Follow-up", "asked @1700000000; no answer yet"]]);
  assert.deepEqual(followUp({ followup: "yes" }), [["Follow-up", "confirmed solved"]]);
  assert.deepEqual(followUp({ followup: "no" }), [["Follow-up", "not solved: reopened"]]);
  const stats = { ...agentAck("get_stats").stats, csat_by_tag: { refund: { average: 4, count: 1 }, billing: { average: 3.5, count: 2 } } };
  const rows = statsRows(stats, String).map(([k, v]) => `${k}: ${v}`);
  assert.deepEqual(rows.slice(-2), ["CSAT · billing: 3.5 / 5 (2)", "CSAT · refund: 4.0 / 5 (1)"]);
});

test("a disabled Claim says why in words, and the message box counts near the limit", () => {
  const item = { ...agentOut("queue_added").item, language: "hr", skill: "billing", exclusive_until: 1764000062.25 };
  assert.match(reservedText(item), /^Reserved until \d\d:\d\d(:\d\d)? for agents who speak Croatian \(hr\) and have the skill billing; you can claim it then\.$/);
  assert.equal(reservedText({ ...item, language: "", skill: "", exclusive_until: 0 }), "Reserved for now for agents who match it; you can claim it then.");
  assert.deepEqual(lengthCounter(100, 4000), { text: "", over: false });
  assert.deepEqual(lengthCounter(3600, 4000), { text: "3,600 / 4,000", over: false });
  assert.deepEqual(lengthCounter(4001, 4000), { text: "4,001 / 4,000", over: true });
});
