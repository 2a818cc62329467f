import assert from "node:assert/strict";
import { test } from "node:test";

import { Chat } from "../src/widget/chat.js";
import {
  CATALOGS,
  chooseLanguage,
  configuredText,
  initialLanguage,
  languageChoices,
  languageField,
  placeholders,
  supported,
  translator,
  waitText,
} from "../src/widget/i18n.js";
import { view } from "../src/widget/status.js";
import { FakeTransport, recordingView, settle } from "./fakes.js";
import { customerAck, customerOut, memoryStorage } from "./golden.js";

const en = CATALOGS.en;
const SEEDS = ["en", "tl", "ms", "ru", "ta", "hr", "de", "es"];

test("the widget speaks the seeds' languages and more", () => {
  for (const code of SEEDS) assert.ok(Object.hasOwn(CATALOGS, code), code);
  const names = languageChoices().map(([, name]) => name);
  assert.equal(new Set(names).size, names.length);
  assert.ok(names.includes("தமிழ்") && names.includes("Hrvatski") && names.includes("Русский"));
});

test("every catalog has every key of en.json and no other", () => {
  for (const [code, catalog] of Object.entries(CATALOGS)) {
    const missing = Object.keys(en).filter((k) => !Object.hasOwn(catalog, k));
    const stray = Object.keys(catalog).filter((k) => !Object.hasOwn(en, k));
    assert.deepEqual(missing, [], `${code} lacks ${missing}`);
    assert.deepEqual(stray, [], `${code} has keys en.json does not: ${stray}`);
  }
});

test("placeholders are the same in every language, and no text is empty", () => {
  for (const [code, catalog] of Object.entries(CATALOGS)) {
    for (const [key, message] of Object.entries(en)) {
      assert.deepEqual(placeholders(catalog[key]), placeholders(message), `${code} ${key}`);
      const texts = typeof catalog[key] === "string" ? [catalog[key]] : Object.values(catalog[key]);
      for (const text of texts) assert.ok(text.trim(), `${code} ${key} is empty`);
    }
  }
});

test("plural messages have exactly the plural forms of their language", () => {
  for (const [code, catalog] of Object.entries(CATALOGS)) {
    const forms = new Intl.PluralRules(code).resolvedOptions().pluralCategories.slice().sort();
    for (const [key, message] of Object.entries(en)) {
      const value = catalog[key];
      assert.equal(typeof value, typeof message, `${code} ${key}: a plural in en is a plural everywhere`);
      if (typeof value === "object") assert.deepEqual(Object.keys(value).sort(), forms, `${code} ${key}`);
    }
  }
});

test("translations fill placeholders and choose the plural form", () => {
  const ru = translator("ru");
  assert.equal(waitText(ru, 60), "примерно 1 минута");
  assert.equal(waitText(ru, 120), "примерно 2 минуты");
  assert.equal(waitText(ru, 300), "примерно 5 минут");
  assert.equal(waitText(ru, 21 * 60), "примерно 21 минута");
  const hr = translator("hr");
  assert.equal(hr("status.position", { position: 2, wait: waitText(hr, 130) }), "Vi ste 2. u redu (oko 2 minute).");
  assert.equal(waitText(hr, 600), "oko 10 minuta");
  assert.equal(waitText(translator("en"), 20), "under a minute");
  assert.equal(waitText(translator("en"), 7200), "about 2 hours");
  assert.equal(translator("ta")("typing.agent", { name: "Ana" }), "Ana தட்டச்சு செய்கிறார்…");
  assert.equal(translator("xx")("composer.send"), "Send"); // unknown language: English
});

test("which language to start in: data-lang, then <html lang>, then the browser, then English", () => {
  assert.equal(initialLanguage({ configured: "hr", page: "de", browser: ["ru"] }), "hr");
  assert.equal(initialLanguage({ configured: "", page: "de-AT", browser: ["ru"] }), "de");
  assert.equal(initialLanguage({ configured: "", page: "", browser: ["ta-IN", "en"] }), "ta");
  assert.equal(initialLanguage({ configured: "pl", page: "nl", browser: ["sv", "ms-MY"] }), "ms"); // unsupported ones are passed over
  assert.equal(initialLanguage({ configured: "pl", page: "", browser: ["sv"] }), "en");
  assert.equal(initialLanguage({}), "en");
  assert.equal(supported("fil-PH"), "tl");
  assert.equal(supported("bs"), "hr");
  assert.equal(supported("sr-Latn"), "hr");
  assert.equal(supported("sr-Cyrl"), null); // the Croatian texts are Latin
  assert.equal(supported("RU"), "ru");
  assert.equal(supported(42), null);
});

test("which language to show: the customer's pick, then the conversation's, then the initial", () => {
  assert.equal(chooseLanguage({ picked: "es", identified: "hr", initial: "en" }), "es");
  assert.equal(chooseLanguage({ picked: null, identified: "hr", initial: "en" }), "hr");
  assert.equal(chooseLanguage({ picked: null, identified: "pl", initial: "de" }), "de"); // no Polish texts
  assert.equal(chooseLanguage({ picked: null, identified: null, initial: "ta" }), "ta");
  assert.equal(languageField("hr"), "hr");
  assert.equal(languageField("pt-BR"), "pt");
  assert.equal(languageField("Croatian"), null);
  assert.equal(languageField(undefined), null);
});

test("an embedder's text is kept in every language, or given per language", () => {
  assert.equal(configuredText("Acme help", "hr", "Asistent"), "Acme help");
  assert.equal(configuredText({ en: "Acme help", hr: "Acme pomoć" }, "hr", "Asistent"), "Acme pomoć");
  assert.equal(configuredText({ en: "Acme help" }, "ta", "உதவியாளர்"), "உதவியாளர்");
  assert.equal(configuredText("", "de", "Assistent"), "Assistent");
});

test("the state panel speaks the customer's language", () => {
  const flags = { messageLeft: false, rated: false, offlineFormOpen: false };
  const status = { conversationId: "c_1", state: "queued", queuePosition: 2, estimatedWait: 120 };
  assert.equal(view(status, flags, translator("ms")).detail, "Anda nombor 2 dalam giliran (kira-kira 2 minit).");
  assert.equal(view({ ...status, state: "offline", offlineReason: "closed_hours", businessHours: "9-17" }, flags, translator("de")).detail,
    "Wir sind gerade nicht erreichbar. Unsere Servicezeiten: 9-17. Hinterlassen Sie Ihre E-Mail-Adresse und eine Nachricht – wir antworten per E-Mail.");
  assert.equal(view({ ...status, state: "agent" }, flags, translator("tl")).title, "Support"); // no agent name
});

// -- the widget's logic switching languages ---------------------------------------------------
const info = customerOut("tandem_session");
const noTimers = { schedule: () => 0, cancel: () => {} };

function chatIn(language, storage = memoryStorage()) {
  const transport = new FakeTransport();
  const ui = recordingView();
  const chat = new Chat({ transport, storage, view: ui, language, customData: { page: "/shop" }, ...noTimers });
  transport.connected = true;
  chat.onConnect();
  chat.onSessionConfirm(customerOut("session_confirm"));
  return { chat, transport, ui, storage };
}

test("the widget switches when the service names the conversation's language, and re-renders", () => {
  const { chat, ui } = chatIn("en");
  assert.deepEqual(ui.last("setLanguage").slice(0, 1), ["en"]);
  chat.onSession({ ...info, state: "bot" });
  chat.onState({ conversation_id: info.conversation_id, state: "queued", queue_position: 3, estimated_wait_s: 300, language: "hr" });
  assert.equal(chat.language, "hr");
  assert.deepEqual(ui.last("setLanguage").slice(0, 1), ["hr"]);
  assert.equal(ui.last("setStatus")[0].detail, "Vi ste 3. u redu (oko 5 minuta).");
  chat.onTyping({ typing: true, agent_name: "Ana" });
  assert.deepEqual(ui.last("setTyping"), ["Ana piše…"]);
  // A language the widget has no texts for: back to the one it started in, not the last one.
  chat.onState({ conversation_id: info.conversation_id, state: "queued", queue_position: 2, estimated_wait_s: 60, language: "pl" });
  assert.equal(chat.language, "en");
});

test("the conversation's language also comes with the session and the transcript", () => {
  const first = chatIn("en");
  first.chat.onSession({ ...info, language: "ta" });
  assert.equal(first.chat.language, "ta");
  const second = chatIn("de");
  second.chat.onSession(info);
  second.chat.onTranscript({ ...customerOut("tandem_transcript"), language: "ru" });
  assert.equal(second.chat.language, "ru");
  assert.equal(second.ui.last("setLanguage")[2].list().length, 3); // the entries, re-labelled
});

test("the customer's pick wins, is remembered, and is sent as metadata.language", async () => {
  const { chat, transport, ui, storage } = chatIn("en");
  chat.onSession({ ...info, state: "bot" });
  chat.setLanguage("es");
  assert.equal(chat.language, "es");
  assert.equal(storage.getItem("tandem:lang"), "es");
  chat.onState({ conversation_id: info.conversation_id, state: "queued", queue_position: 1, estimated_wait_s: 30, language: "hr" });
  assert.equal(chat.language, "es"); // identified, but the customer chose
  assert.match(ui.last("setStatus")[0].detail, /^Es el número 1 en la fila/);
  transport.answer = () => ({ ...customerAck("user_uttered"), seq: 9 });
  chat.send("hola");
  await settle();
  const [, payload] = transport.requests.find(([e]) => e === "user_uttered");
  assert.deepEqual(payload.metadata, { page: "/shop", language: "es" });
  assert.equal(payload.customData, undefined); // the service reads one of the two; both travel in metadata
  // Next visit: the pick is there before anything is said.
  const again = chatIn("en", storage);
  assert.equal(again.chat.language, "es");
});

test("without a pick, messages carry customData as before and no language hint", async () => {
  const { chat, transport } = chatIn("de");
  chat.onSession({ ...info, state: "bot" });
  transport.answer = () => ({ ...customerAck("user_uttered"), seq: 9 });
  chat.send("hallo");
  await settle();
  const [, payload] = transport.requests.find(([e]) => e === "user_uttered");
  assert.deepEqual(payload.customData, { page: "/shop" });
  assert.equal(payload.metadata, undefined);
});

test("failures are told in the customer's language", async () => {
  const { chat, transport, ui } = chatIn("ru");
  chat.onSession({ ...info, state: "bot" });
  transport.answer = () => ({ ok: false, error: { code: "too_long", message: "message is longer than 3000 characters" } });
  chat.send("x".repeat(3500));
  await settle();
  assert.equal(ui.last("setPending")[0][0].failed, "Не отправлено: сообщение длиннее 3000 символов.");
  transport.connected = false;
  assert.equal(await chat.leaveMessage({ email: "a@example.com", message: "hi" }), "Нет соединения; попробуйте ещё раз чуть позже.");
  transport.connected = true;
  transport.answer = () => ({ ok: false, error: { code: "bad_request", message: "email is not a valid address" } });
  assert.equal(await chat.leaveMessage({ email: "nope", message: "hi" }), "Пожалуйста, введите правильный адрес e-mail.");
});
