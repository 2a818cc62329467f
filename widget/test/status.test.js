import assert from "node:assert/strict";
import { test } from "node:test";

import { describeWait, shortDuration } from "../src/shared/format.js";
import { isClientMsgId, newClientMsgId } from "../src/shared/ids.js";
import { translator } from "../src/widget/i18n.js";
import { applySession, applyStateChange, initialStatus, offlineMessageLeft, view } from "../src/widget/status.js";
import { customerOut } from "./golden.js";

const flags = { messageLeft: false, rated: false, offlineFormOpen: false };

test("tandem_state drives what the customer sees", () => {
  let status = applySession(initialStatus(), customerOut("tandem_session"));
  assert.equal(status.state, "agent");
  status = applyStateChange(status, customerOut("tandem_state"));
  assert.deepEqual(view(status, flags), {
    panel: "queued",
    title: "",
    subtitle: "Waiting for a person",
    detail: "You're number 2 in line (about 2 minutes).",
    canRequestAgent: false,
  });
  const closedHours = applyStateChange(status, {
    conversation_id: status.conversationId,
    state: "offline",
    offline_reason: "closed_hours",
    business_hours: "mon-fri 09:00-17:00 (UTC)",
  });
  assert.match(view(closedHours, flags).detail, /closed right now\. Our hours: mon-fri 09:00-17:00/);
  // A state of another (older) conversation is ignored.
  assert.equal(applyStateChange(status, { conversation_id: "c_other", state: "bot" }), status);
});

test("no_speaker: nobody online speaks the customer's language; the form, with its own words", () => {
  const status = applyStateChange(initialStatus(), {
    conversation_id: "c_1",
    state: "offline",
    reason: "language",
    offline_reason: "no_speaker",
  });
  const shown = view(status, flags);
  assert.equal(shown.panel, "offline-form");
  assert.equal(shown.subtitle, "Nobody who speaks your language is online right now.");
  assert.equal(
    shown.detail,
    "Nobody who speaks your language is online right now. Leave your email and a message and we'll get back to you.",
  );
  const hr = view(status, flags, translator("hr"));
  assert.equal(hr.subtitle, "Trenutno nije dostupan nitko tko govori vaš jezik.");
  // A reason this widget does not know yet still shows the form.
  const unknown = view({ ...status, offlineReason: "a_new_reason" }, flags);
  assert.equal(unknown.panel, "offline-form");
  assert.equal(unknown.subtitle, "Nobody is available right now.");
});

test("the offline form is done once a message was left in this offline stretch", () => {
  const queued = { seq: 1, author: "system", text: "", ts: 1, event: "queued" };
  const offline = { seq: 2, author: "system", text: "", ts: 2, event: "offline" };
  const left = { seq: 3, author: "system", text: "", ts: 3, event: "offline_message" };
  assert.equal(offlineMessageLeft([queued, offline]), false);
  assert.equal(offlineMessageLeft([queued, offline, left]), true);
  assert.equal(offlineMessageLeft([left, queued]), false);
});

test("formatting and ids", () => {
  assert.equal(describeWait(20), "under a minute");
  assert.equal(describeWait(120), "about 2 minutes");
  assert.equal(describeWait(3600), "about 1 hour");
  assert.equal(shortDuration(65), "1m 05s");
  assert.equal(shortDuration(3725), "1h 02m");
  const a = newClientMsgId("w");
  assert.ok(isClientMsgId(a));
  assert.notEqual(a, newClientMsgId("w"));
});
