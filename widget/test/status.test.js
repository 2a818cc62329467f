import assert from "node:assert/strict";
import { test } from "node:test";

import { describeWait, shortDuration } from "../src/shared/format.js";
import { isClientMsgId, newClientMsgId } from "../src/shared/ids.js";
import { translator } from "../src/widget/i18n.js";
import {
  applySession,
  applyStateChange,
  contactEmailField,
  formEmail,
  initialStatus,
  offlineMessageLeft,
  view,
} from "../src/widget/status.js";
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
  assert.equal(hr.subtitle, "Trenutno nije dostupan nitko tko govori Vaš jezik.");
  // A reason this widget does not know yet still shows the form.
  const unknown = view({ ...status, offlineReason: "a_new_reason" }, flags);
  assert.equal(unknown.panel, "offline-form");
  assert.equal(unknown.subtitle, "Nobody is available right now.");
});

test("the email the triage collected (contact_email) is kept for the conversation, if it is one", () => {
  const queued = applyStateChange(initialStatus(), { conversation_id: "c_1", state: "queued", queue_position: 1 });
  assert.equal(queued.contactEmail, undefined); // older services: no contact_email at all
  const offline = applyStateChange(queued, { conversation_id: "c_1", state: "offline", offline_reason: "no_agents", contact_email: " sam@example.com " });
  assert.equal(offline.contactEmail, "sam@example.com");
  const agent = applyStateChange(offline, { conversation_id: "c_1", state: "agent", agent_name: "Ana" });
  assert.equal(agent.contactEmail, "sam@example.com"); // a later state without it keeps it
  assert.equal(applyStateChange(queued, { conversation_id: "c_1", state: "offline", contact_email: "not an email" }).contactEmail, undefined);
  assert.equal(contactEmailField(42), null);
  assert.equal(contactEmailField(`${"a".repeat(250)}@b.cd`), null);
  assert.equal(applySession(offline, { conversation_id: "c_2", state: "bot" }).contactEmail, undefined); // a new conversation
});

test("the form's email: prefilled from the triage, never over what the customer typed", () => {
  assert.equal(formEmail(null, "sam@example.com"), "sam@example.com"); // the form appears
  assert.equal(formEmail(null, undefined), "");
  assert.equal(formEmail({ value: "mine@example.com", edited: true }, "sam@example.com"), "mine@example.com");
  assert.equal(formEmail({ value: "", edited: true }, "sam@example.com"), ""); // emptied on purpose
  assert.equal(formEmail({ value: "", edited: false }, "sam@example.com"), "sam@example.com"); // it came later
  assert.equal(formEmail({ value: "sam@example.com", edited: false }, undefined), "sam@example.com"); // a re-render keeps it
});

test("the offline form is done once a message was left in this offline stretch", () => {
  const queued = { seq: 1, author: "system", text: "", ts: 1, event: "queued" };
  const offline = { seq: 2, author: "system", text: "", ts: 2, event: "offline" };
  const left = { seq: 3, author: "system", text: "", ts: 3, event: "offline_message" };
  assert.equal(offlineMessageLeft([queued, offline]), false);
  assert.equal(offlineMessageLeft([queued, offline, left]), true);
  assert.equal(offlineMessageLeft([left, queued]), false);
});

test("after the message is left, a person can still be asked for", () => {
  const offline = applyStateChange(initialStatus(), { conversation_id: "c_1", state: "offline", offline_reason: "closed_hours" });
  const done = view(offline, { ...flags, messageLeft: true });
  assert.deepEqual(done, { panel: "offline-done", title: "", subtitle: "Message received", detail: "", canRequestAgent: true });
  const again = view(offline, { ...flags, messageLeft: true, askedAgain: true });
  assert.equal(again.panel, "offline-done");
  assert.match(again.detail, /^Still nobody is available\./);
  assert.equal(view(offline, flags).canRequestAgent, false); // the form itself is the answer
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

test("the wait, re-told as time passes, says honestly when the line is stuck", () => {
  let status = applyStateChange(initialStatus(), { conversation_id: "c_1", state: "queued", queue_position: 1, estimated_wait_s: 60 });
  assert.equal(view(status, flags).detail, "You're number 1 in line (about 1 minute).");
  status = applyStateChange(status, { conversation_id: "c_1", state: "queued", queue_position: 1, estimated_wait_s: 29 });
  assert.equal(view(status, flags).detail, "You're number 1 in line (under a minute).");
  status = applyStateChange(status, { conversation_id: "c_1", state: "queued", queue_position: 1, estimated_wait_s: 0, longer_than_usual: true });
  assert.equal(view(status, flags).detail, "You're number 1 in line (taking longer than usual).");
  // The line moved: the estimate holds again.
  status = applyStateChange(status, { conversation_id: "c_1", state: "queued", queue_position: 1, estimated_wait_s: 60 });
  assert.equal(view(status, flags).detail, "You're number 1 in line (about 1 minute).");
});
