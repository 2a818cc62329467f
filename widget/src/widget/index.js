// Tandem's chat widget: one <script> tag mounts it.
//
//   <script src="https://support.example.com/static/tandem-widget.js" defer
//           data-title="Acme help" data-accent-color="#0a7d45"></script>
//
// Optional config call instead of (or on top of) data attributes: set `data-manual` on the tag
// and call `Tandem.init({...})` yourself. See docs/widget.md for every option.

import { Chat } from "./chat.js";
import { initialLanguage } from "./i18n.js";
import { customerTransport } from "./transport.js";
import { WidgetView } from "./view.js";

const VERSION = "0.1.0";
const script = document.currentScript instanceof HTMLScriptElement ? document.currentScript : null;

/**
 * Texts left empty come from the widget's catalog in the customer's language (i18n.js); a
 * string is used in every language, an object ({en: "…", hr: "…"}) per language.
 * @typedef {{server: string, path: string, title: unknown, greeting: unknown, launcherLabel: unknown,
 *   accentColor: string, position: string, open: boolean, customData?: Record<string, any>,
 *   storage: string, storageKey: string, lang: string}} Config
 */

/** @typedef {{open(): void, close(): void, toggle(): void, send(text: string): void, shutdown(): void, chat: Chat}} Mounted */

/** What the host page may set on window (docs/widget.md). */
const page = /** @type {Window & {TandemConfig?: Partial<Config>, Tandem?: Record<string, any>}} */ (window);

/** @type {Config} */
const DEFAULTS = {
  server: "", // the handoff service's origin; default: where this script was loaded from
  path: "/socket.io/",
  title: "", // "Assistant", in the customer's language
  greeting: "", // a short hello, in the customer's language
  launcherLabel: "", // "Open support chat", in the customer's language
  lang: "", // the language to start in; default: the page's <html lang>, then the browser's
  accentColor: "",
  position: "right",
  open: false,
  customData: undefined,
  storage: "local", // "local": the conversation follows the customer across tabs; "session": this tab
  storageKey: "tandem:",
};

/**
 * Options from the script tag's data attributes: data-title, data-accent-color, …
 * @param {HTMLScriptElement|null} tag
 * @returns {Record<string, any>}
 */
function fromScriptTag(tag) {
  if (!tag) return {};
  /** @type {Record<string, any>} */
  const out = {};
  for (const [key, value] of Object.entries(tag.dataset)) {
    if (key === "manual") continue;
    if (key === "open") out.open = value !== "false";
    else if (key === "customData") {
      try {
        out.customData = JSON.parse(value || "null");
      } catch {
        // ignore malformed JSON rather than break the host page
      }
    } else out[key] = value;
  }
  return out;
}

/** @param {HTMLScriptElement|null} tag */
function defaultServer(tag) {
  try {
    if (tag && tag.src) return new URL(tag.src, location.href).origin;
  } catch {
    // fall through
  }
  return location.origin;
}

/** @param {string} kind "local" | "session" */
function pickStorage(kind) {
  try {
    const storage = kind === "session" ? window.sessionStorage : window.localStorage;
    const probe = "tandem:probe";
    storage.setItem(probe, "1");
    storage.removeItem(probe);
    return storage;
  } catch {
    return null; // storage blocked: the widget works, but forgets on reload
  }
}

/** @type {Mounted|null} */
let mounted = null;

/**
 * @param {Partial<Config>} [options]
 * @returns {Mounted}
 */
function mount(options = {}) {
  if (mounted) return mounted;
  /** @type {Config} */
  const config = { ...DEFAULTS, ...(page.TandemConfig || {}), ...fromScriptTag(script), ...options };
  config.server = config.server || defaultServer(script);
  config.position = config.position === "left" ? "left" : "right";
  const storage = pickStorage(config.storage);
  const tabStorage = pickStorage("session");

  // A custom element name: host page rules for div, section, … never match the widget's host.
  const host = document.createElement("tandem-widget");
  host.dataset.position = config.position;
  if (config.accentColor) host.style.setProperty("--tw-accent", String(config.accentColor));
  const root = host.attachShadow({ mode: "open" });

  /** @type {Chat} */
  let chat;
  let connecting = false;
  const connect = () => {
    if (!connecting) {
      connecting = true;
      transport.connect();
    }
  };
  const view = new WidgetView(root, config, {
    send: (text, display) => chat.send(text, display),
    requestAgent: () => chat.requestAgent(),
    typing: () => chat.typing(),
    openOfflineForm: (open) => chat.openOfflineForm(open),
    leaveMessage: (form) => chat.leaveMessage(form),
    rate: (rating, comment) => chat.rate(rating, comment),
    answerFollowUp: (solved) => chat.answerFollowUp(solved),
    emailTranscript: (address) => chat.emailTranscript(address),
    setLanguage: (language) => chat.setLanguage(language),
    editFailed: (cmid) => chat.editFailed(cmid),
    deleteFailed: (cmid) => chat.deleteFailed(cmid),
    onOpenChange: (open) => {
      host.dataset.open = String(open);
      try {
        if (tabStorage) tabStorage.setItem(`${config.storageKey}open`, open ? "1" : "0");
      } catch {
        // ignore
      }
      if (open) connect();
    },
  });
  const transport = customerTransport({
    url: config.server,
    path: config.path,
    handlers: {
      connect: () => chat.onConnect(),
      disconnect: () => chat.onDisconnect(),
      session_confirm: (id) => chat.onSessionConfirm(id),
      tandem_session: (info) => chat.onSession(info),
      tandem_transcript: (payload) => chat.onTranscript(payload),
      bot_uttered: (payload) => chat.onBotUttered(payload),
      tandem_message: (payload) => chat.onMessage(payload),
      tandem_state: (change) => chat.onState(change),
      tandem_typing: (payload) => chat.onTyping(payload),
      tandem_error: (payload) => chat.onError(payload),
      tandem_followup: (question) => chat.onFollowUp(question),
    },
  });
  const language = initialLanguage({
    configured: config.lang,
    page: document.documentElement.lang,
    browser: navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language],
  });
  chat = new Chat({ transport, storage, view, prefix: config.storageKey, customData: config.customData, language });
  view.setConnected(true);

  (document.body || document.documentElement).append(host);
  const wasOpen = tabStorage && tabStorage.getItem(`${config.storageKey}open`) === "1";
  // A returning customer (a stored session, or messages waiting to be sent) reconnects at once,
  // so agent replies and unread badges arrive; a new visitor connects when they open the chat.
  if (chat.sessionId || chat.outbox.waiting().length) connect();
  if (config.open || wasOpen) view.toggle(true, { focus: false });

  mounted = {
    open: () => view.toggle(true),
    close: () => view.toggle(false),
    toggle: () => view.toggle(),
    send: (/** @type {string} */ text) => {
      connect();
      chat.send(text);
    },
    shutdown: () => {
      transport.disconnect();
      host.remove();
      mounted = null;
    },
    chat,
  };
  return mounted;
}

const api = {
  version: VERSION,
  init: (/** @type {Partial<Config>} */ options) => mount(options),
  open: () => mount().open(),
  close: () => mounted && mounted.close(),
  toggle: () => mount().toggle(),
};
page.Tandem = Object.assign(page.Tandem || {}, api);

if (!(script && "manual" in script.dataset)) {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => mount());
  else mount();
}
