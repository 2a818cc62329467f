// The widget's own words in every language it speaks, and which language to speak.
//
// One catalog per language in locales/<code>.json (ISO 639-1), each with every key of en.json
// (widget/test/i18n.test.js holds them to it). A value is a string with {placeholders}, or,
// where a number changes the words, an object by plural category (Intl.PluralRules: "one",
// "few", "many", "other", as the language has them).
//
// Which language (docs/widget.md, "Languages"):
//   start:   the embed's data-lang, else the page's <html lang>, else the browser's languages,
//            the first of them the widget has; else English;
//   then:    the conversation's language once the service has identified it (a `language` in
//            tandem_session, tandem_state, tandem_transcript or the tandem_sync ack);
//   always:  the customer's own pick in the header (remembered), over both.
//
//   const t = translator("hr");
//   t("status.position", { position: 2, wait: waitText(t, 130) }) // "Vi ste 2. u redu (oko 2 minute)."

import { waitParts } from "../shared/format.js";
import de from "./locales/de.json" with { type: "json" };
import en from "./locales/en.json" with { type: "json" };
import es from "./locales/es.json" with { type: "json" };
import fr from "./locales/fr.json" with { type: "json" };
import hr from "./locales/hr.json" with { type: "json" };
import id from "./locales/id.json" with { type: "json" };
import ms from "./locales/ms.json" with { type: "json" };
import ru from "./locales/ru.json" with { type: "json" };
import ta from "./locales/ta.json" with { type: "json" };
import tl from "./locales/tl.json" with { type: "json" };

/** @typedef {keyof typeof en} MessageKey */
/** @typedef {string | Record<string, string>} Message */
/** @typedef {Record<string, Message>} Catalog */
/** @typedef {(key: MessageKey, params?: Record<string, string|number>) => string} Translate */

export const DEFAULT_LANGUAGE = "en";

/** @type {Record<string, Catalog>} by ISO 639-1 code; the picker lists them in this order */
export const CATALOGS = { en, de, es, fr, hr, id, ms, ru, ta, tl };

/**
 * Tags that mean a language the widget has under another code: Filipino is written as Tagalog;
 * Bosnian and Serbian (Latin) readers are served the Croatian texts, as the service routes
 * hr/bs/sr to the same people; "in" is Indonesian's old code.
 * @type {Record<string, string>}
 */
const ALIASES = { fil: "tl", bs: "hr", sr: "hr", in: "id", zsm: "ms" };

/** @returns {string[]} the codes the widget speaks */
export function supportedLanguages() {
  return Object.keys(CATALOGS);
}

/**
 * Each language by its own name, for the picker: [["en", "English"], ["hr", "Hrvatski"], …].
 * @returns {[string, string][]}
 */
export function languageChoices() {
  return supportedLanguages().map((code) => [code, String(CATALOGS[code]["language.name"])]);
}

/**
 * A language tag ("de-AT", "HR", "fil-PH", "sr-Cyrl") as a code the widget speaks, or null.
 * @param {unknown} tag
 * @returns {string|null}
 */
export function supported(tag) {
  if (typeof tag !== "string") return null;
  const parts = tag.trim().toLowerCase().replace(/_/g, "-").split("-");
  if (parts[0] === "sr" && parts.includes("cyrl")) return null; // Croatian texts are Latin-only
  const code = ALIASES[parts[0]] || parts[0];
  return Object.hasOwn(CATALOGS, code) ? code : null;
}

/**
 * The language to start in: the embed's choice, the page's, then the browser's, else English.
 * @param {{configured?: unknown, page?: unknown, browser?: readonly unknown[]}} sources
 */
export function initialLanguage({ configured, page, browser = [] }) {
  for (const tag of [configured, page, ...browser]) {
    const code = supported(tag);
    if (code) return code;
  }
  return DEFAULT_LANGUAGE;
}

/**
 * The language to show now: the customer's pick, else the conversation's (when the widget
 * speaks it), else the initial one.
 * @param {{picked?: string|null, identified?: string|null, initial: string}} choice
 */
export function chooseLanguage({ picked, identified, initial }) {
  return supported(picked) || supported(identified) || supported(initial) || DEFAULT_LANGUAGE;
}

/**
 * The ISO 639-1 code in a protocol field (`language`), or null when absent or malformed.
 * @param {unknown} value
 */
export function languageField(value) {
  return typeof value === "string" && /^[a-z]{2}(-[A-Za-z0-9]{2,8})*$/.test(value) ? value.slice(0, 2) : null;
}

/**
 * `t(key, params)` for one language; a key the catalog lacks falls back to English.
 * @param {string} language
 * @returns {Translate}
 */
export function translator(language) {
  const code = supported(language) || DEFAULT_LANGUAGE;
  const catalog = CATALOGS[code];
  const plural = new Intl.PluralRules(code);
  return (key, params = {}) => {
    /** @type {Message|undefined} */
    let message = catalog[key] ?? CATALOGS[DEFAULT_LANGUAGE][key];
    if (message === undefined) return key;
    if (typeof message === "object") {
      const count = Number(params.count);
      message = message[plural.select(count)] ?? message.other ?? "";
    }
    return fill(message, params);
  };
}

/**
 * @param {string} text
 * @param {Record<string, string|number>} params
 */
function fill(text, params) {
  return text.replace(/\{(\w+)\}/g, (whole, name) => (Object.hasOwn(params, name) ? String(params[name]) : whole));
}

/**
 * The {placeholders} a message uses (every form of a plural message), sorted.
 * @param {Message} message
 */
export function placeholders(message) {
  const texts = typeof message === "string" ? [message] : Object.values(message);
  const names = new Set(texts.flatMap((text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1])));
  return [...names].sort();
}

/**
 * "about 2 minutes", in the language of `t`; "taking longer than usual" when the service said
 * the line has not moved for longer than its estimate (`longer_than_usual`).
 * @param {Translate} t
 * @param {number|null|undefined} seconds
 * @param {boolean} [longer]
 */
export function waitText(t, seconds, longer = false) {
  if (longer) return t("wait.longer");
  const { unit, count } = waitParts(seconds);
  if (unit === "underMinute") return t("wait.underMinute");
  return t(unit === "minutes" ? "wait.minutes" : "wait.hours", { count });
}

/**
 * A text the embedder configured (a string for every language, or an object with one per
 * language code), else the catalog's.
 * @param {unknown} configured
 * @param {string} language
 * @param {string} fallback
 */
export function configuredText(configured, language, fallback) {
  if (typeof configured === "string" && configured) return configured;
  if (configured && typeof configured === "object") {
    const byLanguage = /** @type {Record<string, unknown>} */ (configured);
    const text = byLanguage[language];
    if (typeof text === "string" && text) return text;
  }
  return fallback;
}
