import assert from "node:assert/strict";
import { test } from "node:test";

import { Transcript, displayText, entryFromBotUttered, safeImageUrl } from "../src/shared/transcript.js";
import { customerAck, customerOut } from "./golden.js";

test("a replay and live delivery overlap: every seq is kept once, in order", () => {
  const replay = customerOut("tandem_transcript");
  const t = new Transcript(replay.conversation_id);
  assert.deepEqual(t.applyMany(replay.messages).map((e) => e.seq), [5, 6, 7]);
  // The same entries again (a reconnect replay): nothing new.
  assert.deepEqual(t.applyMany(replay.messages), []);
  // Live: the agent's message as bot_uttered is the same seq 7.
  assert.equal(t.apply(entryFromBotUttered(customerOut("bot_uttered"))), false);
  assert.deepEqual(t.list().map((e) => e.seq), [5, 6, 7]);
});

test("gaps are visible until filled, whatever the arrival order", () => {
  const t = new Transcript("c_1");
  const own = customerOut("tandem_message").entry; // seq 4
  for (let seq = 1; seq <= 3; seq += 1) t.apply({ seq, author: "bot", text: `b${seq}`, ts: seq });
  t.apply(own);
  assert.equal(t.contiguous, 4);
  t.apply(entryFromBotUttered(customerOut("bot_uttered"))); // seq 7: 5 and 6 missing
  assert.equal(t.hasGap(), true);
  assert.equal(t.contiguous, 4);
  t.applyMany(customerAck("tandem_sync").messages); // 5, 6, 7
  assert.equal(t.hasGap(), false);
  assert.equal(t.contiguous, 7);
  assert.equal(t.hasClientMessage("m-4"), true);
});

test("bot_uttered becomes an entry: author, agent name, quick replies, images", () => {
  const agent = entryFromBotUttered(customerOut("bot_uttered"));
  assert.deepEqual(agent, { seq: 7, author: "agent", text: "Hi, I'm Ana. Let me check.", ts: 1764000060.25, agent_name: "Ana" });
  const bot = entryFromBotUttered({
    text: "Pick one",
    quick_replies: [{ content_type: "text", title: "Talk to a person", payload: "/request_human" }],
    attachment: { type: "image", payload: { src: "https://example.com/a.png" } },
    metadata: { tandem: { conversation_id: "c_1", seq: 2, author: "bot", ts: 1 } },
  });
  assert.deepEqual(bot.buttons, [{ title: "Talk to a person", payload: "/request_human" }]);
  assert.equal(bot.image, "https://example.com/a.png");
  assert.equal(entryFromBotUttered({ text: "no metadata" }), null); // cannot be placed in order
});

test("a clicked quick reply shows its title, not its payload", () => {
  const t = new Transcript("c_1");
  t.apply({ seq: 1, author: "bot", text: "Anything else?", ts: 1, buttons: [{ title: "Talk to a person", payload: "/request_human" }] });
  const clicked = { seq: 2, author: "customer", text: "/request_human", ts: 2 };
  const typed = { seq: 3, author: "customer", text: "/not-a-button", ts: 3 };
  t.applyMany([clicked, typed]);
  assert.equal(displayText(clicked, t), "Talk to a person");
  assert.equal(displayText(typed, t), "/not-a-button");
  const xss = { seq: 4, author: "customer", text: "<img src=x onerror=alert(1)>", ts: 4 };
  assert.equal(displayText(xss, t), "<img src=x onerror=alert(1)>"); // text stays text
});

test("only http(s) image URLs are used", () => {
  assert.equal(safeImageUrl("https://example.com/a.png"), "https://example.com/a.png");
  assert.equal(safeImageUrl("/static/a.png"), "/static/a.png");
  assert.equal(safeImageUrl("javascript:alert(1)"), null);
  assert.equal(safeImageUrl("data:image/svg+xml,<svg onload=alert(1)>"), null);
  assert.equal(safeImageUrl(undefined), null);
});
