import assert from "node:assert/strict";
import { test } from "node:test";

import { MAIL_POLL_MS, MailController, mailApi } from "../src/console/mail.js";

const EMAIL = { id: "d1", to: ["sam@example.org"], from: "help@shop.example", subject: "New reply", reply_to: "reply+abc@reply.example", received_at: 1764000000, text: "<script>x</script>" };

function fakeApi({ fail } = {}) {
  const calls = [];
  return {
    calls,
    list: async () => {
      calls.push(["list"]);
      if (fail) throw fail;
      return { sink: true, inbound: true, emails: [EMAIL] };
    },
    reply: async (id, text) => {
      calls.push(["reply", id, text]);
      return { ok: true };
    },
  };
}

function scheduler() {
  const pending = [];
  return { pending, schedule: (fn, ms) => (pending.push({ fn, ms }), pending.length), cancel: () => pending.splice(0) };
}

test("the page lists the sink's emails and refreshes while it is open", async () => {
  const api = fakeApi();
  const timers = scheduler();
  const mail = new MailController({ api, ...timers });
  await mail.open();
  assert.deepEqual(mail.emails, [EMAIL]);
  assert.equal(timers.pending[0].ms, MAIL_POLL_MS);
  mail.close();
  assert.equal(timers.pending.length, 0);
});

test("replying as the customer sends the typed text, and needs some", async () => {
  const api = fakeApi();
  const mail = new MailController({ api, ...scheduler() });
  await mail.open();
  await mail.reply("d1");
  assert.equal(mail.message, "Write the customer's reply first.");
  mail.draft("d1", "  Thanks!  ");
  await mail.reply("d1");
  assert.deepEqual(api.calls.at(-1), ["reply", "d1", "Thanks!"]);
  assert.equal(mail.drafts.d1, undefined);
  assert.match(mail.message, /Sent as the customer/);
});

test("outside developer mode the page says so", async () => {
  const mail = new MailController({ api: fakeApi({ fail: { code: "not_found", message: "x" } }), ...scheduler() });
  await mail.open();
  assert.match(mail.message, /developer mode/);
});

test("the API calls the dev mail routes with the agent's token", async () => {
  const seen = [];
  const fetchFn = async (url, init) => (seen.push([url, init.method, init.headers.Authorization, init.body]), { ok: true, json: async () => ({ ok: true }) });
  const api = mailApi("http://x", () => "tok", fetchFn);
  await api.list();
  await api.reply("d/1", "hi");
  assert.deepEqual(seen, [
    ["http://x/api/dev/mail", "GET", "Bearer tok", undefined],
    ["http://x/api/dev/mail/d%2F1/reply", "POST", "Bearer tok", JSON.stringify({ text: "hi" })],
  ]);
});
