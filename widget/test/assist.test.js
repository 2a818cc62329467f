import assert from "node:assert/strict";
import { test } from "node:test";

import { fillPlaceholders, glance, outcomes, replaceShortcut, shortcutMatches, typedShortcut, waitedText } from "../src/console/assist.js";
import { statsRows } from "../src/console/desk.js";
import { agentAck, agentOut } from "./golden.js";

const CANNED = [
  { id: "greeting", title: "Greeting", text: "Hi {name}, thanks for waiting!", language: "en", tags: ["opening"], shortcut: "hi" },
  { id: "greeting_hr", title: "Pozdrav", text: "Pozdrav {name}, hvala!", language: "hr", tags: ["opening"], shortcut: "hi" },
  { id: "order_found", title: "Order found", text: "I've found order {order_number}.", language: "en", tags: ["orders"], shortcut: "found" },
  { id: "refund_started", title: "Refund started", text: "I've started your refund.", language: "en", tags: ["billing"] },
];

test("outcomes: the inserted suggestion used (spacing aside) or edited, the others ignored", () => {
  const shown = agentOut("suggestions").suggestions;
  const inserted = { id: shown[1].id, text: shown[1].text };
  assert.deepEqual(outcomes(shown, inserted, ` ${shown[1].text}\n`).map((o) => o.outcome), ["ignored", "used", "ignored"]);
  assert.deepEqual(outcomes(shown, inserted, `${shown[1].text} Thanks!`).map((o) => o.outcome), ["ignored", "edited", "ignored"]);
  assert.deepEqual(outcomes(shown, null, "my own words").map((o) => o.outcome), ["ignored", "ignored", "ignored"]);
});

test("/shortcut: the word being typed, the conversation's variant, search in titles and text", () => {
  assert.equal(typedShortcut("/h"), "h");
  assert.equal(typedShortcut("thanks! /Fou"), "fou");
  assert.equal(typedShortcut("see http://x/y"), null); // a path in a word is no shortcut
  assert.equal(typedShortcut("/hi there"), null);
  assert.deepEqual(shortcutMatches(CANNED, "h", "hr").map((m) => [m.key, m.id]), [["hi", "greeting_hr"]]);
  assert.deepEqual(shortcutMatches(CANNED, "h", "ru").map((m) => m.id), ["greeting"]); // no Russian variant: English
  assert.deepEqual(shortcutMatches(CANNED, "refund", "en").map((m) => m.key), ["refund_started"]); // no shortcut: its id
  assert.deepEqual(shortcutMatches(CANNED, "order", "en").map((m) => m.key), ["found"]); // found in the title
  assert.equal(shortcutMatches(CANNED, "", "en").length, 3);
  assert.equal(replaceShortcut("Thanks. /fo", "I've found it."), "Thanks. I've found it.");
});

test("placeholders: the name (dropped when unknown) and triage fields; unknown ones stay", () => {
  const info = { contact: { name: "Ana", email: "a@example.com" }, summary: { order_number: "TD-123456" } };
  assert.equal(fillPlaceholders("Hi {name}, order {order_number}.", info), "Hi Ana, order TD-123456.");
  assert.equal(fillPlaceholders("Hi {name}, order {order_number}.", { summary: {} }), "Hi, order {order_number}.");
});

test("the one-glance summary: why, what they want, what the bot said, how long they waited", () => {
  const info = { ...agentAck("get_conversation").conversation };
  const entries = [
    { seq: 1, author: "customer", text: "where   is my parcel? it has been a week", ts: 1 },
    { seq: 2, author: "bot", text: "Standard delivery takes 3–5 business days.", ts: 2, nlu: { seq: 1, intent: "faq/shipping_time", confidence: 0.9 } },
    { seq: 3, author: "customer", text: "I want a human", ts: 3 },
    // As the service stores it: the handoff payload is the service's, not in the entry.
    { seq: 4, author: "bot", text: "I'm bringing in a person.", ts: 4, nlu: { seq: 3, intent: "request_human", confidence: 1 } },
    { seq: 5, author: "system", text: "Thanks for waiting. You're number 1 in line.", ts: 5, event: "queued" },
  ];
  const queued = { ...info, reason: "requested", summary: {}, state: "queued", queued_at: 1000, claimed_at: null };
  assert.deepEqual(glance(queued, entries, 1095), {
    why: "asked for a person",
    wants: "where is my parcel? it has been a week",
    botSaid: "Standard delivery takes 3–5 business days.", // not its handoff message
    waited: "1 min 35 s so far",
  });
  const triaged = { ...queued, reason: "triage", summary: { problem_category: "delivery", problem_description: "Parcel TD-1 never came" }, state: "agent", claimed_at: 1030 };
  const seen = glance(triaged, entries, 5000);
  assert.equal(seen.why, "triaged · delivery");
  assert.equal(seen.wants, "Parcel TD-1 never came");
  assert.equal(seen.waited, "30 s before a person took it");
  assert.equal(glance({}, [], 10).botSaid, "Nothing yet.");
  // Nobody could come: the turn before the offline notice is the handoff too.
  const offline = [...entries.slice(0, 3), { seq: 6, author: "bot", text: "Let me find someone.", ts: 6 }, { seq: 7, author: "system", text: "Nobody is available.", ts: 7, event: "offline" }];
  assert.equal(glance(queued, offline, 10).botSaid, "Standard delivery takes 3–5 business days.");
  // The "Talk to a person" button right after an FAQ answer: no handoff turn, the answer stays.
  const button = [...entries.slice(0, 2), { seq: 3, author: "system", text: "You're number 1 in line.", ts: 3, event: "queued" }];
  assert.equal(glance(queued, button, 10).botSaid, "Standard delivery takes 3–5 business days.");
  assert.equal(glance({ summary: {} }, [{ seq: 1, author: "customer", text: "x ".repeat(200), ts: 1 }], 10).wants.length <= 161, true);
  assert.equal(waitedText(7322), "2 h 2 min");
});

test("stats: suggestion outcomes by source", () => {
  const rows = statsRows(agentAck("get_stats").stats, (s) => `${s} s`);
  assert.deepEqual(rows.filter(([k]) => k.startsWith("Suggestions")), [
    ["Suggestions · bot's FAQ answer", "4 used, 2 edited, 1 ignored"],
    ["Suggestions · past reply", "1 used, 3 edited, 2 ignored"],
  ]);
});
