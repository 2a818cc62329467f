import assert from "node:assert/strict";
import { test } from "node:test";

import { AdminController, counted, isAdmin, splitList } from "../src/console/admin.js";

/** An API that answers like the service (docs/console.md, "Administration") and records calls. */
function fakeApi() {
  const calls = [];
  const agents = [{ username: "boss", name: "Boss", languages: ["en"], skills: [], capacity: 3, roles: ["admin"], disabled: false, online: true }];
  const api = {
    calls,
    agents: async () => ({ agents: agents.map((a) => ({ ...a })) }),
    audit: async () => ({ entries: [{ ts: 1, actor: "boss", action: "agent.create", target: "ben" }] }),
    create: async (body) => {
      calls.push(["create", body]);
      agents.push({ ...body, disabled: false, online: false });
      return { ok: true, agent: { username: body.username }, ...(body.password ? {} : { password: "generated-once" }) };
    },
    update: async (username, body) => (calls.push(["update", username, body]), { ok: true }),
    disable: async (username) => (calls.push(["disable", username]), { ok: true }),
    enable: async (username) => (calls.push(["enable", username]), { ok: true }),
    remove: async (username) => {
      if (username === "boss") throw { code: "last_admin", message: "this is the last enabled admin: make another agent admin first" };
      calls.push(["remove", username]);
      return { ok: true, requeued: 2 };
    },
    resetPassword: async (username, password) => (calls.push(["resetPassword", username, password]), password ? { ok: true } : { ok: true, password: "fresh-one" }),
    search: async (query) => (calls.push(["search", query]), { customers: [{ customer_id: "u_1", conversations: [{ conversation_id: "c_1", state: "closed", created_at: 0 }] }] }),
    exportCustomer: async (id) => (calls.push(["export", id]), { customer_id: id, conversations: [] }),
    erase: async (id, confirm) => (calls.push(["erase", id, confirm]), { ok: true, conversations: 1, closed_live: 0, keys: 9 }),
  };
  return api;
}

test("only admins see the admin page; lists are split on commas", () => {
  assert.equal(isAdmin({ roles: ["admin"] }), true);
  assert.equal(isAdmin({ roles: ["writer"] }), false);
  assert.equal(isAdmin(null), false);
  assert.deepEqual(splitList(" en, de ,,"), ["en", "de"]);
});

test("creating an agent sends the profile and shows a generated password once", async () => {
  const api = fakeApi();
  const admin = new AdminController({ api });
  await admin.open();
  const ok = await admin.create({ username: " ben ", name: "Ben", languages: "en, de", skills: "billing", capacity: "2", roles: ["writer"], password: "" });
  assert.equal(ok, true);
  assert.deepEqual(api.calls[0], ["create", { username: "ben", name: "Ben", languages: ["en", "de"], skills: ["billing"], capacity: 2, roles: ["writer"], password: "" }]);
  assert.deepEqual(admin.revealed, { username: "ben", password: "generated-once" });
  assert.equal(admin.agents.length, 2);
  admin.forgetPassword();
  assert.equal(admin.revealed, null);
  await admin.resetPassword("ben", "typed by boss");
  assert.equal(admin.revealed, null); // a typed password is not shown back
  await admin.resetPassword("ben", "");
  assert.deepEqual(admin.revealed, { username: "ben", password: "fresh-one" });
});

test("edits, disabling and deleting go to the service; its refusals are shown", async () => {
  const api = fakeApi();
  const admin = new AdminController({ api });
  admin.edit("ben");
  await admin.save("ben", { name: "Ben B", languages: "en", skills: "", capacity: 4, roles: [] });
  assert.equal(admin.editing, "");
  await admin.setDisabled("ben", true);
  await admin.setDisabled("ben", false);
  await admin.remove("ben");
  assert.match(admin.message, /; 2 conversations went back to the queue\./);
  await admin.remove("boss");
  assert.match(admin.message, /last enabled admin/);
  assert.deepEqual(
    api.calls.map((c) => c[0]),
    ["update", "disable", "enable", "remove"],
  );
});

test("an erase needs the customer id typed; an export is downloaded", async () => {
  const api = fakeApi();
  const downloads = [];
  const admin = new AdminController({ api, download: (name, text) => downloads.push([name, JSON.parse(text)]) });
  await admin.search("email", " sam@example.org ");
  assert.deepEqual(api.calls[0], ["search", { email: "sam@example.org" }]);
  assert.equal(admin.customers.length, 1);
  await admin.exportCustomer("u_1");
  assert.deepEqual(downloads, [["tandem-u_1.json", { customer_id: "u_1", conversations: [] }]]);
  await admin.erase("u_1", "u_2");
  assert.match(admin.message, /Type u_1 to confirm/);
  assert.equal(api.calls.filter((c) => c[0] === "erase").length, 0);
  admin.drafts["erase-u_1"] = "u_1"; // typed; a redraw in between keeps it
  await admin.erase("u_1", admin.draft("erase-u_1"));
  assert.deepEqual(api.calls.at(-1), ["erase", "u_1", "u_1"]);
  assert.equal(admin.draft("erase-u_1", ""), "");
  assert.equal(admin.customers.length, 0);
  assert.equal(admin.message, "Erased u_1: 1 conversation, 0 live ones closed.");
});

test("counts read as English, not as a form", () => {
  assert.equal(counted(1, "conversation"), "1 conversation");
  assert.equal(counted(0, "conversation"), "0 conversations");
  assert.equal(counted(2, "live one"), "2 live ones");
});
